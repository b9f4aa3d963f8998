import type { Catalog } from './catalog/catalog.js';
import { VectorIndex, type IndexDifferences } from './vector-index/vector-index.js';
import type { Logger } from './util/logger.js';

/**
 * One model's vectors: the catalog holds them durably (the source of truth) and the HNSW index
 * answers nearest-neighbour queries. Writes go to the catalog inside the caller's transaction
 * and reach the index only after it commits, so the index never holds a vector the catalog
 * lacks. A generation counter, bumped with every vector write and recorded when the index is
 * saved, tells at start-up whether the file on disk is behind (after a crash) and must be
 * brought in line with the catalog.
 */
export class VectorStore {
  private constructor(
    private readonly catalog: Catalog,
    readonly modelId: number,
    readonly modelKey: string,
    private readonly index: VectorIndex,
  ) {}

  static open(options: {
    catalog: Catalog;
    indexDir: string;
    modelKey: string;
    dimensions: number;
    logger: Logger;
  }): VectorStore {
    const { catalog, modelKey, dimensions, logger } = options;
    const modelId = catalog.registerModel(modelKey, dimensions);
    const index = VectorIndex.open({ dir: options.indexDir, modelKey, dimensions });
    const store = new VectorStore(catalog, modelId, modelKey, index);
    if (index.rebuilt || store.savedGeneration() !== store.generation()) {
      const { added, updated, removed } = store.syncIndexWithCatalog();
      if (added + updated + removed > 0) {
        const reason = index.rebuildReason ?? 'behind the catalog';
        logger.info(
          `vector index for ${modelKey} was ${reason}: ${added} vectors added, ${updated} updated, ${removed} removed from the catalog's copy`,
        );
      }
    }
    return store;
  }

  get size(): number {
    return this.index.size;
  }

  has(photoId: number): boolean {
    return this.index.has(photoId);
  }

  get(photoId: number): Float32Array | undefined {
    return this.catalog.getVector(photoId, this.modelId);
  }

  /** Call inside a catalog transaction; then `addToIndex` once it has committed. */
  writeToCatalog(photoId: number, vector: Float32Array): void {
    this.catalog.putVector(photoId, this.modelId, vector);
    this.bumpGeneration();
  }

  addToIndex(entries: Iterable<{ photoId: number; vector: Float32Array }>): void {
    for (const { photoId, vector } of entries) this.index.add(photoId, vector);
  }

  /** Call inside the catalog transaction that deleted the photos or their vectors. */
  noteRemovedFromCatalog(): void {
    this.bumpGeneration();
  }

  removeFromIndex(photoIds: Iterable<number>): void {
    for (const photoId of photoIds) this.index.remove(photoId);
  }

  search(query: Float32Array, limit: number, exclude?: ReadonlySet<number>) {
    return this.index.search(query, limit, exclude ? { exclude: new Set(exclude) } : {});
  }

  /** Writes the index file if anything changed, and records which catalog state it holds. */
  save(): void {
    const generation = this.generation();
    this.index.save();
    this.catalog.setSetting(this.savedGenerationKey(), generation);
  }

  /** Makes the index hold exactly the catalog's vectors; returns how many were added and removed. */
  syncIndexWithCatalog(): { added: number; updated: number; removed: number } {
    const result = this.index.syncFrom(this.catalog.iterateVectors(this.modelId));
    this.save();
    return result;
  }

  /** How the index differs from the catalog's vectors (for `ferret check`); changes nothing. */
  compareIndexWithCatalog(): IndexDifferences {
    return this.index.compareWith(this.catalog.iterateVectors(this.modelId));
  }

  private generationKey() {
    return `vectors.generation.${this.modelKey}`;
  }

  private savedGenerationKey() {
    return `vectors.savedGeneration.${this.modelKey}`;
  }

  private generation(): number {
    return Number(this.catalog.getSetting(this.generationKey()) ?? 0);
  }

  private savedGeneration(): number {
    return Number(this.catalog.getSetting(this.savedGenerationKey()) ?? -1);
  }

  private bumpGeneration(): void {
    this.catalog.setSetting(this.generationKey(), this.generation() + 1);
  }
}

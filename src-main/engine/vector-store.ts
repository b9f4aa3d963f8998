import { backgroundTurn } from './util/background-turns.js';
import type { VectorIndexStatus } from '../contract/api.js';
import type { Catalog } from './catalog/catalog.js';
import {
  VectorIndex,
  type VectorIndexDifferences,
  type Neighbour,
  type VectorIndexOptions,
} from './vector-index/vector-index.js';
import type { Logger } from './util/logger.js';
import { isUnitLength, similarity, sumOfSquaresOf, unitVector } from './util/vectors.js';
import type { PhotoConditions } from './catalog/photo-filter.js';
import { errorMessage } from '../contract/format.js';

/**
 * How long background work (reading, rebuilding, checking the index) holds the thread before
 * it lets queries and events in: well under the 100 ms a user notices.
 */
const SLICE_MS = 40;
/** At most this many vectors per slice of a rebuild, however fast the machine. */
const REBUILD_SLICE_VECTORS = 256;
/**
 * Vectors read from the catalog at a time by an exact search (8 MB at 512 dimensions): a few
 * milliseconds of scoring, well inside a slice.
 */
const EXACT_CHUNK = 8192;
/**
 * How long the full check of a saved index waits after the index is read, unless a caller
 * waits for the store to settle: it hashes the whole file (550 MB took 2.6 s of a core here, a
 * million photos' 2.2 GB would take about 10 s), which at start-up competed for the two cores
 * with the text tower's session and the first questions. The cheap checks ran before the index
 * answered; this one only catches damage they cannot see.
 */
const FULL_CHECK_DELAY_MS = 20_000;
/** How often a rebuild records its progress for other processes (`ferret status`). */
const PROGRESS_EVERY_MS = 1000;
/** A recorded rebuild progress older than this is from a process that is gone. */
const PROGRESS_FRESH_MS = 10_000;

/**
 * A filter that keeps at most this many photos is searched exactly over their vectors, read
 * from the catalog in one query; a larger one walks the HNSW graph skipping the photos it does
 * not keep. Measured at 100,000 photos (BENCHMARKS.md, filtered search): on a filter's first
 * query the two cost the same at about 2,800 kept photos (reading the vectors grows with the
 * filter, the graph walk shrinks as fewer nodes are skipped), on later queries at about 5,900;
 * the first query is the one a user waits for after changing a filter.
 */
export const FILTER_FIRST_MAX = 3_000;

/** The photos a search may return: those a filter keeps. */
export interface SearchScope {
  ids: ReadonlySet<number>;
  /** Their vectors (unit length) when few enough to score all of them; null: walk the graph. */
  vectors: { id: number; vector: Float32Array }[] | null;
}

/**
 * One model's vectors as the engine sees them: written with the catalog, searched for nearest
 * neighbours, with the state of whatever answers the searches. The library pipeline, search,
 * `ferret check` and the doors depend on this interface; `HnswVectorStore` (below: the catalog
 * plus an in-process HNSW file) is the one implementation, and a server-backed library would
 * be another, with the vectors in PostgreSQL/pgvector (README, "Beyond one machine").
 */
export interface VectorStore {
  readonly modelId: number;
  readonly modelKey: string;
  /** Resolves once the index is read, rebuilt, brought in line and verified. */
  whenSettled(): Promise<void>;
  /**
   * Resolves once the index answers and holds the catalog's vectors (read and brought in line,
   * or rebuilt); its full check may still be ahead.
   */
  whenInLine(): Promise<void>;
  /** Resolves once the saved index is read, or found unusable and its rebuild has begun. */
  whenOpened(): Promise<void>;
  /** Whether searches are answered by the index, or it is being read or rebuilt (with progress). */
  status(): VectorIndexStatus;
  /** Photos with a vector of this model that searches can find. */
  readonly size: number;
  has(photoId: number): boolean;
  get(photoId: number): Float32Array | undefined;
  /**
   * Call inside a catalog transaction; then `addToVectorIndex` once it has committed, with the
   * vector this returns (as stored: float16).
   */
  writeToCatalog(photoId: number, vector: Float32Array): Float32Array;
  addToVectorIndex(entries: Iterable<{ photoId: number; vector: Float32Array }>): void;
  /** Call inside the catalog transaction that deleted the photos or their vectors. */
  noteRemovedFromCatalog(): void;
  removeFromVectorIndex(photoIds: Iterable<number>): void;
  /** The photos a filter keeps, with their vectors when few (`strategy` forces one way). */
  scope(conditions: PhotoConditions, strategy?: 'filter-first' | 'graph'): SearchScope;
  /** The photos nearest the query, closest first, leaving out `exclude`, within `scope`. */
  search(
    query: Float32Array,
    limit: number,
    exclude?: ReadonlySet<number>,
    scope?: SearchScope,
  ): Promise<Neighbour[]>;
  /** Makes what was written durable where the store keeps more than the catalog. */
  save(): Promise<void>;
  /** Stops the background work and saves what is complete. */
  close(): Promise<void>;
  /** How the index differs from the catalog's vectors (for `ferret check`); changes nothing. */
  compareVectorIndexWithCatalog(): VectorIndexDifferences;
  /** Makes the index hold exactly the catalog's vectors; returns how many were added and removed. */
  syncVectorIndexWithCatalog(): Promise<{ added: number; updated: number; removed: number }>;
}

/**
 * One model's vectors: the catalog holds them durably (the source of truth) and the HNSW index
 * answers nearest-neighbour queries. Writes go to the catalog inside the caller's transaction
 * and reach the index only after it commits, so the index never holds a vector the catalog
 * lacks. A generation counter, bumped with every vector write and recorded when the index is
 * saved, tells at start-up whether the file on disk is behind (after a crash) and must be
 * brought in line with the catalog.
 *
 * Opening never waits for the index: its file is checked cheaply (description, size, header)
 * and read off the thread; a missing or damaged index is rebuilt from the catalog a slice at a
 * time, and until it is whole, searches are exact over the catalog's vectors (slower, still
 * right). The whole file is checked against its checksum in the background.
 */
export class HnswVectorStore implements VectorStore {
  private vectorIndex: VectorIndex | null = null;
  private state: VectorIndexStatus;
  /**
   * Index changes that arrive while the file is read or written, applied once that is done
   * (null: removed).
   */
  private readonly pending = new Map<number, Float32Array | null>();
  /** The save in flight: one at a time, and the graph changes only between them. */
  private saving: Promise<void> | null = null;
  private closed = false;
  private readonly background: Promise<void>;
  private readonly inLine: Promise<void>;
  private markInLine: () => void = () => {};
  private readonly fullCheckMayStart: Promise<void>;
  private startFullCheck: () => void = () => {};
  private lastProgressRecord = 0;
  private lastScope: { key: string; scope: SearchScope } | undefined;

  private constructor(
    private readonly catalog: Catalog,
    readonly modelId: number,
    readonly modelKey: string,
    private readonly vectorIndexOptions: VectorIndexOptions,
    private readonly logger: Logger,
    private readonly readOnly: boolean,
  ) {
    this.state = { state: 'loading', reason: null, done: 0, total: 0 };
    this.inLine = new Promise((resolve) => (this.markInLine = resolve));
    this.fullCheckMayStart = new Promise((resolve) => {
      const timer = setTimeout(resolve, FULL_CHECK_DELAY_MS);
      timer.unref();
      this.startFullCheck = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.background = this.prepareVectorIndex()
      .catch((error: unknown) => {
        logger.warn(`vector index for ${modelKey}: ${errorMessage(error)}`);
      })
      .finally(() => this.markInLine());
  }

  static open(options: {
    /** Brought in line with the catalog in memory only; never saved. */
    readOnly?: boolean;
    catalog: Catalog;
    vectorIndexDir: string;
    modelKey: string;
    dimensions: number;
    logger: Logger;
  }): HnswVectorStore {
    const { catalog, modelKey, dimensions, logger } = options;
    const modelId = catalog.registerModel(modelKey, dimensions);
    return new HnswVectorStore(
      catalog,
      modelId,
      modelKey,
      { dir: options.vectorIndexDir, modelKey, dimensions },
      logger,
      options.readOnly ?? false,
    );
  }

  whenSettled(): Promise<void> {
    this.startFullCheck();
    return this.background;
  }

  whenInLine(): Promise<void> {
    return this.inLine;
  }

  async whenOpened(): Promise<void> {
    while (this.state.state === 'loading' && !this.closed) await this.stateChange();
  }

  /**
   * A rebuild run by another process on the same library (the app, seen from `ferret
   * status`) shows too.
   */
  status(): VectorIndexStatus {
    if (this.state.state !== 'rebuilding') return { ...this.state };
    const recorded = this.catalog.getSetting(this.progressKey()) as
      (VectorIndexStatus & { at: number }) | undefined;
    if (
      recorded !== undefined &&
      Date.now() - recorded.at < PROGRESS_FRESH_MS &&
      recorded.done > this.state.done
    ) {
      const { state, reason, done, total } = recorded;
      return { state, reason, done, total };
    }
    return { ...this.state };
  }

  get size(): number {
    if (this.state.state !== 'ready' || this.vectorIndex === null) {
      return this.catalog.countVectors(this.modelId);
    }
    let size = this.vectorIndex.size;
    for (const [photoId, vector] of this.pending) {
      if (vector === null && this.vectorIndex.has(photoId)) size--;
      else if (vector !== null && !this.vectorIndex.has(photoId)) size++;
    }
    return size;
  }

  has(photoId: number): boolean {
    if (this.state.state !== 'ready' || this.vectorIndex === null) {
      return this.catalog.hasVector(photoId, this.modelId);
    }
    const pending = this.pending.get(photoId);
    return pending === undefined ? this.vectorIndex.has(photoId) : pending !== null;
  }

  get(photoId: number): Float32Array | undefined {
    return this.catalog.getVector(photoId, this.modelId);
  }

  writeToCatalog(photoId: number, vector: Float32Array): Float32Array {
    const stored = this.catalog.putVector(photoId, this.modelId, vector);
    this.bumpGeneration();
    return stored;
  }

  addToVectorIndex(entries: Iterable<{ photoId: number; vector: Float32Array }>): void {
    for (const { photoId, vector } of entries) {
      if (this.vectorIndex === null || this.vectorIndex.saving) this.pending.set(photoId, vector);
      else this.vectorIndex.add(photoId, vector);
    }
  }

  noteRemovedFromCatalog(): void {
    this.bumpGeneration();
  }

  removeFromVectorIndex(photoIds: Iterable<number>): void {
    for (const photoId of photoIds) {
      if (this.vectorIndex === null || this.vectorIndex.saving) this.pending.set(photoId, null);
      else this.vectorIndex.remove(photoId);
    }
  }

  /**
   * `strategy` is for the benchmark that compares the two ways. The last scope is kept until
   * the catalog changes: typing in the search box, or Show more, keeps the same filter.
   */
  scope(conditions: PhotoConditions, strategy?: 'filter-first' | 'graph'): SearchScope {
    const key = `${JSON.stringify(conditions)}|${strategy}|${this.catalog.changeStamp()}`;
    if (this.lastScope?.key === key) return this.lastScope.scope;
    const scope = this.readScope(conditions, strategy);
    this.lastScope = { key, scope };
    return scope;
  }

  /** `scope` read afresh from the catalog, bypassing the kept one. */
  readScope(conditions: PhotoConditions, strategy?: 'filter-first' | 'graph'): SearchScope {
    const count = this.catalog.countPhotos(conditions);
    if (strategy === 'filter-first' || (strategy === undefined && count <= FILTER_FIRST_MAX)) {
      const vectors = this.catalog.vectorsMeeting(this.modelId, conditions).map((row) => ({
        id: row.photoId,
        vector: unitVector(
          this.catalog.decodeVector(this.modelId, row.bytes),
          `vector for photo ${row.photoId}`,
        ),
      }));
      return { ids: new Set(vectors.map(({ id }) => id)), vectors };
    }
    return { ids: new Set(this.catalog.photoIdsMeeting(conditions)), vectors: null };
  }

  /**
   * From the index, or exactly while it is rebuilt. While the index is saved, photos removed
   * meanwhile are left out, and photos added meanwhile join the answers once the save is done.
   */
  async search(
    query: Float32Array,
    limit: number,
    exclude?: ReadonlySet<number>,
    scope?: SearchScope,
  ): Promise<Neighbour[]> {
    if (scope?.vectors) return nearestAmong(scope.vectors, query, limit, exclude);
    // Reading the index costs a fraction of an exact search over the same vectors (250,000 on
    // two cores: about 0.5 s against 3.7 s), so a search started beside the read could never
    // answer first and would only take a core from it: wait for the read instead.
    if (this.state.state === 'loading') await this.whenOpened();
    if (this.state.state === 'ready' && this.vectorIndex) {
      const leftOut = new Set(exclude);
      for (const [photoId, vector] of this.pending) if (vector === null) leftOut.add(photoId);
      return this.vectorIndex.search(query, limit, {
        exclude: leftOut,
        ...(scope && { within: scope.ids }),
      });
    }
    return this.exactSearch(query, limit, exclude ?? new Set(), scope?.ids);
  }

  /**
   * Writes the index file if anything changed, and records which catalog state it holds. An
   * index still being read or rebuilt is not written: it does not hold the catalog yet. The
   * file is written off the thread: searches are answered meanwhile, and changes wait in
   * `pending` until it is done.
   */
  async save(): Promise<void> {
    while (this.saving) await this.saveSettled();
    const index = this.vectorIndex;
    if (this.readOnly || this.state.state !== 'ready' || index === null) return;
    const generation = this.generation();
    this.saving = index
      .save()
      .then(() => this.catalog.setSetting(this.savedGenerationKey(), generation))
      .finally(() => {
        this.saving = null;
        this.applyPending();
      });
    await this.saving;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.startFullCheck();
    await this.background;
    await this.save();
  }

  compareVectorIndexWithCatalog(): VectorIndexDifferences {
    if (this.vectorIndex === null)
      throw new Error(`the vector index for ${this.modelKey} is still being read`);
    return this.vectorIndex.compareWith(this.catalog.iterateVectors(this.modelId));
  }

  async syncVectorIndexWithCatalog(): Promise<{ added: number; updated: number; removed: number }> {
    while (this.saving) await this.saveSettled();
    if (this.vectorIndex === null)
      throw new Error(`the vector index for ${this.modelKey} is still being read`);
    const result = this.vectorIndex.syncFrom(this.catalog.iterateVectors(this.modelId));
    await this.save();
    return result;
  }

  /**
   * Resolves when the save in flight is done, however it ended. Callers loop on `saving` and
   * then change the graph without awaiting anything, so no other save can start in between.
   */
  private async saveSettled(): Promise<void> {
    await this.saving?.catch(() => {});
  }

  /** Brings changes that waited for a read or a save into the index. */
  private applyPending(): void {
    const index = this.vectorIndex;
    if (index === null || index.saving) return;
    for (const [photoId, vector] of this.pending) {
      if (vector === null) index.remove(photoId);
      else index.add(photoId, vector);
    }
    this.pending.clear();
  }

  private async prepareVectorIndex(): Promise<void> {
    const loaded = await VectorIndex.load(this.vectorIndexOptions);
    if (this.closed) return;
    if ('problem' in loaded) return this.rebuild(loaded.problem);
    this.vectorIndex = loaded;
    this.applyPending();
    this.setState({ state: 'ready', reason: null, done: 0, total: 0 });
    if (this.savedGeneration() !== this.generation()) await this.catchUp();
    this.markInLine();
    await this.fullCheckMayStart;
    if (this.closed) return;
    const problem = await loaded.verify();
    if (problem !== null && !this.closed) return this.rebuild(problem);
    await this.compactVectors();
  }

  /**
   * Refills an empty index from the catalog, a slice at a time. Writes and removals made
   * meanwhile go to the same index directly, and each slice reads the catalog as it is then,
   * so the result holds exactly the catalog's vectors.
   */
  private async rebuild(reason: string): Promise<void> {
    const total = this.catalog.countVectors(this.modelId);
    // A library without vectors yet (new, or a model it has never used) has nothing to rebuild.
    if (total > 0) {
      this.logger.info(
        `vector index for ${this.modelKey} is ${reason}: rebuilding ${total} vectors`,
      );
    }
    const index = VectorIndex.empty(this.vectorIndexOptions, reason);
    for (const [photoId, vector] of this.pending) if (vector !== null) index.add(photoId, vector);
    this.pending.clear();
    this.vectorIndex = index;
    this.setState({ state: 'rebuilding', reason, done: 0, total });
    let after = 0;
    for (;;) {
      if (this.closed) return;
      const sliceEnd = performance.now() + SLICE_MS;
      let rows;
      let sliced = 0;
      do {
        rows = this.catalog.vectorsAfter(this.modelId, after, 16);
        for (const { photoId, bytes } of rows) {
          index.add(photoId, this.catalog.decodeVector(this.modelId, bytes));
          after = photoId;
        }
        this.state.done += rows.length;
        sliced += rows.length;
      } while (rows.length > 0 && sliced < REBUILD_SLICE_VECTORS && performance.now() < sliceEnd);
      if (rows.length === 0) break;
      this.recordProgress();
      await backgroundTurn();
    }
    if (!this.readOnly) this.catalog.deleteSetting(this.progressKey());
    this.setState({ state: 'ready', reason: null, done: 0, total: 0 });
    await this.save();
    this.markInLine();
    if (total > 0)
      this.logger.info(`vector index for ${this.modelKey} rebuilt: ${index.size} vectors`);
  }

  /** An index saved before the last catalog writes (a crash) is brought in line, in slices. */
  private async catchUp(): Promise<void> {
    const index = this.vectorIndex!;
    let after = 0;
    const seen = new Set<number>();
    let changed = 0;
    for (;;) {
      if (this.closed) return;
      while (this.saving) await this.saveSettled();
      const rows = this.catalog.vectorsAfter(this.modelId, after, 512);
      if (rows.length === 0) break;
      const entries = rows.map(({ photoId, bytes }) => {
        seen.add(photoId);
        after = photoId;
        return { photoId, vector: this.catalog.decodeVector(this.modelId, bytes) };
      });
      const { added, updated } = index.syncMissing(entries);
      changed += added + updated;
      await backgroundTurn();
    }
    while (this.saving) await this.saveSettled();
    const removed = index.removeAllBut(seen);
    if (changed + removed > 0) {
      this.logger.info(
        `vector index for ${this.modelKey} was behind the catalog: ${changed} vectors added or updated, ${removed} removed`,
      );
    }
    await this.save();
  }

  /** Rewrites float32 vectors of an older catalog as float16, a slice at a time. */
  private async compactVectors(): Promise<void> {
    while (!this.closed && this.catalog.compactVectors(this.modelId, 256) > 0) {
      await backgroundTurn();
    }
  }

  /**
   * Exact cosine search over the catalog's vectors, a chunk at a time between other work. Each
   * vector is decoded from its float16 bytes into one reused array and scored as the index
   * scores it; the best `limit` are kept in a heap.
   */
  private async exactSearch(
    query: Float32Array,
    limit: number,
    exclude: ReadonlySet<number>,
    within?: ReadonlySet<number>,
  ): Promise<Neighbour[]> {
    const point = unitVector(query, 'query vector');
    const best = new NearestKept(limit);
    const vector = new Float32Array(point.length);
    let after = 0;
    let sliceEnd = performance.now() + SLICE_MS;
    for (;;) {
      const rows = this.catalog.vectorsAfter(this.modelId, after, EXACT_CHUNK);
      if (rows.length === 0) break;
      for (const { photoId, bytes } of rows) {
        if (exclude.has(photoId) || (within && !within.has(photoId))) continue;
        this.catalog.decodeVector(this.modelId, bytes, vector);
        // Stored vectors are unit length up to float16 rounding, kept as they are (as the
        // index holds them); one from elsewhere is normalised first.
        const stored = isUnitLength(sumOfSquaresOf(vector))
          ? vector
          : unitVector(vector, `vector for photo ${photoId}`);
        best.offer(photoId, similarity(stored, point));
      }
      after = rows[rows.length - 1]!.photoId;
      if (performance.now() > sliceEnd) {
        await backgroundTurn();
        sliceEnd = performance.now() + SLICE_MS;
      }
    }
    return best.sorted();
  }

  private readonly stateListeners = new Set<() => void>();

  private stateChange(): Promise<void> {
    return new Promise((resolve) => this.stateListeners.add(resolve));
  }

  private setState(state: VectorIndexStatus): void {
    this.state = state;
    const listeners = [...this.stateListeners];
    this.stateListeners.clear();
    for (const listener of listeners) listener();
  }

  private recordProgress(): void {
    if (this.readOnly) return;
    if (Date.now() - this.lastProgressRecord < PROGRESS_EVERY_MS) return;
    this.lastProgressRecord = Date.now();
    this.catalog.setSetting(this.progressKey(), { ...this.state, at: Date.now() });
  }

  private progressKey() {
    return `vectors.rebuildProgress.${this.modelKey}`;
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

/** The `limit` vectors nearest the query by cosine, best first (the vectors are unit length). */
function nearestAmong(
  candidates: readonly { id: number; vector: Float32Array }[],
  query: Float32Array,
  limit: number,
  exclude?: ReadonlySet<number>,
): Neighbour[] {
  const point = unitVector(query, 'query vector');
  const best = new NearestKept(limit);
  for (const { id, vector } of candidates) {
    if (!exclude?.has(id)) best.offer(id, similarity(vector, point));
  }
  return best.sorted();
}

/**
 * The `limit` best-scoring photos seen so far, in a min-heap with the worst kept at the root:
 * each offer costs at most log(limit) steps, however many photos are scored. Among equal
 * scores the lower photo id ranks first.
 */
class NearestKept {
  private readonly heap: Neighbour[] = [];

  constructor(private readonly limit: number) {}

  offer(id: number, score: number): void {
    const heap = this.heap;
    if (heap.length < this.limit) {
      heap.push({ id, score });
      this.siftUp(heap.length - 1);
    } else if (this.limit > 0 && ranksAbove({ id, score }, heap[0]!)) {
      heap[0] = { id, score };
      this.siftDown(0);
    }
  }

  /** Best first. */
  sorted(): Neighbour[] {
    return [...this.heap].sort((a, b) => (ranksAbove(a, b) ? -1 : 1));
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!ranksAbove(heap[parent]!, heap[at]!)) break;
      [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    for (;;) {
      let worst = at;
      for (const child of [2 * at + 1, 2 * at + 2]) {
        if (child < heap.length && ranksAbove(heap[worst]!, heap[child]!)) worst = child;
      }
      if (worst === at) return;
      [heap[worst], heap[at]] = [heap[at]!, heap[worst]!];
      at = worst;
    }
  }
}

function ranksAbove(a: Neighbour, b: Neighbour): boolean {
  return a.score > b.score || (a.score === b.score && a.id < b.id);
}

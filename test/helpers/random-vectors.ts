import {
  SqliteCatalog,
  type Catalog,
  type FolderRow,
} from '../../src-main/engine/catalog/catalog.js';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import { similarity, unitVector } from '../../src-main/engine/util/vectors.js';

/**
 * Deterministic pseudo-random vectors (mulberry32, uniform in [-0.5, 0.5) per value), so that
 * every run builds the same graph and a failure can be replayed.
 */
export function seededVectors(seed: number, dimensions: number): () => Float32Array {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return () => Float32Array.from({ length: dimensions }, next);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  return similarity(unitVector(a, 'a'), unitVector(b, 'b'));
}

/** The exact answer, best first, by comparing the query with every vector: what an index must find. */
export function exactNearest(
  vectors: Map<number, Float32Array>,
  query: Float32Array,
  k: number,
): number[] {
  return [...vectors]
    .map(([id, vector]) => ({ id, score: cosine(vector, query) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map(({ id }) => id);
}

/**
 * A real catalog file holding `photos` indexed photos in one folder, each with a vector of
 * the model; `truth` maps each photo to its vector as the catalog stores it (float16).
 */
export function catalogWithVectors(
  catalogFile: string,
  spec: { model: string; dimensions: number; photos: number; seed: number },
): { catalog: Catalog; folder: FolderRow; modelId: number; truth: Map<number, Float32Array> } {
  const catalog = SqliteCatalog.open(catalogFile);
  const folder = catalog.addFolder('/photos');
  const modelId = catalog.registerModel(spec.model, spec.dimensions);
  const next = seededVectors(spec.seed, spec.dimensions);
  const truth = new Map<number, Float32Array>();
  catalog.transaction(() => {
    for (let i = 0; i < spec.photos; i++) {
      const id = catalog.upsertPhoto({
        path: `/photos/${i}.jpg`,
        folderId: folder.id,
        size: 1,
        mtimeMs: 1,
        contentHash: sha256OfBytes(`photo ${i}`),
        status: 'indexed',
        lastError: null,
      });
      truth.set(id, catalog.putVector(id, modelId, next()));
    }
  });
  return { catalog, folder, modelId, truth };
}

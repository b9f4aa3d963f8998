import { dot } from '../../src-main/engine/util/vectors.js';

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
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
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

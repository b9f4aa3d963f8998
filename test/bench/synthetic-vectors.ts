/**
 * Stand-ins for a large library's CLIP vectors, for timing the vector index: the test model's
 * random weights give vectors with no neighbourhood structure, and real photos are too few.
 * Photos of one subject form a cluster, and within it they vary along a few directions of
 * their own (pose, light, framing), plus a little noise in every direction: a low intrinsic
 * dimension like real embeddings, rather than the uniform sphere that no photo collection is.
 */
export interface ClusteredVectorsSpec {
  count: number;
  dimensions: number;
  /** Photos per subject, on average (subjects are picked uniformly). */
  perCluster: number;
  /** Directions of variation within a subject. */
  clusterRank: number;
  /** Length of the within-subject variation relative to the subject's centre (unit length). */
  spread: number;
  /** Length of the isotropic noise. */
  noise: number;
  seed: number;
}

export const CLIP_LIKE: Omit<ClusteredVectorsSpec, 'count' | 'dimensions'> = {
  perCluster: 100,
  clusterRank: 16,
  spread: 0.8,
  noise: 0.25,
  seed: 20_240_601,
};

/** `count` unit vectors, row after row, reproducible from the seed. */
export function clusteredVectors(spec: ClusteredVectorsSpec): Float32Array {
  const source = new ClusteredVectorSource(spec);
  const vectors = new Float32Array(spec.count * spec.dimensions);
  for (let row = 0; row < spec.count; row++) {
    source.next(vectors.subarray(row * spec.dimensions, (row + 1) * spec.dimensions));
  }
  return vectors;
}

/** The same vectors one at a time, for libraries too large to hold them all at once. */
export class ClusteredVectorSource {
  private readonly random: Random;
  private readonly clusters: number;
  private readonly centres: Float32Array;
  private readonly bases: Float32Array[];
  private readonly weights: Float32Array;

  constructor(private readonly spec: ClusteredVectorsSpec) {
    const { count, dimensions, clusterRank } = spec;
    this.random = new Random(spec.seed);
    this.clusters = Math.max(1, Math.round(count / spec.perCluster));
    // Each row has unit expected length, so `spread` and `noise` are lengths.
    const randomRows = (rows: number) =>
      Float32Array.from(
        { length: rows * dimensions },
        () => this.random.normal() / Math.sqrt(dimensions),
      );
    this.centres = randomRows(this.clusters);
    this.bases = Array.from({ length: this.clusters }, () => randomRows(clusterRank));
    this.weights = new Float32Array(clusterRank);
  }

  /** Writes the next vector into `vector` (of `dimensions` values). */
  next(vector: Float32Array): void {
    const { dimensions, clusterRank, spread, noise } = this.spec;
    const { random, weights, centres } = this;
    const cluster = Math.floor(random.uniform() * this.clusters);
    const basis = this.bases[cluster]!;
    for (let j = 0; j < clusterRank; j++)
      weights[j] = (random.normal() * spread) / Math.sqrt(clusterRank);
    for (let i = 0; i < dimensions; i++) {
      let value =
        centres[cluster * dimensions + i]! + (random.normal() * noise) / Math.sqrt(dimensions);
      for (let j = 0; j < clusterRank; j++) value += weights[j]! * basis[j * dimensions + i]!;
      vector[i] = value;
    }
    normalizeInPlace(vector);
  }
}

export function normalizeInPlace(vector: Float32Array): void {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
}

/** Seeded uniform (mulberry32) and standard normal (Box-Muller) samples. */
/** A seeded random source: the same numbers on every run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    const u = 1 - this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
}

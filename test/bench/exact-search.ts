export interface ExactHit {
  /** Row of the vector in the matrix. */
  row: number;
  score: number;
}

/**
 * Brute-force nearest neighbours by inner product over unit vectors (cosine), the ground
 * truth for recall and the baseline the HNSW index is timed against.
 */
export class ExactSearch {
  readonly count: number;

  constructor(
    private readonly matrix: Float32Array,
    readonly dimensions: number,
  ) {
    if (matrix.length % dimensions !== 0) {
      throw new Error(`a matrix of ${matrix.length} values is not rows of ${dimensions}`);
    }
    this.count = matrix.length / dimensions;
  }

  row(index: number): Float32Array {
    return this.matrix.subarray(index * this.dimensions, (index + 1) * this.dimensions);
  }

  /** The k best rows, best first, leaving out `excludeRow` (the query photo itself). */
  search(query: Float32Array, k: number, excludeRow = -1): ExactHit[] {
    const { matrix, dimensions } = this;
    // Sorted ascending, so the worst kept score is at index 0 and is what a newcomer must beat.
    const rows = new Int32Array(k).fill(-1);
    const scores = new Float64Array(k).fill(-Infinity);
    for (let row = 0; row < this.count; row++) {
      if (row === excludeRow) continue;
      let score = 0;
      const offset = row * dimensions;
      for (let i = 0; i < dimensions; i++) score += matrix[offset + i]! * query[i]!;
      if (score <= scores[0]!) continue;
      let slot = 0;
      while (slot + 1 < k && scores[slot + 1]! < score) {
        scores[slot] = scores[slot + 1]!;
        rows[slot] = rows[slot + 1]!;
        slot++;
      }
      scores[slot] = score;
      rows[slot] = row;
    }
    const hits: ExactHit[] = [];
    for (let slot = k - 1; slot >= 0; slot--) {
      if (rows[slot]! >= 0) hits.push({ row: rows[slot]!, score: scores[slot]! });
    }
    return hits;
  }
}

/** Mean share of each query's true top k that the index found (recall@k). */
export function recallAt(
  k: number,
  found: readonly number[][],
  truth: readonly Set<number>[],
): number {
  const shares = found.map((hits, i) => hits.filter((id) => truth[i]!.has(id)).length / k);
  return shares.reduce((sum, share) => sum + share, 0) / shares.length;
}

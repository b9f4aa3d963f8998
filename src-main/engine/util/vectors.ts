/**
 * A vector whose sum of squares is this close to 1 is unit length already: a unit vector
 * stored as float16 (each component rounded by at most 2^-11 of itself) keeps its sum of
 * squares within 2 * 2^-11 < 1e-3 of 1. Such a vector is kept as it is rather than divided
 * again, so the catalog's float16 vectors are exactly what the index holds and exact search
 * can score them straight from their bytes.
 */
const UNIT_TOLERANCE = 1e-3;

/**
 * Unit length, so that inner product equals cosine similarity: the one normalisation for the
 * model's outputs, stored vectors and queries. Divided in double precision and stored as
 * float32, as hnswlib keeps them, so a vector read back from the index compares equal to one
 * normalised here from the same input. A zero or non-finite vector has no direction and would
 * match nothing (or everything): it is refused, naming `what` it was.
 */
export function unitVector(vector: ArrayLike<number>, what: string): Float32Array {
  const sumOfSquares = sumOfSquaresOf(vector);
  const norm = Math.sqrt(sumOfSquares);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new Error(`${what} cannot be normalised (it is zero or holds a non-finite value)`);
  }
  if (isUnitLength(sumOfSquares)) return Float32Array.from(vector);
  return Float32Array.from(vector, (value) => value / norm);
}

export function sumOfSquaresOf(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return sum;
}

/** Whether a vector with this sum of squares is taken as unit length (`unitVector` keeps it). */
export function isUnitLength(sumOfSquares: number): boolean {
  return Math.abs(sumOfSquares - 1) <= UNIT_TOLERANCE;
}

const f32 = Math.fround;

/**
 * The cosine similarity of two unit vectors exactly as the HNSW index scores it, so a photo
 * gets the same score whether the index or exact search found it: hnswlib-node, built for
 * x86-64 (SSE, no AVX), sums the float32 products in four lanes (component i in lane i mod 4)
 * over whole blocks of 16 (or of 4 when the dimensions are a multiple of 4 or fewer than 16),
 * adds the lanes in order, then the remaining components one by one, and returns the distance
 * 1 - sum in float32, of which the index reports 1 - distance. Each step rounds to float32
 * (a double operation on float32 values rounded once is the float32 operation).
 */
export function similarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const lanesEnd = n % 4 === 0 ? n : n > 16 ? n - (n % 16) : n > 4 ? n - (n % 4) : 0;
  let lane0 = 0;
  let lane1 = 0;
  let lane2 = 0;
  let lane3 = 0;
  for (let i = 0; i < lanesEnd; i += 4) {
    lane0 = f32(lane0 + f32(a[i]! * b[i]!));
    lane1 = f32(lane1 + f32(a[i + 1]! * b[i + 1]!));
    lane2 = f32(lane2 + f32(a[i + 2]! * b[i + 2]!));
    lane3 = f32(lane3 + f32(a[i + 3]! * b[i + 3]!));
  }
  let rest = 0;
  for (let i = lanesEnd; i < n; i++) rest = f32(rest + f32(a[i]! * b[i]!));
  const sum = f32(f32(f32(f32(lane0 + lane1) + lane2) + lane3) + rest);
  return 1 - f32(1 - sum);
}

/**
 * Unit length, so that inner product equals cosine similarity: the one normalisation for the
 * model's outputs, stored vectors and queries. Divided in double precision and stored as
 * float32, as hnswlib keeps them, so a vector read back from the index compares equal to one
 * normalised here from the same input. A zero or non-finite vector has no direction and would
 * match nothing (or everything): it is refused, naming `what` it was.
 */
export function unitVector(vector: ArrayLike<number>, what: string): Float32Array {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) sumOfSquares += vector[i]! * vector[i]!;
  const norm = Math.sqrt(sumOfSquares);
  if (!Number.isFinite(norm) || norm === 0) {
    throw new Error(`${what} cannot be normalised (it is zero or holds a non-finite value)`);
  }
  return Float32Array.from(vector, (value) => value / norm);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

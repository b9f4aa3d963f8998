/**
 * What a sentence-transformers model does after its transformer, outside the ONNX file: the
 * tokens' hidden states averaged over the attention mask, then a bias-free Dense layer.
 */

/** [rows, context, width] hidden states → one mean per row over the positions the mask keeps. */
export function meanPool(
  hidden: Float32Array,
  mask: BigInt64Array,
  rows: number,
  context: number,
): Float64Array[] {
  const width = hidden.length / (rows * context);
  return Array.from({ length: rows }, (_, row) => {
    const sum = new Float64Array(width);
    let kept = 0;
    for (let position = 0; position < context; position++) {
      if (mask[row * context + position] === 0n) continue;
      kept++;
      const offset = (row * context + position) * width;
      for (let i = 0; i < width; i++) sum[i]! += hidden[offset + i]!;
    }
    // sentence-transformers divides by the count clamped to at least 1e-9.
    const count = Math.max(kept, 1e-9);
    return sum.map((value) => value / count);
  });
}

/** A Dense layer without bias: `weight` is [out, in], as PyTorch's nn.Linear stores it. */
export interface DenseLayer {
  weight: Float32Array;
  outputs: number;
  inputs: number;
}

export function applyDense(layer: DenseLayer, vector: Float64Array): Float64Array {
  const { weight, outputs, inputs } = layer;
  if (vector.length !== inputs) {
    throw new Error(`the projection takes ${inputs} values, the text tower gave ${vector.length}`);
  }
  const out = new Float64Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let sum = 0;
    const row = o * inputs;
    for (let i = 0; i < inputs; i++) sum += weight[row + i]! * vector[i]!;
    out[o] = sum;
  }
  return out;
}

import {
  addRows,
  fromRows,
  get,
  layerNorm,
  linear,
  multiHeadAttention,
  type Matrix,
  type Weights,
} from './clip-reference.js';
import { DISTILBERT_EPSILON } from './distilbert-architecture.js';
import type { TransformerShape } from './transformer-layers.js';

/**
 * The multilingual text tower's forward pass in plain loops, as sentence-transformers runs it:
 * DistilBERT over the real tokens only (no padding at all), the mean of their hidden states,
 * then the bias-free Dense layer ([out, in], PyTorch's layout). The oracle for the generated
 * graph plus Ferret's pooling and projection: a mask, a pooling or a transposed matrix that
 * differs gives different numbers. Slow; for the tiny model.
 */
export function referenceSentenceEmbedding(
  weights: Weights,
  shape: TransformerShape,
  ids: readonly number[],
  dense: { weight: Float32Array; outputs: number },
): Float64Array {
  const { width, layers, heads } = shape;
  const words = get(weights, 'embeddings.word_embeddings.weight');
  const positions = get(weights, 'embeddings.position_embeddings.weight');
  let x = fromRows(
    ids.map((id, position) =>
      Array.from(
        { length: width },
        (_, i) => words[id * width + i]! + positions[position * width + i]!,
      ),
    ),
  );
  x = layerNorm(x, weights, 'embeddings.LayerNorm', DISTILBERT_EPSILON);
  for (let layer = 0; layer < layers; layer++) {
    const block = `transformer.layer.${layer}`;
    const part = (name: string) => linear(x, weights, `${block}.attention.${name}`);
    const merged = multiHeadAttention(part('q_lin'), part('k_lin'), part('v_lin'), heads, false);
    const attended = linear(merged, weights, `${block}.attention.out_lin`);
    x = layerNorm(addRows(x, attended), weights, `${block}.sa_layer_norm`, DISTILBERT_EPSILON);
    const hidden = linear(x, weights, `${block}.ffn.lin1`);
    hidden.data.forEach((v, i) => (hidden.data[i] = 0.5 * v * (1 + erf(v / Math.SQRT2))));
    const out = linear(hidden, weights, `${block}.ffn.lin2`);
    x = layerNorm(addRows(x, out), weights, `${block}.output_layer_norm`, DISTILBERT_EPSILON);
  }
  const mean = meanOfRows(x);
  return Float64Array.from({ length: dense.outputs }, (_, o) => {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += dense.weight[o * width + i]! * mean[i]!;
    return sum;
  });
}

function meanOfRows(x: Matrix): Float64Array {
  const mean = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) mean[c]! += x.data[r * x.cols + c]! / x.rows;
  }
  return mean;
}

/** erf in double precision: its Maclaurin series below 2.5, the continued fraction of erfc above. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
  let fraction = 0;
  for (let n = 60; n >= 1; n--) fraction = n / 2 / (ax + fraction);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + fraction);
  return Math.sign(x) * (1 - erfc);
}

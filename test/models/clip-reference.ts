import { readFileSync } from 'node:fs';
import type { ClipShape } from './clip-architecture.js';
import { DataType, onnx } from './onnx-graph.js';
import type { TransformerShape } from './transformer-layers.js';

/**
 * CLIP's forward pass written out in plain loops, one token and one head at a time, as the
 * oracle the generated ONNX graphs are checked against: a graph that splits heads, masks or
 * pools differently from OpenAI's model.py gives different numbers. Slow; for the tiny model.
 */

/** A row-major matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export type Weights = ReadonlyMap<string, Float32Array>;

/** The float initializers of an fp32 model file, by name. */
export function readWeights(file: string): Weights {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const weights = new Map<string, Float32Array>();
  for (const tensor of model.graph?.initializer ?? []) {
    if (tensor.dataType !== DataType.FLOAT || !tensor.name || !tensor.rawData) continue;
    // A copy, because raw_data inside the file buffer need not be 4-byte aligned (and it is a
    // Buffer, whose slice() would not copy).
    weights.set(tensor.name, new Float32Array(new Uint8Array(tensor.rawData).buffer));
  }
  return weights;
}

/** One image, [3, size, size] channel-major, to its (unnormalised) embedding. */
export function referenceImageEmbedding(
  weights: Weights,
  shape: ClipShape['vision'],
  pixels: Float32Array,
  size: number,
): Float64Array {
  const { patch, width } = shape;
  const grid = size / patch;
  const conv = get(weights, 'visual.conv1.weight');
  const classEmbedding = get(weights, 'visual.class_embedding');
  const tokens: number[][] = [Array.from(classEmbedding)];
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const token = new Array<number>(width).fill(0);
      for (let out = 0; out < width; out++) {
        for (let channel = 0; channel < 3; channel++) {
          for (let ky = 0; ky < patch; ky++) {
            for (let kx = 0; kx < patch; kx++) {
              const w = conv[((out * 3 + channel) * patch + ky) * patch + kx]!;
              token[out]! +=
                w * pixels[(channel * size + gy * patch + ky) * size + gx * patch + kx]!;
            }
          }
        }
      }
      tokens.push(token);
    }
  }
  let x = fromRows(tokens);
  x = addRows(x, matrix(weights, 'visual.positional_embedding', x.rows));
  x = layerNorm(x, weights, 'visual.ln_pre');
  x = transformer(x, weights, 'visual.transformer', shape, false);
  const pooled = layerNorm(row(x, 0), weights, 'visual.ln_post');
  return matMul(pooled, matrix(weights, 'visual.proj.weight', width)).data;
}

/** Token ids padded to the context, to the (unnormalised) embedding at the end token. */
export function referenceTextEmbedding(
  weights: Weights,
  shape: TransformerShape,
  ids: readonly number[],
): Float64Array {
  const { width } = shape;
  const embedding = get(weights, 'token_embedding.weight');
  const tokens = ids.map((id) => Array.from(embedding.subarray(id * width, (id + 1) * width)));
  let x = fromRows(tokens);
  x = addRows(x, matrix(weights, 'positional_embedding', x.rows));
  x = transformer(x, weights, 'transformer', shape, true);
  const end = ids.indexOf(Math.max(...ids));
  const pooled = layerNorm(row(x, end), weights, 'ln_final');
  return matMul(pooled, matrix(weights, 'text_projection.weight', width)).data;
}

function transformer(
  x: Matrix,
  weights: Weights,
  name: string,
  { layers, heads }: TransformerShape,
  causal: boolean,
): Matrix {
  for (let layer = 0; layer < layers; layer++) {
    const block = `${name}.resblocks.${layer}`;
    const normed = layerNorm(x, weights, `${block}.ln_1`);
    x = addRows(x, attention(normed, weights, `${block}.attn`, heads, causal));
    const hidden = linear(layerNorm(x, weights, `${block}.ln_2`), weights, `${block}.mlp.c_fc`);
    hidden.data.forEach((v, i) => (hidden.data[i] = v / (1 + Math.exp(-1.702 * v))));
    x = addRows(x, linear(hidden, weights, `${block}.mlp.c_proj`));
  }
  return x;
}

function attention(
  x: Matrix,
  weights: Weights,
  name: string,
  heads: number,
  causal: boolean,
): Matrix {
  const width = x.cols;
  const qkv = linear(x, weights, `${name}.in_proj`);
  const part = (index: number): Matrix => ({
    rows: x.rows,
    cols: width,
    data: Float64Array.from({ length: x.rows * width }, (_, i) => {
      const token = Math.floor(i / width);
      return qkv.data[token * 3 * width + index * width + (i % width)]!;
    }),
  });
  const merged = multiHeadAttention(part(0), part(1), part(2), heads, causal);
  return linear(merged, weights, `${name}.out_proj`);
}

/**
 * Scaled dot-product attention, one head and one query at a time, over queries, keys and
 * values of shape [tokens, width]; `causal` lets a query see only the keys up to its own.
 */
export function multiHeadAttention(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  heads: number,
  causal: boolean,
): Matrix {
  const width = q.cols;
  const headWidth = width / heads;
  const merged: Matrix = { rows: q.rows, cols: width, data: new Float64Array(q.rows * width) };
  const at = (m: Matrix, token: number, head: number, i: number) =>
    m.data[token * width + head * headWidth + i]!;
  for (let head = 0; head < heads; head++) {
    for (let query = 0; query < q.rows; query++) {
      const visible = causal ? query + 1 : k.rows;
      const scores: number[] = [];
      for (let key = 0; key < visible; key++) {
        let score = 0;
        for (let i = 0; i < headWidth; i++) score += at(q, query, head, i) * at(k, key, head, i);
        scores.push(score / Math.sqrt(headWidth));
      }
      const largest = Math.max(...scores);
      const exps = scores.map((score) => Math.exp(score - largest));
      const total = exps.reduce((sum, value) => sum + value, 0);
      for (let i = 0; i < headWidth; i++) {
        let value = 0;
        for (let key = 0; key < visible; key++) value += (exps[key]! / total) * at(v, key, head, i);
        merged.data[query * width + head * headWidth + i] = value;
      }
    }
  }
  return merged;
}

export function linear(x: Matrix, weights: Weights, name: string): Matrix {
  const product = matMul(x, matrix(weights, `${name}.weight`, x.cols));
  const bias = get(weights, `${name}.bias`);
  product.data.forEach((v, i) => (product.data[i] = v + bias[i % product.cols]!));
  return product;
}

export function layerNorm(x: Matrix, weights: Weights, name: string, epsilon = 1e-5): Matrix {
  const scale = get(weights, `${name}.weight`);
  const bias = get(weights, `${name}.bias`);
  const out: Matrix = { ...x, data: new Float64Array(x.data.length) };
  for (let r = 0; r < x.rows; r++) {
    const values = x.data.subarray(r * x.cols, (r + 1) * x.cols);
    const mean = values.reduce((sum, v) => sum + v, 0) / x.cols;
    const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / x.cols;
    const inverse = 1 / Math.sqrt(variance + epsilon);
    values.forEach((v, c) => {
      out.data[r * x.cols + c] = (v - mean) * inverse * scale[c]! + bias[c]!;
    });
  }
  return out;
}

export function matMul(a: Matrix, b: Matrix): Matrix {
  const out: Matrix = { rows: a.rows, cols: b.cols, data: new Float64Array(a.rows * b.cols) };
  for (let r = 0; r < a.rows; r++) {
    for (let k = 0; k < a.cols; k++) {
      const value = a.data[r * a.cols + k]!;
      for (let c = 0; c < b.cols; c++) out.data[r * b.cols + c]! += value * b.data[k * b.cols + c]!;
    }
  }
  return out;
}

export function addRows(a: Matrix, b: Matrix): Matrix {
  return { ...a, data: a.data.map((v, i) => v + b.data[i]!) };
}

function row(x: Matrix, index: number): Matrix {
  return { rows: 1, cols: x.cols, data: x.data.slice(index * x.cols, (index + 1) * x.cols) };
}

export function fromRows(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0]!.length, data: Float64Array.from(rows.flat()) };
}

export function matrix(weights: Weights, name: string, rows: number): Matrix {
  const data = Float64Array.from(get(weights, name));
  return { rows, cols: data.length / rows, data };
}

/** The largest elementwise difference of two vectors of the same length. */
export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i]! - b[i]!));
  return largest;
}

export function get(weights: Weights, name: string): Float32Array {
  const values = weights.get(name);
  if (values === undefined) throw new Error(`the model has no weight named ${name}`);
  return values;
}

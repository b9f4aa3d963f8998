import { DataType, type GraphBuilder } from './onnx-graph.js';
import { normalValues } from './random-weights.js';

/**
 * The building blocks of CLIP's towers (OpenAI's model.py), as ONNX operators. Weight matrices
 * are stored [in, out] so that a linear layer is a plain MatMul.
 */

/** 'int8' turns every MatMul with a constant weight into dynamic int8 quantisation. */
export type WeightFormat = 'fp32' | 'int8';

export interface TransformerShape {
  width: number;
  layers: number;
  heads: number;
}

const LAYER_NORM_EPSILON = 1e-5;
/** CLIP's biases start at zero; small random ones make every Add in the graph matter. */
const BIAS_STD = 0.02;
const INT8_MAX = 127;

export class TransformerLayers {
  constructor(
    readonly graph: GraphBuilder,
    private readonly format: WeightFormat,
  ) {}

  /** A float tensor drawn from N(0, std²), seeded by its name. */
  normal(name: string, dims: readonly number[], std: number): string {
    const count = dims.reduce((product, dim) => product * dim, 1);
    return this.graph.initializer(name, DataType.FLOAT, dims, () => normalValues(name, count, std));
  }

  /** x @ W (+ b), W of shape [inputs, outputs] drawn from N(0, std²). */
  linear(
    x: string,
    name: string,
    inputs: number,
    outputs: number,
    std: number,
    withBias = true,
  ): string {
    const product =
      this.format === 'int8'
        ? this.int8MatMul(x, `${name}.weight`, inputs * outputs, [inputs, outputs], std)
        : this.graph.op('MatMul', [x, this.normal(`${name}.weight`, [inputs, outputs], std)]);
    if (!withBias) return product;
    return this.graph.op('Add', [product, this.normal(`${name}.bias`, [outputs], BIAS_STD)]);
  }

  /**
   * The rows of a [context, ...] table (a positional embedding) for as many positions as
   * `tokens` [batch, sequence] has, as real exports slice theirs: the graph takes any length up
   * to the context.
   */
  positions(table: string, tokens: string): string {
    const { graph } = this;
    const sequence = graph.op('Shape', [tokens], { start: 1, end: 2 });
    return graph.op('Slice', [table, graph.int64s([0]), sequence, graph.int64s([0])]);
  }

  layerNorm(x: string, name: string, width: number, epsilon = LAYER_NORM_EPSILON): string {
    const scale = this.graph.initializer(`${name}.weight`, DataType.FLOAT, [width], () =>
      new Float32Array(width).fill(1),
    );
    const bias = this.graph.initializer(
      `${name}.bias`,
      DataType.FLOAT,
      [width],
      () => new Float32Array(width),
    );
    return this.graph.op('LayerNormalization', [x, scale, bias], {
      axis: -1,
      epsilon: { float: epsilon },
    });
  }

  /**
   * CLIP's residual stack over [batch, sequence, width]. `sequence` is a tower's fixed token
   * count (the image tower's patches and class token), or 'any' for a text tower that takes
   * any length. `mask`, when given, is added to the attention scores; it broadcasts to
   * [batch, heads, sequence, sequence].
   */
  transformer(
    x: string,
    name: string,
    shape: TransformerShape,
    sequence: Sequence,
    mask?: string,
  ): string {
    const { width, layers } = shape;
    // CLIP's initialize_parameters: residual projections shrink with depth.
    const projectionStd = width ** -0.5 * (2 * layers) ** -0.5;
    for (let layer = 0; layer < layers; layer++) {
      const block = `${name}.resblocks.${layer}`;
      const attended = this.attention(
        this.layerNorm(x, `${block}.ln_1`, width),
        `${block}.attn`,
        shape,
        sequence,
        projectionStd,
        mask,
      );
      x = this.graph.op('Add', [x, attended]);
      const normed = this.layerNorm(x, `${block}.ln_2`, width);
      const hidden = this.quickGelu(
        this.linear(normed, `${block}.mlp.c_fc`, width, 4 * width, (2 * width) ** -0.5),
      );
      x = this.graph.op('Add', [
        x,
        this.linear(hidden, `${block}.mlp.c_proj`, 4 * width, width, projectionStd),
      ]);
    }
    return x;
  }

  /** Multi-head self-attention on [batch, sequence, width]. */
  private attention(
    x: string,
    name: string,
    { width, heads }: TransformerShape,
    sequence: Sequence,
    projectionStd: number,
    mask?: string,
  ): string {
    const { graph } = this;
    const headWidth = width / heads;
    const qkv = this.linear(x, `${name}.in_proj`, width, 3 * width, width ** -0.5);
    const [q, k, v] = graph.ops('Split', [qkv, graph.int64s([width, width, width])], 3, {
      axis: -1,
    });
    const headShape = graph.int64s(headsShape(sequence, heads, headWidth));
    const toHeads = (value: string, perm: number[]) =>
      graph.op('Transpose', [graph.op('Reshape', [value, headShape])], { perm });
    const queries = toHeads(q!, [0, 2, 1, 3]); // [batch, heads, sequence, headWidth]
    const keysT = toHeads(k!, [0, 2, 3, 1]); // [batch, heads, headWidth, sequence]
    const values = toHeads(v!, [0, 2, 1, 3]);
    const scaled = graph.op('Mul', [queries, graph.floatScalar(headWidth ** -0.5)]);
    let scores = graph.op('MatMul', [scaled, keysT]);
    if (mask !== undefined) scores = graph.op('Add', [scores, mask]);
    const weights = graph.op('Softmax', [scores], { axis: -1 });
    const context = graph.op('Transpose', [graph.op('MatMul', [weights, values])], {
      perm: [0, 2, 1, 3],
    });
    const merged = graph.op('Reshape', [context, graph.int64s(mergedShape(sequence, width))]);
    return this.linear(merged, `${name}.out_proj`, width, width, projectionStd);
  }

  /** x * sigmoid(1.702 x), the GELU approximation CLIP was trained with. */
  private quickGelu(x: string): string {
    const { graph } = this;
    const gate = graph.op('Sigmoid', [graph.op('Mul', [x, graph.floatScalar(1.702)])]);
    return graph.op('Mul', [x, gate]);
  }

  /**
   * The pattern onnxruntime's quantize_dynamic writes (and fuses into one kernel): activations
   * quantised to uint8 at run time, weights stored as per-tensor symmetric int8.
   */
  private int8MatMul(x: string, name: string, count: number, dims: number[], std: number): string {
    const { graph } = this;
    // The weight and its scale are written separately; each regenerates the same values.
    const quantized = () => quantizeSymmetric(normalValues(name, count, std));
    const weight = graph.initializer(`${name}.int8`, DataType.INT8, dims, () => quantized().values);
    const weightScale = graph.initializer(`${name}.scale`, DataType.FLOAT, [], () =>
      Float32Array.of(quantized().scale),
    );
    const weightZeroPoint = graph.initializer(`${name}.zero_point`, DataType.INT8, [], () =>
      Int8Array.of(0),
    );
    const [xq, xScale, xZeroPoint] = graph.ops('DynamicQuantizeLinear', [x], 3);
    const accumulated = graph.op('MatMulInteger', [xq!, weight, xZeroPoint!, weightZeroPoint]);
    const asFloat = graph.op('Cast', [accumulated], { to: DataType.FLOAT });
    return graph.op('Mul', [asFloat, graph.op('Mul', [xScale!, weightScale])]);
  }
}

/** A tower's fixed token count, or 'any' when the graph takes any sequence length. */
export type Sequence = number | 'any';

/**
 * Reshape targets that split [batch, sequence, width] into heads and merge them back: 0 keeps
 * the batch, and -1 takes the sequence from the input when it is not fixed.
 */
export function headsShape(sequence: Sequence, heads: number, headWidth: number): number[] {
  return [0, sequence === 'any' ? -1 : sequence, heads, headWidth];
}

export function mergedShape(sequence: Sequence, width: number): number[] {
  return [0, sequence === 'any' ? -1 : sequence, width];
}

function quantizeSymmetric(weights: Float32Array): { values: Int8Array; scale: number } {
  let largest = 0;
  for (let i = 0; i < weights.length; i++) largest = Math.max(largest, Math.abs(weights[i]!));
  const scale = largest > 0 ? largest / INT8_MAX : 1;
  // A plain loop: Int8Array.from with a map function is ten times slower on large tensors.
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) values[i] = Math.round(weights[i]! / scale);
  return { values, scale };
}

import { DataType, GraphBuilder } from './onnx-graph.js';
import {
  TransformerLayers,
  type TransformerShape,
  type WeightFormat,
} from './transformer-layers.js';

/**
 * CLIP's two towers as in OpenAI's model.py (VisionTransformer and the text half of CLIP), with
 * the graph inputs and outputs a Ferret model manifest names.
 */

/** CLIP's BPE vocabulary; the end-of-text token 49407 is its largest id. */
export const CLIP_VOCAB_SIZE = 49408;
const BATCH = 'batch';
const SEQUENCE = 'sequence';
/** Large enough to zero a softmax weight, small enough that two of them stay finite. */
const MASKED = -1e9;

export interface ClipShape {
  vision: TransformerShape & { patch: number };
  text: TransformerShape;
}

export const CLIP_SHAPES = {
  tiny: {
    vision: { patch: 32, width: 64, layers: 2, heads: 2 },
    text: { width: 64, layers: 2, heads: 2 },
  },
  'vit-b-32': {
    vision: { patch: 32, width: 768, layers: 12, heads: 12 },
    text: { width: 512, layers: 12, heads: 8 },
  },
} as const satisfies Record<string, ClipShape>;

export type ClipSize = keyof typeof CLIP_SHAPES;

/** What the manifest fixes: tensor names, the image side, the context and the vector size. */
export interface ClipInterface {
  embedDim: number;
  image: { input: string; output: string; size: number };
  /** Without `attentionMask` the text tower takes token ids alone, like the Xenova export. */
  text: { input: string; attentionMask?: string; output: string; contextLength: number };
}

/** pixel_values [batch, 3, size, size] → image_embeds [batch, embedDim], not normalised. */
export function buildVisionTower(
  shape: ClipShape,
  io: ClipInterface,
  format: WeightFormat,
): GraphBuilder {
  const { patch, width } = shape.vision;
  const { size } = io.image;
  if (size % patch !== 0) throw new Error(`image size ${size} is not a multiple of patch ${patch}`);
  const patches = (size / patch) ** 2;
  const tokens = patches + 1;
  const graph = new GraphBuilder('clip_vision');
  const layers = new TransformerLayers(graph, format);
  const scale = width ** -0.5;

  const pixels = graph.input(io.image.input, DataType.FLOAT, [BATCH, 3, size, size]);
  const convWeight = layers.normal(
    'visual.conv1.weight',
    [width, 3, patch, patch],
    (3 * patch * patch) ** -0.5,
  );
  const grid = graph.op('Conv', [pixels, convWeight], {
    kernel_shape: [patch, patch],
    strides: [patch, patch],
  });
  const patchTokens = graph.op(
    'Transpose',
    [graph.op('Reshape', [grid, graph.int64s([0, width, patches])])],
    { perm: [0, 2, 1] },
  );
  const batch = graph.op('Shape', [pixels], { start: 0, end: 1 });
  const classShape = graph.op('Concat', [batch, graph.int64s([1, width])], { axis: 0 });
  const classEmbedding = layers.normal('visual.class_embedding', [1, 1, width], scale);
  const classToken = graph.op('Expand', [classEmbedding, classShape]);
  let x = graph.op('Concat', [classToken, patchTokens], { axis: 1 });
  x = graph.op('Add', [x, layers.normal('visual.positional_embedding', [tokens, width], scale)]);
  x = layers.layerNorm(x, 'visual.ln_pre', width);
  x = layers.transformer(x, 'visual.transformer', shape.vision, tokens);

  const classFeatures = graph.op('Gather', [x, graph.int64Scalar(0)], { axis: 1 });
  const pooled = layers.layerNorm(classFeatures, 'visual.ln_post', width);
  const embeds = layers.linear(pooled, 'visual.proj', width, io.embedDim, scale, false);
  graph.output(io.image.output, embeds, DataType.FLOAT, [BATCH, io.embedDim]);
  return graph;
}

/**
 * input_ids (and attention_mask, when the manifest names one) [batch, sequence] → text_embeds
 * [batch, embedDim], not normalised. Like the real exports, the graph takes any sequence up to
 * the context (the positional embedding and the causal mask are cut to it) unless
 * `fixedContext` pins the input to exactly the context, as some exports do.
 * The sentence is read at its end token, so nothing after it (padding) can change the result.
 */
export function buildTextTower(
  shape: ClipShape,
  io: ClipInterface,
  format: WeightFormat,
  { fixedContext = false } = {},
): GraphBuilder {
  const { width } = shape.text;
  const { contextLength } = io.text;
  const graph = new GraphBuilder('clip_text');
  const layers = new TransformerLayers(graph, format);

  const tokens = [BATCH, fixedContext ? contextLength : SEQUENCE];
  const ids = graph.input(io.text.input, DataType.INT64, tokens);
  const attentionMask =
    io.text.attentionMask === undefined
      ? undefined
      : graph.input(io.text.attentionMask, DataType.INT64, tokens);
  const tokenEmbedding = layers.normal('token_embedding.weight', [CLIP_VOCAB_SIZE, width], 0.02);
  let x = graph.op('Gather', [tokenEmbedding, ids], { axis: 0 });
  const positions = layers.normal('positional_embedding', [contextLength, width], 0.01);
  x = graph.op('Add', [x, layers.positions(positions, ids)]);
  const mask = scoreMask(graph, ids, contextLength, attentionMask);
  x = layers.transformer(x, 'transformer', shape.text, 'any', mask);

  // CLIP applies ln_final to every position and then picks the end token's; per-position
  // normalisation makes picking first equivalent and cheaper. The end token has the largest
  // id, and ArgMax returns the first occurrence, so trailing end tokens used as padding are fine.
  const endPosition = graph.op('ArgMax', [ids], { axis: -1, keepdims: 1 });
  const endFeatures = graph.op('GatherND', [x, endPosition], { batch_dims: 1 });
  const pooled = layers.layerNorm(endFeatures, 'ln_final', width);
  const embeds = layers.linear(pooled, 'text_projection', width, io.embedDim, width ** -0.5, false);
  graph.output(io.text.output, embeds, DataType.FLOAT, [BATCH, io.embedDim]);
  return graph;
}

/**
 * CLIP's causal mask cut to the input's length, combined with the attention mask when the
 * graph takes one (as Hugging Face's CLIP text model does): 0 where a query may look and
 * MASKED where it may not, broadcasting to [batch, heads, sequence, sequence].
 */
function scoreMask(
  graph: GraphBuilder,
  ids: string,
  contextLength: number,
  attentionMask?: string,
): string {
  const causal = new Float32Array(contextLength * contextLength);
  for (let query = 0; query < contextLength; query++) {
    causal.fill(MASKED, query * contextLength + query + 1, (query + 1) * contextLength);
  }
  const dims = [contextLength, contextLength];
  const fullMask = graph.initializer('causal_mask', DataType.FLOAT, dims, () => causal);
  const sequence = graph.op('Shape', [ids], { start: 1, end: 2 });
  const ends = graph.op('Concat', [sequence, sequence], { axis: 0 });
  const causalMask = graph.op('Slice', [fullMask, graph.int64s([0, 0]), ends]);
  if (attentionMask === undefined) return causalMask;
  const keep = graph.op('Cast', [attentionMask], { to: DataType.FLOAT });
  const padding = graph.op('Mul', [
    graph.op('Sub', [keep, graph.floatScalar(1)]),
    graph.floatScalar(-MASKED),
  ]);
  const perKey = graph.op('Unsqueeze', [padding, graph.int64s([1, 2])]);
  return graph.op('Add', [perKey, causalMask]);
}

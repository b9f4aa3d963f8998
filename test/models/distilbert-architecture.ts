import { DataType, GraphBuilder } from './onnx-graph.js';
import {
  headsShape,
  mergedShape,
  TransformerLayers,
  type TransformerShape,
} from './transformer-layers.js';

/**
 * The text tower of sentence-transformers' clip-ViT-B-32-multilingual-v1 as its ONNX export
 * holds it: DistilBERT (Hugging Face's modeling_distilbert.py: embeddings, post-norm blocks,
 * exact GELU), output every token's hidden state. Mean pooling and the Dense projection are
 * not in the graph, as they are not in the published file.
 */

const BATCH = 'batch';
const SEQUENCE = 'sequence';
/** DistilBERT's LayerNorm epsilon. */
export const DISTILBERT_EPSILON = 1e-12;
/** Large enough to zero a softmax weight, small enough that two of them stay finite. */
const MASKED = -1e9;

export interface DistilBertInterface {
  vocabSize: number;
  input: string;
  attentionMask: string;
  output: string;
  contextLength: number;
}

/**
 * input_ids, attention_mask [batch, sequence] → last_hidden_state [batch, sequence, width], for
 * any sequence up to the context, as the published export takes it.
 */
export function buildDistilBertTower(
  shape: TransformerShape,
  io: DistilBertInterface,
): GraphBuilder {
  const { width, layers: depth } = shape;
  const { contextLength } = io;
  const graph = new GraphBuilder('distilbert');
  const layers = new TransformerLayers(graph, 'fp32');
  const ids = graph.input(io.input, DataType.INT64, [BATCH, SEQUENCE]);
  const mask = graph.input(io.attentionMask, DataType.INT64, [BATCH, SEQUENCE]);

  const words = layers.normal('embeddings.word_embeddings.weight', [io.vocabSize, width], 0.02);
  const positions = layers.normal(
    'embeddings.position_embeddings.weight',
    [contextLength, width],
    0.02,
  );
  let x = graph.op('Add', [
    graph.op('Gather', [words, ids], { axis: 0 }),
    layers.positions(positions, ids),
  ]);
  x = layers.layerNorm(x, 'embeddings.LayerNorm', width, DISTILBERT_EPSILON);

  // 0 for the tokens a query may look at, MASKED for padding: [batch, 1, 1, context].
  const keep = graph.op('Cast', [mask], { to: DataType.FLOAT });
  const padding = graph.op('Mul', [
    graph.op('Sub', [keep, graph.floatScalar(1)]),
    graph.floatScalar(-MASKED),
  ]);
  const scoreMask = graph.op('Unsqueeze', [padding, graph.int64s([1, 2])]);

  const std = 0.02 * 10; // larger than BERT's 0.02, so that random layers move the output
  for (let layer = 0; layer < depth; layer++) {
    const block = `transformer.layer.${layer}`;
    const attended = attention(layers, x, `${block}.attention`, shape, scoreMask, std);
    x = layers.layerNorm(
      graph.op('Add', [x, attended]),
      `${block}.sa_layer_norm`,
      width,
      DISTILBERT_EPSILON,
    );
    const hidden = gelu(graph, layers.linear(x, `${block}.ffn.lin1`, width, 4 * width, std));
    const out = layers.linear(hidden, `${block}.ffn.lin2`, 4 * width, width, std);
    x = layers.layerNorm(
      graph.op('Add', [x, out]),
      `${block}.output_layer_norm`,
      width,
      DISTILBERT_EPSILON,
    );
  }
  graph.output(io.output, x, DataType.FLOAT, [BATCH, SEQUENCE, width]);
  return graph;
}

function attention(
  layers: TransformerLayers,
  x: string,
  name: string,
  { width, heads }: TransformerShape,
  mask: string,
  std: number,
): string {
  const { graph } = layers;
  const headWidth = width / heads;
  const headShape = graph.int64s(headsShape('any', heads, headWidth));
  const project = (part: string, perm: number[]) =>
    graph.op(
      'Transpose',
      [graph.op('Reshape', [layers.linear(x, `${name}.${part}`, width, width, std), headShape])],
      { perm },
    );
  const queries = project('q_lin', [0, 2, 1, 3]);
  const keysT = project('k_lin', [0, 2, 3, 1]);
  const values = project('v_lin', [0, 2, 1, 3]);
  const scaled = graph.op('Mul', [queries, graph.floatScalar(headWidth ** -0.5)]);
  const scores = graph.op('Add', [graph.op('MatMul', [scaled, keysT]), mask]);
  const weights = graph.op('Softmax', [scores], { axis: -1 });
  const context = graph.op('Transpose', [graph.op('MatMul', [weights, values])], {
    perm: [0, 2, 1, 3],
  });
  const merged = graph.op('Reshape', [context, graph.int64s(mergedShape('any', width))]);
  return layers.linear(merged, `${name}.out_lin`, width, width, std);
}

/** 0.5 x (1 + erf(x / √2)): the exact GELU DistilBERT uses. */
function gelu(graph: GraphBuilder, x: string): string {
  const erf = graph.op('Erf', [graph.op('Mul', [x, graph.floatScalar(Math.SQRT1_2)])]);
  return graph.op('Mul', [
    graph.op('Mul', [x, graph.floatScalar(0.5)]),
    graph.op('Add', [erf, graph.floatScalar(1)]),
  ]);
}

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MODEL_MANIFEST_FILE,
  type ModelFile,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { TextTokenizer } from '../../src-main/engine/embedder/tokenizer.js';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import { writeOnnxModel, type WrittenFile } from './onnx-file.js';
import { DataType, GraphBuilder } from './onnx-graph.js';

/**
 * A CLIP-shaped model that is small, deterministic and means something: the image tower maps
 * a photo to its mean colour (less its grey part), the text tower maps colour words to the
 * same directions. So "red" finds the red photos first, through the real tokenizer, both ONNX
 * sessions, the index and the catalog, and a test can assert it. Random weights cannot.
 *
 * Vectors have four dimensions: red, green and blue each less their mean (the colour, whatever
 * the brightness), and a small constant that gives a grey photo, or a text without a colour
 * word, a direction of its own.
 */

const OPSET = 17;
const DIMENSIONS = 4;
const IMAGE_SIZE = 32;
const CONTEXT_LENGTH = 77;
/** CLIP's end-of-text token, which also pads. */
const PAD_TOKEN_ID = 49407;
const VOCABULARY = 49408;
const TOKENIZER_SOURCE = path.resolve(import.meta.dirname, '../../../shared/clip/tokenizer.json');

/** Colour words and the RGB they stand for. */
export const COLOUR_WORDS: Record<string, [number, number, number]> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  yellow: [1, 1, 0],
  pink: [1, 0.4, 0.7],
  orange: [1, 0.5, 0],
  purple: [0.5, 0, 1],
};

/** A colour's direction: each channel less the channels' mean (its grey part). */
function chroma([r, g, b]: readonly number[]): number[] {
  const mean = (r! + g! + b!) / 3;
  return [r! - mean, g! - mean, b! - mean];
}

/** pixel_values [batch, 3, size, size] in [0, 1] → mean colour → chroma, plus the constant. */
function imageTower(): GraphBuilder {
  const graph = new GraphBuilder('colour-image');
  const pixels = graph.input('pixel_values', DataType.FLOAT, ['batch', 3, IMAGE_SIZE, IMAGE_SIZE]);
  const meanColour = graph.op('ReduceMean', [pixels], { axes: [2, 3], keepdims: 0 });
  // Column j of the projection is the chroma of unit colour j; the fourth column is zero.
  const projection = Float32Array.from({ length: 3 * DIMENSIONS }, (_, index) => {
    const [row, column] = [Math.floor(index / DIMENSIONS), index % DIMENSIONS];
    return column === 3 ? 0 : (row === column ? 1 : 0) - 1 / 3;
  });
  const weights = graph.initializer(
    'projection',
    DataType.FLOAT,
    [3, DIMENSIONS],
    () => projection,
  );
  const bias = Float32Array.of(0, 0, 0, 0.02);
  const offset = graph.initializer('grey', DataType.FLOAT, [DIMENSIONS], () => bias);
  const embedded = graph.op('Add', [graph.op('MatMul', [meanColour, weights]), offset]);
  graph.output('image_embeds', embedded, DataType.FLOAT, ['batch', DIMENSIONS]);
  return graph;
}

/**
 * input_ids [batch, sequence] → each token's row of a table (colour words only) → their sum.
 * Padding rows are zero, so the vector is the same at any padded length.
 */
function textTower(tokenIds: Map<number, number[]>): GraphBuilder {
  const graph = new GraphBuilder('colour-text');
  const ids = graph.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const table = new Float32Array(VOCABULARY * DIMENSIONS);
  for (const [id, direction] of tokenIds) table.set(direction, id * DIMENSIONS);
  const rows = graph.initializer('words', DataType.FLOAT, [VOCABULARY, DIMENSIONS], () => table);
  const perToken = graph.op('Gather', [rows, ids], { axis: 0 });
  const sumOfTokens = graph.op('ReduceSum', [perToken, graph.int64s([1])], { keepdims: 0 });
  // Small beside a colour word's direction (length about 0.8), so that a colour word decides,
  // and a text without one still has a direction.
  const bias = Float32Array.of(0, 0, 0, 0.0077);
  const offset = graph.initializer('no-colour', DataType.FLOAT, [DIMENSIONS], () => bias);
  graph.output('text_embeds', graph.op('Add', [sumOfTokens, offset]), DataType.FLOAT, [
    'batch',
    DIMENSIONS,
  ]);
  return graph;
}

/** Writes the model and its manifest into `dir` (a model folder for --model-dir). */
export async function makeColourModel(dir: string): Promise<string> {
  const tokenizer = TextTokenizer.fromFile(TOKENIZER_SOURCE, {
    contextLength: CONTEXT_LENGTH,
    padTokenId: PAD_TOKEN_ID,
  });
  const tokenIds = new Map<number, number[]>();
  for (const [word, rgb] of Object.entries(COLOUR_WORDS)) {
    const ids = tokenizer.encode(word);
    // Start token, the word as one token, end token: CLIP's vocabulary has every colour word.
    if (ids.length !== 3) throw new Error(`"${word}" is not one token (${ids.join(' ')})`);
    tokenIds.set(ids[1]!, [...chroma(rgb), 0]);
  }
  const describe = (file: string, written: WrittenFile): ModelFile => ({
    path: file,
    sha256: written.sha256,
    bytes: written.bytes,
  });
  const tokenizerBytes = await readFile(TOKENIZER_SOURCE);
  await writeFile(path.join(dir, 'tokenizer.json'), tokenizerBytes);
  const files = [
    describe('image.onnx', await writeOnnxModel(path.join(dir, 'image.onnx'), imageTower(), OPSET)),
    describe(
      'text.onnx',
      await writeOnnxModel(path.join(dir, 'text.onnx'), textTower(tokenIds), OPSET),
    ),
    describe('tokenizer.json', {
      bytes: tokenizerBytes.byteLength,
      sha256: sha256OfBytes(tokenizerBytes),
    }),
  ];
  const manifest: ModelManifest = {
    id: 'colour-test',
    name: 'mean-colour test model (image and text towers)',
    dimensions: DIMENSIONS,
    // The ranking tests read the whole order, so every photo counts as a match.
    relevance: { text: [-1], similar: [-1], nearIdentical: 1 },
    files,
    image: {
      file: 'image.onnx',
      input: 'pixel_values',
      output: 'image_embeds',
      size: IMAGE_SIZE,
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
    text: {
      file: 'text.onnx',
      input: 'input_ids',
      output: 'text_embeds',
      tokenizer: 'tokenizer.json',
      contextLength: CONTEXT_LENGTH,
      padTokenId: PAD_TOKEN_ID,
    },
  };
  await writeFile(path.join(dir, MODEL_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

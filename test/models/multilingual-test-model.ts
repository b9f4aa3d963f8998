import { createHash } from 'node:crypto';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  BUNDLED_MODELS_DIR,
  MODEL_MANIFEST_FILE,
  readModelManifest,
  type ModelFile,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { buildDistilBertTower } from './distilbert-architecture.js';
import { RANDOM_WEIGHT_RELEVANCE } from './make-test-model.js';
import { writeOnnxModel } from './onnx-file.js';
import { normalValues } from './random-weights.js';
import type { TransformerShape } from './transformer-layers.js';

/**
 * A random-weight model shaped like `models/clip-vit-b-32-multilingual.json`, paired with a
 * generated CLIP test model: that model's image tower (the same file), a DistilBERT text tower
 * with the bundled manifest's tensor names, the Dense projection as a safetensors file, and a
 * WordPiece tokenizer.json with BERT's special tokens and a small vocabulary in several
 * languages. Tests check it against distilbert-reference.ts.
 */

export const MULTILINGUAL_SHAPE: TransformerShape = { width: 64, layers: 2, heads: 2 };
const BASE_MANIFEST = path.join(BUNDLED_MODELS_DIR, 'clip-vit-b-32-multilingual.json');
/** The name the published Dense layer gives its weight. */
export const DENSE_TENSOR = 'linear.weight';

/** BERT's special tokens at the ids multilingual BERT gives them. */
const SPECIAL_TOKENS: Record<string, number> = {
  '[PAD]': 0,
  '[UNK]': 100,
  '[CLS]': 101,
  '[SEP]': 102,
  '[MASK]': 103,
};
const WORDS = [
  ...'a photo of the dog cat on beach at sunset red car night Great Wall Hund Strand chien plage'.split(
    ' ',
  ),
  '##s',
  ...'北京的长城猫狗海滩日落红色汽车夜晚，。'.split(''),
];

export async function makeMultilingualTestModel(
  outDir: string,
  clipDir: string,
): Promise<ModelManifest> {
  const base = readModelManifest(BASE_MANIFEST);
  const clip = readModelManifest(path.join(clipDir, MODEL_MANIFEST_FILE));
  const text = base.text!;
  await mkdir(outDir, { recursive: true });
  const files: ModelFile[] = [];

  const imageFile = clip.files.find((file) => file.path === clip.image.file)!;
  await copyFile(path.join(clipDir, imageFile.path), path.join(outDir, imageFile.path));
  files.push(imageFile);

  const vocab = wordPieceVocabulary();
  const tower = buildDistilBertTower(MULTILINGUAL_SHAPE, {
    vocabSize: Object.keys(vocab).length,
    input: text.input,
    attentionMask: text.attentionMask!,
    output: text.output,
    contextLength: text.contextLength,
  });
  const written = await writeOnnxModel(path.join(outDir, text.file), tower, 17);
  files.push({ path: text.file, sha256: written.sha256, bytes: written.bytes });

  const { width } = MULTILINGUAL_SHAPE;
  const dense = normalValues(DENSE_TENSOR, base.dimensions * width, width ** -0.5);
  files.push(
    await writeFileListed(
      outDir,
      text.projection!.file,
      safetensors(text.projection!.tensor, [base.dimensions, width], dense),
    ),
  );
  files.push(
    await writeFileListed(outDir, text.tokenizer, JSON.stringify(wordPieceTokenizer(vocab))),
  );

  const manifest: ModelManifest = {
    ...base,
    id: `${base.id}-test`,
    name: `${base.name} architecture with random weights (test model)`,
    revision: 'ferret-test-model',
    pairedWith: clip.id,
    files,
    image: clip.image,
    relevance: RANDOM_WEIGHT_RELEVANCE,
  };
  await writeFile(path.join(outDir, MODEL_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function writeFileListed(dir: string, name: string, content: string | Uint8Array) {
  await writeFile(path.join(dir, name), content);
  const bytes = Buffer.from(content);
  return {
    path: name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
}

/** Special tokens at BERT's ids, unused slots before them, then the words. */
export function wordPieceVocabulary(): Record<string, number> {
  const vocab: Record<string, number> = {};
  for (let id = 0; id < SPECIAL_TOKENS['[MASK]']! + 1; id++) vocab[`[unused${id}]`] = id;
  for (const [token, id] of Object.entries(SPECIAL_TOKENS)) {
    delete vocab[`[unused${id}]`];
    vocab[token] = id;
  }
  WORDS.forEach((word, i) => (vocab[word] = SPECIAL_TOKENS['[MASK]']! + 1 + i));
  return vocab;
}

/** What multilingual BERT's tokenizer.json holds, over a small vocabulary. */
function wordPieceTokenizer(vocab: Record<string, number>): object {
  const special = (token: string) => ({
    id: vocab[token],
    content: token,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const piece = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.keys(SPECIAL_TOKENS).map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: false,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [piece('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, piece('[SEP]')],
      pair: [
        piece('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        piece('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((token) => [
          token,
          { id: token, ids: [vocab[token]], tokens: [token] },
        ]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/** One float32 tensor in Hugging Face's safetensors layout. */
function safetensors(name: string, shape: number[], values: Float32Array): Uint8Array {
  const header = JSON.stringify({
    [name]: { dtype: 'F32', shape, data_offsets: [0, values.byteLength] },
  });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([
    length,
    Buffer.from(header),
    Buffer.from(values.buffer, values.byteOffset, values.byteLength),
  ]);
}

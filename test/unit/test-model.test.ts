import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  BUNDLED_MODELS_DIR,
  DEFAULT_MODEL_ID,
  parseModelManifest,
  readModelManifest,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { TextTokenizer } from '../../src-main/engine/embedder/tokenizer.js';
import { ClipModel } from '../../src-main/engine/embedder/clip-model.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { similarity, unitVector } from '../../src-main/engine/util/vectors.js';
import { buildTextTower, CLIP_SHAPES } from '../models/clip-architecture.js';
import {
  maxDifference,
  readWeights,
  referenceImageEmbedding,
  referenceTextEmbedding,
} from '../models/clip-reference.js';
import { int8Name, makeTestModel } from '../models/make-test-model.js';
import { writeOnnxModel } from '../models/onnx-file.js';
import { onnx } from '../models/onnx-graph.js';

const shape = CLIP_SHAPES.tiny;
const goldenTensors = path.resolve(
  import.meta.dirname,
  '../../../shared/clip/golden/preprocess/tensors',
);
const photos = ['Dune.jpg.f32', 'board.jpg.f32'].map(
  (name) => new Float32Array(readFileSync(path.join(goldenTensors, name)).buffer.slice(0)),
);
const defaultManifest = readModelManifest(
  path.join(BUNDLED_MODELS_DIR, `${DEFAULT_MODEL_ID}.json`),
);
const MASK_INPUT = defaultManifest.text?.attentionMask ?? 'attention_mask';

let workDir: string;
let modelDir: string;
let manifest: ModelManifest;
let text: NonNullable<ModelManifest['text']>;
let vision: ort.InferenceSession;
let textTower: ort.InferenceSession;
let tokenizer: TextTokenizer;

before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'ferret-test-model-'));
  modelDir = path.join(workDir, 'tiny');
  manifest = readModelManifest(await makeTestModel({ size: 'tiny', outDir: modelDir }));
  assert.ok(manifest.text, 'the test model has a text tower');
  text = manifest.text;
  vision = await ort.InferenceSession.create(path.join(modelDir, manifest.image.file));
  textTower = await ort.InferenceSession.create(path.join(modelDir, text.file));
  tokenizer = TextTokenizer.fromFile(path.join(modelDir, text.tokenizer), text);
});

after(async () => {
  await vision?.release();
  await textTower?.release();
  await rm(workDir, { recursive: true, force: true });
});

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return similarity(unitVector(a, 'a'), unitVector(b, 'b'));
}

function rows(tensor: ort.Tensor | undefined, count: number): Float32Array[] {
  assert.ok(tensor, 'the model returned the output');
  assert.deepEqual(tensor.dims, [count, manifest.dimensions]);
  const data = tensor.data as Float32Array;
  return Array.from({ length: count }, (_, r) =>
    data.slice(r * manifest.dimensions, (r + 1) * manifest.dimensions),
  );
}

async function embedImages(
  session: ort.InferenceSession,
  tensors: Float32Array[],
): Promise<Float32Array[]> {
  const { size, input, output } = manifest.image;
  const pixels = new Float32Array(tensors.length * 3 * size * size);
  tensors.forEach((tensor, i) => pixels.set(tensor, i * tensor.length));
  const feeds = { [input]: new ort.Tensor('float32', pixels, [tensors.length, 3, size, size]) };
  return rows((await session.run(feeds))[output], tensors.length);
}

/** 1 for the tokens up to the end token (the largest id), 0 for what follows. */
function maskOf(ids: number[]): number[] {
  const end = ids.indexOf(Math.max(...ids));
  return ids.map((_, i) => (i <= end ? 1 : 0));
}

/** Rows of ids padded to the context; the mask is fed only to a tower that takes one. */
async function embedTokens(
  session: ort.InferenceSession,
  idRows: number[][],
  maskRows = idRows.map(maskOf),
): Promise<Float32Array[]> {
  const shape = [idRows.length, text.contextLength];
  const feeds: Record<string, ort.Tensor> = {
    [text.input]: new ort.Tensor('int64', BigInt64Array.from(idRows.flat(), BigInt), shape),
  };
  if (session.inputNames.includes(MASK_INPUT)) {
    const mask = BigInt64Array.from(maskRows.flat(), BigInt);
    feeds[MASK_INPUT] = new ort.Tensor('int64', mask, shape);
  }
  return rows((await session.run(feeds))[text.output], idRows.length);
}

function padded(caption: string, padId = text.padTokenId): number[] {
  const ids = tokenizer.encode(caption);
  return [...ids, ...new Array<number>(text.contextLength - ids.length).fill(padId)];
}

test('the manifest mirrors the default one, names a test model and records real checksums', () => {
  const json: unknown = JSON.parse(readFileSync(path.join(modelDir, 'ferret-model.json'), 'utf8'));
  const parsed = parseModelManifest(json, 'generated manifest');
  assert.equal(parsed.id, 'clip-vit-b-32-test-tiny');
  assert.match(parsed.name, /random weights/);
  assert.equal(parsed.dimensions, defaultManifest.dimensions);
  assert.deepEqual(parsed.image, defaultManifest.image);
  assert.deepEqual(parsed.text, defaultManifest.text);
  assert.deepEqual(
    parsed.files.map((file) => file.path),
    defaultManifest.files.map((file) => file.path),
  );
  for (const file of parsed.files) {
    assert.equal(file.url, undefined, `${file.path} has no download URL`);
    const onDisk = path.join(modelDir, file.path);
    assert.equal(file.sha256, sha256(onDisk), file.path);
    assert.equal(file.bytes, statSync(onDisk).size, file.path);
  }
  const tokenizerFile = (m: ModelManifest) => m.files.find((file) => file.path === text.tokenizer);
  assert.equal(tokenizerFile(parsed)?.sha256, tokenizerFile(defaultManifest)?.sha256);
});

test('the towers take and give the tensors the manifest names, with a dynamic batch', () => {
  const { size } = manifest.image;
  assert.deepEqual(vision.inputMetadata, [
    {
      name: manifest.image.input,
      isTensor: true,
      type: 'float32',
      shape: ['batch', 3, size, size],
    },
  ]);
  const embeds = (name: string) => ({
    name,
    isTensor: true,
    type: 'float32',
    shape: ['batch', manifest.dimensions],
  });
  assert.deepEqual(vision.outputMetadata, [embeds(manifest.image.output)]);
  // Any number of tokens, as the real exports take them: a query is not padded to the context.
  const tokens = (name: string) => ({
    name,
    isTensor: true,
    type: 'int64',
    shape: ['batch', 'sequence'],
  });
  const textInputs = [text.input, text.attentionMask].filter((name) => name !== undefined);
  assert.deepEqual(textTower.inputMetadata, textInputs.map(tokens));
  assert.deepEqual(textTower.outputMetadata, [embeds(text.output)]);
});

test('the image tower computes CLIP ViT forward pass, batched or one by one', async () => {
  const weights = readWeights(path.join(modelDir, manifest.image.file));
  const batch = await embedImages(vision, photos);
  for (const [i, photo] of photos.entries()) {
    const expected = referenceImageEmbedding(weights, shape.vision, photo, manifest.image.size);
    assert.ok(maxDifference(batch[i]!, expected) < 1e-3, `photo ${i} matches the reference`);
    const [alone] = await embedImages(vision, [photo]);
    assert.ok(maxDifference(batch[i]!, alone!) < 1e-4, `photo ${i} alone matches its batch row`);
  }
});

test('the text tower computes CLIP text forward pass, read at the end token', async () => {
  const weights = readWeights(path.join(modelDir, text.file));
  const idRows = [padded('a photo of a cat'), padded('snow-capped mountains')];
  const batch = await embedTokens(textTower, idRows);
  for (const [i, ids] of idRows.entries()) {
    const expected = referenceTextEmbedding(weights, shape.text, ids);
    assert.ok(maxDifference(batch[i]!, expected) < 1e-3, `text ${i} matches the reference`);
  }
});

test('identical inputs give identical vectors, different inputs different ones', async () => {
  const [dune, board] = photos;
  const [first, again, other] = await embedImages(vision, [dune!, dune!, board!]);
  assert.deepEqual(first, again);
  // Random weights: different, but not by a margin that means anything (ranking is tested with
  // the real encoder in ranking.test.ts and a meaningful model in text-ranking.test.ts).
  assert.notDeepEqual(first, other);

  const [cat, catAgain, dog] = await embedTokens(textTower, [
    padded('a photo of a cat'),
    padded('a photo of a cat'),
    padded('a photo of a dog'),
  ]);
  assert.deepEqual(cat, catAgain);
  assert.notDeepEqual(cat, dog);
});

test('what follows the end token does not change the text vector', async () => {
  const withPadding = padded('a photo of a cat');
  const withOtherTokens = padded('a photo of a cat', 320);
  const [expected, actual] = await embedTokens(textTower, [withPadding, withOtherTokens]);
  assert.ok(maxDifference(expected!, actual!) < 1e-5);
});

test('a text tower that takes an attention mask ignores masked padding and matches the maskless one', async () => {
  const file = path.join(workDir, 'masked_text_model.onnx');
  const io = {
    embedDim: manifest.dimensions,
    image: { ...manifest.image },
    text: { ...text, attentionMask: MASK_INPUT },
  };
  await writeOnnxModel(file, buildTextTower(shape, io, 'fp32'), 17);
  const masked = await ort.InferenceSession.create(file);
  try {
    assert.deepEqual(masked.inputNames, [text.input, MASK_INPUT]);
    const ids = padded('a photo of a cat');
    const otherPadding = padded('a photo of a cat', 320);
    const allOnes = ids.map(() => 1);
    const [proper, unmasked, other] = await embedTokens(
      masked,
      [ids, ids, otherPadding],
      [maskOf(ids), allOnes, allOnes],
    );
    const [maskless] = await embedTokens(textTower, [ids]);
    assert.ok(maxDifference(proper!, unmasked!) < 1e-5);
    assert.ok(maxDifference(proper!, other!) < 1e-5);
    assert.ok(maxDifference(proper!, maskless!) < 1e-5);
  } finally {
    await masked.release();
  }
});

/** The longest text CLIP takes: cut to the context, so a batch holding it is padded to 77. */
const CONTEXT_FILLER = 'snow-capped mountains above a quiet lake '.repeat(20);
const QUERIES = ['a photo of a cat', 'dog on the beach at sunset', 'snow-capped mountains'];

/** A ClipModel over the generated files, as the engine opens a model folder. */
async function withClipModel<T>(
  dir: string,
  modelManifest: ModelManifest,
  use: (model: ClipModel) => Promise<T>,
): Promise<T> {
  const model = new ClipModel(dir, modelManifest, { providers: ['cpu'], logger: silentLogger });
  try {
    return await use(model);
  } finally {
    await model.close();
  }
}

test('a query embeds at its own length exactly as padded to the context, alone or in a batch', async () => {
  await withClipModel(modelDir, manifest, async (model) => {
    const longest = model.textTokenizer().encode(CONTEXT_FILLER);
    assert.equal(longest.length, text.contextLength);
    for (const query of QUERIES) {
      assert.ok(model.textTokenizer().encode(query).length < 10, `${query} is a short query`);
      const [alone] = await model.embedTexts([query]);
      const [besideContextLong] = await model.embedTexts([query, CONTEXT_FILLER]);
      assert.ok(maxDifference(alone!, besideContextLong!) < 1e-5, query);
    }
    // A batch of texts of different lengths: each row is the text's vector alone.
    const batch = await model.embedTexts(QUERIES);
    for (const [i, query] of QUERIES.entries()) {
      const [alone] = await model.embedTexts([query]);
      assert.ok(maxDifference(batch[i]!, alone!) < 1e-5, query);
    }
    assert.ok(maxDifference(batch[0]!, batch[1]!) > 1e-3, 'different queries, different vectors');
  });
});

test('a text tower exported for exactly the context gets every text padded to it', async () => {
  const dir = path.join(workDir, 'fixed-context');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  await copyFile(path.join(modelDir, text.tokenizer), path.join(dir, text.tokenizer));
  const io = { embedDim: manifest.dimensions, image: { ...manifest.image }, text: { ...text } };
  await writeOnnxModel(
    path.join(dir, text.file),
    buildTextTower(shape, io, 'fp32', { fixedContext: true }),
    17,
  );
  const fixed = await ort.InferenceSession.create(path.join(dir, text.file));
  try {
    const metadata = fixed.inputMetadata[0];
    assert.ok(metadata?.isTensor);
    assert.deepEqual(metadata.shape, ['batch', text.contextLength]);
    // onnxruntime refuses any other length, so the vectors below were computed over 77 tokens.
    await assert.rejects(
      fixed.run({ [text.input]: new ort.Tensor('int64', new BigInt64Array(7), [1, 7]) }),
      /dimension/i,
    );
  } finally {
    await fixed.release();
  }
  const expected = await withClipModel(modelDir, manifest, (model) => model.embedTexts(QUERIES));
  await withClipModel(dir, manifest, async (model) => {
    const actual = await model.embedTexts(QUERIES);
    QUERIES.forEach((query, i) => assert.ok(maxDifference(actual[i]!, expected[i]!) < 1e-5, query));
  });
  const otherContext = { ...manifest, text: { ...text, contextLength: 64 } };
  await withClipModel(dir, otherContext, (model) =>
    assert.rejects(
      model.embedTexts(['a photo of a cat']),
      /the text tower takes exactly 77 tokens, the manifest's contextLength is 64/,
    ),
  );
});

test('a finished model folder is reused, a damaged one is written again', async () => {
  const textFile = path.join(modelDir, text.file);
  const written = statSync(textFile).mtimeMs;
  await makeTestModel({ size: 'tiny', outDir: modelDir });
  assert.equal(statSync(textFile).mtimeMs, written, 'an intact folder is left alone');

  truncateSync(textFile, 1000);
  const manifestFile = await makeTestModel({ size: 'tiny', outDir: modelDir });
  const recorded = readModelManifest(manifestFile).files.find((file) => file.path === text.file);
  assert.equal(sha256(textFile), recorded?.sha256);
  assert.equal(recorded?.sha256, manifest.files.find((file) => file.path === text.file)?.sha256);
});

test('the int8 variants quantise every constant MatMul and stay close to fp32', async () => {
  const outDir = path.join(workDir, 'tiny-int8');
  const int8Manifest = readModelManifest(
    await makeTestModel({ size: 'tiny', outDir, quantize: 'int8' }),
  );
  assert.notEqual(int8Manifest.revision, manifest.revision);
  const visionFile = int8Name(manifest.image.file);
  const textFile = int8Name(text.file);
  for (const file of [visionFile, textFile]) {
    const listed = int8Manifest.files.find((entry) => entry.path === file);
    assert.equal(listed?.sha256, sha256(path.join(outDir, file)), file);
    const graph = onnx.ModelProto.decode(readFileSync(path.join(outDir, file))).graph;
    const weights = new Set(graph?.initializer?.map((tensor) => tensor.name));
    const opTypes = graph?.node?.map((node) => node.opType) ?? [];
    assert.ok(opTypes.includes('MatMulInteger'), `${file} uses MatMulInteger`);
    const floatMatMuls = graph?.node?.filter(
      (node) => node.opType === 'MatMul' && node.input?.some((input) => weights.has(input)),
    );
    assert.deepEqual(floatMatMuls, [], `${file} has no float MatMul with a constant weight`);
  }

  const int8Vision = await ort.InferenceSession.create(path.join(outDir, visionFile));
  const int8Text = await ort.InferenceSession.create(path.join(outDir, textFile));
  try {
    const exact = await embedImages(vision, photos);
    const quantised = await embedImages(int8Vision, photos);
    exact.forEach((row, i) => assert.ok(cosine(row, quantised[i]!) > 0.99, `photo ${i}`));
    const ids = [padded('a photo of a cat')];
    const [exactText] = await embedTokens(textTower, ids);
    const [quantisedText] = await embedTokens(int8Text, ids);
    assert.ok(cosine(exactText!, quantisedText!) > 0.99);
  } finally {
    await int8Vision.release();
    await int8Text.release();
  }
});

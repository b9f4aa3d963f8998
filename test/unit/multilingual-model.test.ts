import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClipModel } from '../../src-main/engine/embedder/clip-model.js';
import {
  checkPairing,
  modelKey,
  readBundledManifests,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { readSafetensor } from '../../src-main/engine/embedder/safetensors.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { similarity } from '../../src-main/engine/util/vectors.js';
import { maxDifference, readWeights } from '../models/clip-reference.js';
import { referenceSentenceEmbedding } from '../models/distilbert-reference.js';
import {
  makeMultilingualTestModel,
  MULTILINGUAL_SHAPE,
  wordPieceVocabulary,
} from '../models/multilingual-test-model.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { embedCounter } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * The multilingual text tower (DistilBERT, mean pooling over the attention mask, a bias-free
 * Dense projection read from safetensors) with a generated model of its architecture, against
 * a plain-loop reference forward pass; and its pairing with the CLIP image tower.
 */

const TEXTS = ['a photo of the dog on the beach at sunset', '北京的长城', 'Hund am Strand', 'cats'];

describe('multilingual text tower', () => {
  let dir: string;
  let clipDir: string;
  let manifest: ModelManifest;
  let model: ClipModel;

  before(async () => {
    clipDir = await tinyModelDir();
    dir = await tempDir('multilingual');
    manifest = await makeMultilingualTestModel(path.join(dir, 'model'), clipDir);
    model = new ClipModel(path.join(dir, 'model'), manifest, {
      providers: ['cpu'],
      logger: silentLogger,
    });
  });
  after(async () => {
    await model?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('WordPiece: BERT special tokens, Chinese by character, word pieces, unknown words', () => {
    const vocab = wordPieceVocabulary();
    const tokenizer = model.textTokenizer();
    const ids = (...tokens: string[]) => tokens.map((token) => vocab[token]!);
    assert.deepEqual(
      tokenizer.encode('北京的长城'),
      ids('[CLS]', '北', '京', '的', '长', '城', '[SEP]'),
    );
    assert.deepEqual(tokenizer.encode('cats'), ids('[CLS]', 'cat', '##s', '[SEP]'));
    assert.deepEqual(tokenizer.encode('Zebra'), ids('[CLS]', '[UNK]', '[SEP]'));
    assert.deepEqual(ids('[PAD]', '[UNK]', '[CLS]', '[SEP]'), [0, 100, 101, 102]);
    // Cut to the context, the end token kept.
    const long = tokenizer.encode('dog '.repeat(500));
    assert.equal(long.length, manifest.text!.contextLength);
    assert.equal(long.at(-1), vocab['[SEP]']);
  });

  test('pooling and projection match the reference forward pass', async () => {
    const weights = readWeights(path.join(dir, 'model', manifest.text!.file));
    const dense = await readSafetensor(
      path.join(dir, 'model', manifest.text!.projection!.file),
      manifest.text!.projection!.tensor,
    );
    // One batch of texts of different lengths: each is padded to the longest, so the mask must
    // keep padding out of attention and out of the mean.
    const vectors = await model.embedTexts(TEXTS);
    TEXTS.forEach((text, i) => {
      const ids = model.textTokenizer().encode(text);
      const expected = referenceSentenceEmbedding(weights, MULTILINGUAL_SHAPE, ids, {
        weight: dense.values,
        outputs: dense.shape[0]!,
      });
      const norm = Math.hypot(...expected);
      const largestDifference = Math.max(
        ...expected.map((value, j) => Math.abs(value / norm - vectors[i]![j]!)),
      );
      assert.ok(largestDifference < 1e-4, `${text}: off by ${largestDifference}`);
    });
    // The texts differ, and so do their vectors: the graph does not ignore its input.
    assert.ok(similarity(vectors[0]!, vectors[1]!) < 0.99);
  });

  test('a text embeds at its own length exactly as padded to the context, alone or in a batch', async () => {
    const contextLong = 'dog '.repeat(500);
    assert.equal(model.textTokenizer().encode(contextLong).length, manifest.text!.contextLength);
    const batch = await model.embedTexts(TEXTS);
    for (const [i, text] of TEXTS.entries()) {
      const [alone] = await model.embedTexts([text]);
      const [besideContextLong] = await model.embedTexts([text, contextLong]);
      assert.ok(maxDifference(alone!, besideContextLong!) < 1e-5, `${text} padded to the context`);
      assert.ok(maxDifference(alone!, batch[i]!) < 1e-5, `${text} in a batch`);
    }
  });

  test('it shares the CLIP model vectors: switching to it embeds no photo again', async () => {
    const photosDir = path.join(dir, 'photos');
    const photos = await copyCorpusPhotos(photosDir, 3);
    const clip = await Engine.open({
      libraryDir: path.join(dir, 'library'),
      modelDir: clipDir,
      logger: silentLogger,
    });
    await clip.indexFolder(photosDir);
    const clipKey = clip.model!.key;
    await clip.close();
    assert.equal(modelKey(manifest), clipKey);
    const engine = await Engine.open({
      libraryDir: path.join(dir, 'library'),
      modelDir: path.join(dir, 'model'),
      logger: silentLogger,
    });
    try {
      const embedded = embedCounter(engine);
      const summary = await engine.indexFolder(photosDir);
      assert.equal(embedded(), 0, JSON.stringify(summary));
      await engine.vectors!.whenOpened();
      const { hits } = await engine.searchText('北京的长城', { limit: 10 });
      assert.equal(hits.length, photos.length);
    } finally {
      await engine.close();
    }
  });
});

describe('pairing in the manifests', () => {
  test('the bundled multilingual model shares the default model image tower', () => {
    const manifests = readBundledManifests();
    const multilingual = manifests.find((m) => m.id === 'clip-vit-b-32-multilingual')!;
    const clip = manifests.find((m) => m.id === 'clip-vit-b-32')!;
    assert.equal(multilingual.pairedWith, clip.id);
    assert.equal(modelKey(multilingual), modelKey(clip));
    assert.equal(multilingual.text?.pooling, 'mean');
  });

  test('a pairing with a different image tower is refused', () => {
    const manifests = readBundledManifests();
    const multilingual = manifests.find((m) => m.id === 'clip-vit-b-32-multilingual')!;
    const int8 = manifests.find((m) => m.id === 'clip-vit-b-32-int8')!;
    assert.throws(
      () => checkPairing({ ...multilingual, pairedWith: int8.id }, int8),
      /its image tower differs from clip-vit-b-32-int8's/,
    );
  });
});

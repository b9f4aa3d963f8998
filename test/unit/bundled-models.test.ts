import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { SqliteCatalog } from '../../src-main/engine/catalog/catalog.js';
import {
  BUNDLED_MODELS_DIR,
  DEFAULT_MODEL_ID,
  downloadBytes,
  MODEL_MANIFEST_FILE,
  ModelManifestError,
  parseModelManifest,
  readBundledManifests,
} from '../../src-main/engine/embedder/manifest.js';
import { Engine } from '../../src-main/engine/engine.js';
import { UserError } from '../../src-main/contract/errors.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';

const INT8_ID = 'clip-vit-b-32-int8';
const MULTILINGUAL_ID = 'clip-vit-b-32-multilingual';
const scratch: string[] = [];
after(() => Promise.all(scratch.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

async function scratchDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  scratch.push(dir);
  return dir;
}

describe('the bundled manifests', () => {
  const [fp32, int8] = readBundledManifests();

  test('every models/*.json, in order of id', () => {
    assert.deepEqual(
      readBundledManifests().map((manifest) => manifest.id),
      [DEFAULT_MODEL_ID, INT8_ID, MULTILINGUAL_ID],
    );
  });

  test('the int8 model differs from fp32 only in its ONNX files', () => {
    assert.ok(fp32 && int8);
    assert.equal(int8.revision, fp32.revision);
    assert.equal(int8.dimensions, fp32.dimensions);
    assert.deepEqual({ ...int8.image, file: fp32.image.file }, fp32.image);
    assert.deepEqual({ ...int8.text, file: fp32.text?.file }, fp32.text);
    const tokenizer = (files: typeof fp32.files) =>
      files.find((file) => file.path === 'tokenizer.json');
    assert.deepEqual(tokenizer(int8.files), tokenizer(fp32.files));
    for (const file of int8.files) {
      assert.match(file.url ?? '', /\/resolve\/[0-9a-f]{40}\//, file.path);
    }
    assert.equal(downloadBytes(fp32), 607_968_343);
    assert.equal(downloadBytes(int8), 155_845_589);
  });

  test('a manifest not named after its id is refused, as is a bad one', async () => {
    const dir = await scratchDir('bundled-misnamed');
    const text = await fs.readFile(path.join(BUNDLED_MODELS_DIR, `${INT8_ID}.json`), 'utf8');
    await fs.writeFile(path.join(dir, 'clip-small.json'), text);
    assert.throws(
      () => readBundledManifests(dir),
      (error) =>
        error instanceof ModelManifestError &&
        /clip-small\.json: .*clip-vit-b-32-int8\.json/.test(error.message),
    );
    await fs.rm(path.join(dir, 'clip-small.json'));
    await fs.writeFile(path.join(dir, 'broken.json'), '{"id": "broken"}');
    assert.throws(() => readBundledManifests(dir), ModelManifestError);
  });

  test('relevance thresholds: text ones for a text tower, strictest first, duplicates strictest', () => {
    assert.ok(fp32 && int8);
    assert.deepEqual(int8.relevance, fp32.relevance);
    // Text–photo cosines of a CLIP match sit near 0.3, photo–photo ones near 0.8.
    assert.ok(fp32.relevance.text![0]! < 0.4 && fp32.relevance.similar[0]! > 0.6);
    const refusal = (relevance: unknown, pattern: RegExp) =>
      assert.throws(
        () => parseModelManifest({ ...fp32, relevance }, 'test.json'),
        (error) => error instanceof ModelManifestError && pattern.test(error.message),
      );
    refusal({ ...fp32.relevance, similar: [0.7, 0.8] }, /strictest to loosest/);
    refusal({ ...fp32.relevance, text: undefined }, /exactly when the model has a text tower/);
    refusal({ ...fp32.relevance, nearIdentical: 0.5 }, /nearIdentical must be at least/);
    refusal({ ...fp32.relevance, similar: [1.5] }, /relevance/);
    const imageOnly = { ...fp32, text: undefined };
    assert.throws(() => parseModelManifest(imageOnly, 'image-only.json'), /text tower/);
    const imageOnlyRelevance = { ...fp32.relevance, text: undefined };
    assert.ok(parseModelManifest({ ...imageOnly, relevance: imageOnlyRelevance }, 'ok.json'));
  });

  test('a size is known only when every file states its own', () => {
    assert.ok(fp32);
    const withoutSize = { ...fp32, files: fp32.files.map(({ bytes: _, ...file }) => file) };
    assert.equal(downloadBytes(withoutSize), null);
  });
});

describe('selecting a bundled model', () => {
  const open = (libraryDir: string, modelDir?: string) =>
    Engine.open({ libraryDir, modelDir, logger: silentLogger });

  test('the default is selected until another is; the choice is kept in the catalog', async () => {
    const library = await scratchDir('select-library');
    const engine = await open(library);
    assert.equal(engine.bundledManifest.id, DEFAULT_MODEL_ID);
    assert.equal(engine.modelDir, path.join(library, 'models', DEFAULT_MODEL_ID));
    assert.deepEqual(
      (await engine.listBundledModels()).map(({ id, installed, selected }) => ({
        id,
        installed,
        selected,
      })),
      [
        { id: DEFAULT_MODEL_ID, installed: false, selected: true },
        { id: INT8_ID, installed: false, selected: false },
        { id: MULTILINGUAL_ID, installed: false, selected: false },
      ],
    );

    const info = await engine.selectBundledModel(INT8_ID);
    assert.equal(info.id, INT8_ID);
    assert.equal(info.present, false);
    assert.equal(info.downloadBytes, 155_845_589);
    assert.deepEqual(info.problem, {
      code: 'not-installed',
      dir: path.join(library, 'models', INT8_ID),
    });
    await engine.close();

    const catalog = SqliteCatalog.open(path.join(library, 'catalog.sqlite'));
    assert.equal(catalog.getSetting('bundledModel'), INT8_ID);
    catalog.close();
    const reopened = await open(library);
    assert.equal(reopened.bundledManifest.id, INT8_ID);
    assert.equal(reopened.modelDir, path.join(library, 'models', INT8_ID));
    assert.equal(reopened.modelInfo().name, reopened.bundledManifest.name);
    assert.deepEqual(
      (await reopened.listBundledModels()).map((model) => model.selected),
      [false, true, false],
    );
    await reopened.close();
  });

  test('an unknown id is refused with the ids there are, and changes nothing', async () => {
    const engine = await open(await scratchDir('select-unknown'));
    assert.throws(
      () => engine.bundledModel('clip-huge'),
      (error) =>
        error instanceof UserError &&
        error.message ===
          `no bundled model "clip-huge" (one of: ${DEFAULT_MODEL_ID}, ${INT8_ID}, ${MULTILINGUAL_ID})`,
    );
    await assert.rejects(engine.selectBundledModel('clip-huge'), UserError);
    assert.equal(engine.bundledManifest.id, DEFAULT_MODEL_ID);
    await engine.close();
  });

  test('a model the bundle no longer has gives way to the default', async () => {
    const library = await scratchDir('select-gone');
    const catalog = SqliteCatalog.open(path.join(library, 'catalog.sqlite'));
    catalog.setSetting('bundledModel', 'clip-retired');
    catalog.close();
    const engine = await open(library);
    assert.equal(engine.bundledManifest.id, DEFAULT_MODEL_ID);
    await engine.close();
  });

  test('selecting goes back from a chosen folder to the download folder; under --model-dir it is refused', async () => {
    const library = await scratchDir('select-folder');
    const tiny = await tinyModelDir();
    const engine = await open(library);
    assert.equal((await engine.useModelFolder(tiny)).present, true);
    assert.equal(engine.modelDir, tiny);
    assert.equal((await engine.selectBundledModel(INT8_ID)).present, false);
    assert.equal(engine.modelDir, path.join(library, 'models', INT8_ID));
    await engine.close();

    const pinned = await open(library, tiny);
    assert.equal(pinned.modelDir, tiny);
    // The folder given at start holds for the run: a choice that would be ignored is refused.
    await assert.rejects(pinned.selectBundledModel(DEFAULT_MODEL_ID), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /started with the model folder .*--model-dir/);
      return true;
    });
    await assert.rejects(pinned.useModelFolder(library), /start it without --model-dir/);
    assert.equal(pinned.modelDir, tiny);
    assert.deepEqual(pinned.settings().startedWith, { modelFolder: tiny, providers: null });
    assert.equal(pinned.modelInfo().present, true);
    await pinned.close();
  });

  test('a provider order given at start (--providers) holds: choosing another is refused', async () => {
    const library = await scratchDir('select-providers');
    const engine = await Engine.open({
      libraryDir: library,
      providers: ['cpu'],
      logger: silentLogger,
    });
    assert.deepEqual(engine.settings().startedWith, { modelFolder: null, providers: ['cpu'] });
    await assert.rejects(engine.setProviders(['cuda', 'cpu']), (error: Error) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /started with --providers cpu; start it without --providers/);
      return true;
    });
    assert.deepEqual(engine.providers, ['cpu']);
    await engine.close();
  });

  test('another model in a bundled model’s folder does not count as that model', async () => {
    const library = await scratchDir('select-impostor');
    const tiny = await tinyModelDir();
    const folder = path.join(library, 'models', DEFAULT_MODEL_ID);
    await fs.cp(tiny, folder, { recursive: true });
    const engine = await open(library);
    // The folder holds a complete model, which loads; it is just not the bundled one.
    assert.equal(engine.modelInfo().present, true);
    assert.equal(
      engine.modelInfo().id,
      JSON.parse(await fs.readFile(path.join(tiny, MODEL_MANIFEST_FILE), 'utf8')).id,
    );
    assert.deepEqual(
      (await engine.listBundledModels()).map((model) => model.installed),
      [false, false, false],
    );
    await engine.close();
  });
});

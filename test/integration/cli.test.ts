import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BundledModel } from '../../src-main/contract/api.js';
import { MODEL_MANIFEST_FILE, readModelManifest } from '../../src-main/engine/embedder/manifest.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir, type PhotoFolder } from '../helpers/fixtures.js';
import { ferret } from '../helpers/ferret-cli.js';

const GOLDEN = path.resolve(import.meta.dirname, '../../../shared/clip/golden');

describe('the ferret CLI', () => {
  let folder: PhotoFolder;
  let library: string;
  let modelDir: string;
  const withModel = () => ['--library', library, '--model-dir', modelDir, '--json'];

  before(async () => {
    [folder, modelDir, library] = await Promise.all([
      photoFolder({ count: 24 }),
      tinyModelDir(),
      tempDir('cli-library'),
    ]);
  });

  test('index prints a JSON summary; bad files are listed, not fatal', async () => {
    const run = await ferret([...withModel(), 'index', folder.dir]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.added, 24);
    assert.equal(summary.embedded, 24);
    assert.equal(summary.failed, folder.broken.length);
    assert.deepEqual(
      summary.failures.map((failure: { path: string }) => failure.path).sort(),
      folder.broken.map((broken) => broken.path).sort(),
    );
  });

  test('search and similar answer what the engine answers', async () => {
    const search = await ferret([
      ...withModel(),
      'search',
      'dog on the beach at sunset',
      '-k',
      '5',
    ]);
    assert.equal(search.code, 0, search.stderr);
    const { hits } = JSON.parse(search.stdout);
    const query = folder.photos[0]!;
    const similar = await ferret([...withModel(), 'similar', query, '-k', '3']);
    assert.equal(similar.code, 0, similar.stderr);
    const neighbours = JSON.parse(similar.stdout).hits;

    // The CLI is a door: it must carry the engine's answer unchanged (ranking itself is tested
    // with meaningful models in ranking.test.ts and text-ranking.test.ts).
    const engine = await Engine.open({ libraryDir: library, modelDir, logger: silentLogger });
    try {
      assert.deepEqual(
        hits,
        (await engine.searchText('dog on the beach at sunset', { limit: 5 })).hits,
      );
      const photo = engine.catalog.getPhotoByPath(query)!;
      assert.deepEqual(neighbours, (await engine.findSimilar(photo.id, { limit: 3 })).hits);
    } finally {
      await engine.close();
    }
    assert.equal(hits.length, 5);
    assert.equal(neighbours.length, 3);
    assert.ok(neighbours.every((hit: { photo: { path: string } }) => hit.photo.path !== query));
  });

  test('status and doctor report the library, the model and its checksums', async () => {
    const status = JSON.parse((await ferret([...withModel(), 'status'])).stdout);
    assert.equal(status.photos, 24 + folder.broken.length);
    assert.equal(status.embedded, 24);
    assert.equal(status.model.present, true);
    const doctor = await ferret([...withModel(), 'doctor']);
    assert.equal(doctor.code, 0, doctor.stderr);
    const report = JSON.parse(doctor.stdout);
    assert.equal(report.runningProvider, 'cpu');
    assert.deepEqual(
      report.files.map((file: { status: string }) => file.status),
      ['ok', 'ok', 'ok'],
    );
  });

  test('debug tokenize and debug preprocess reproduce the reference front ends', async () => {
    const tokens = JSON.parse(
      (await ferret([...withModel(), 'debug', 'tokenize', 'a photo of a cat'])).stdout,
    );
    assert.deepEqual(tokens.ids, [49406, 320, 1125, 539, 320, 2368, 49407]);

    const out = path.join(await tempDir('tensor'), 'squirrel.f32');
    const image = path.join(GOLDEN, 'preprocess/images/squirrel_cls.jpg');
    const run = await ferret([...withModel(), 'debug', 'preprocess', image, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const ours = new Float32Array((await fs.readFile(out)).buffer.slice(0));
    const reference = await fs.readFile(
      path.join(GOLDEN, 'preprocess/tensors/squirrel_cls.jpg.f32'),
    );
    const expected = new Float32Array(
      reference.buffer.slice(reference.byteOffset, reference.byteOffset + reference.length),
    );
    assert.equal(ours.length, 3 * 224 * 224);
    let difference = 0;
    for (let i = 0; i < ours.length; i++) difference += Math.abs(ours[i]! - expected[i]!);
    assert.ok(difference / ours.length < 0.02);
  });

  test('failures exit non-zero with one line of reason', async () => {
    const noModel = await ferret(['--library', await tempDir('empty-library'), 'search', 'a cat']);
    assert.equal(noModel.code, 1);
    assert.equal(noModel.stderr.trim().split('\n').length, 1);
    assert.match(noModel.stderr, /^ferret: no model in .*ferret models fetch/);

    const missing = await ferret([...withModel(), 'similar', '/nonexistent/photo.jpg']);
    assert.equal(missing.code, 1);
    assert.deepEqual(JSON.parse(missing.stdout), {
      error: '/nonexistent/photo.jpg does not exist',
    });

    const badCount = await ferret([...withModel(), 'search', 'cat', '-k', 'lots']);
    assert.notEqual(badCount.code, 0);
  });

  test('--version prints the version of the package it runs from', async () => {
    const packageJson = JSON.parse(
      await fs.readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'),
    ) as { version: string };
    const run = await ferret(['--version']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${packageJson.version}\n`);
  });
});

describe('ferret models fetch', () => {
  let server: http.Server;
  let requests = 0;

  before(async () => {
    const modelDir = await tinyModelDir();
    server = http.createServer((request, response) => {
      requests++;
      const file = path.join(modelDir, path.basename(request.url ?? ''));
      createReadStream(file)
        .on('error', () => response.writeHead(404).end())
        .once('open', () => response.writeHead(200))
        .pipe(response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Bundled manifests, the tiny model under each id, whose URLs point at the local server. */
  async function bundledModels(baseUrl: string, ids = ['clip-vit-b-32']): Promise<string> {
    const modelDir = await tinyModelDir();
    const manifest = readModelManifest(path.join(modelDir, MODEL_MANIFEST_FILE));
    const dir = await tempDir('bundled-models');
    for (const id of ids) {
      const withUrls = {
        ...manifest,
        id,
        files: manifest.files.map((file) => ({ ...file, url: `${baseUrl}/${file.path}` })),
      };
      await fs.writeFile(path.join(dir, `${id}.json`), JSON.stringify(withUrls));
    }
    return dir;
  }

  test('downloads, verifies and installs the model, after which search works', async () => {
    const { port } = server.address() as AddressInfo;
    const env = { FERRET_MODELS_DIR: await bundledModels(`http://127.0.0.1:${port}`) };
    const library = await tempDir('fetch-library');
    const fetched = await ferret(['--library', library, '--json', 'models', 'fetch'], { env });
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.equal(JSON.parse(fetched.stdout).present, true);
    assert.equal(requests, 3);
    const doctor = JSON.parse(
      (await ferret(['--library', library, '--json', 'doctor'], { env })).stdout,
    );
    assert.ok(doctor.files.every((file: { status: string }) => file.status === 'ok'));
  });

  test('models list, use and fetch <id>; the photos already there get the new model’s vectors', async () => {
    const { port } = server.address() as AddressInfo;
    const fp32 = 'clip-vit-b-32';
    const int8 = 'clip-vit-b-32-int8';
    const env = {
      FERRET_MODELS_DIR: await bundledModels(`http://127.0.0.1:${port}`, [fp32, int8]),
    };
    const library = await tempDir('switch-library');
    const run = (...args: string[]) => ferret(['--library', library, '--json', ...args], { env });
    const list = async () =>
      (JSON.parse((await run('models', 'list')).stdout) as BundledModel[]).map(
        ({ id, installed, selected }) => ({ id, installed, selected }),
      );

    assert.deepEqual(await list(), [
      { id: fp32, installed: false, selected: true },
      { id: int8, installed: false, selected: false },
    ]);
    const unknown = await ferret(['--library', library, 'models', 'use', 'clip-l'], { env });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `ferret: no bundled model "clip-l" (one of: ${fp32}, ${int8})\n`);

    assert.equal((await run('models', 'fetch')).code, 0);
    const photos = await photoFolder({ count: 4, broken: false });
    assert.equal(JSON.parse((await run('index', photos.dir)).stdout).embedded, 4);

    // Fetching another model leaves the selection alone.
    const fetched = await run('models', 'fetch', int8);
    assert.equal(fetched.code, 0, fetched.stderr);
    const { id, dir, selected } = JSON.parse(fetched.stdout);
    assert.deepEqual(
      { id, dir, selected },
      { id: int8, dir: path.join(library, 'models', int8), selected: false },
    );
    assert.deepEqual(await list(), [
      { id: fp32, installed: true, selected: true },
      { id: int8, installed: true, selected: false },
    ]);
    const human = await ferret(['--library', library, 'models', 'list'], { env });
    assert.match(human.stdout, /^\* clip-vit-b-32 +\S+ MB +installed +OpenAI CLIP/m);

    const used = await run('models', 'use', int8);
    assert.equal(used.code, 0, used.stderr);
    assert.equal(JSON.parse(used.stdout).id, int8);
    assert.equal(JSON.parse(used.stdout).present, true);
    // Vectors are kept per model: this one has none until the library catches up.
    assert.equal(JSON.parse((await run('status')).stdout).embedded, 0);
    assert.equal((await run('watch', '--exit-when-idle')).code, 0);
    const status = JSON.parse((await run('status')).stdout);
    assert.equal(status.model.id, int8);
    assert.equal(status.embedded, 4);
    assert.deepEqual(
      (await list()).map((model) => model.selected),
      [false, true],
    );
  });

  test('offline, it fails with a clear message', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = { FERRET_MODELS_DIR: await bundledModels(`http://127.0.0.1:${port}`) };
    const run = await ferret(['--library', await tempDir('offline-library'), 'models', 'fetch'], {
      env,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^ferret: could not download http:\/\/127\.0\.0\.1:\d+\/\S+: .*\(are you offline\?\)$/m,
    );
  });
});

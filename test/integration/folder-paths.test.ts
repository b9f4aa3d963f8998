import assert from 'node:assert/strict';
import { mkdir, readdir, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { corpusDir } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Folder paths as users type them into the app: `~` is their home, a relative path is refused
 * (it would resolve against wherever the server happened to start), and folders never nest in
 * the library, so no photo is counted twice.
 */

const TIMING = { writeFinishMs: 200, removalGraceMs: 400, pollIntervalMs: 100, retryMs: 300 };

let dir: string;
let home: string;
let savedHome: string | undefined;
let engine: Engine;
let backend: ReturnType<typeof createBackend>;

const photoCount = async () => (await backend.handle('getStatus', {})).photos;

before(async () => {
  dir = await tempDir('folder-paths');
  home = await realpath(dir);
  savedHome = process.env.HOME;
  process.env.HOME = home;
  const corpus = (await readdir(await corpusDir())).filter((name) => name.endsWith('.jpg'));
  await copyNamedCorpusPhotos(path.join(home, 'Pictures', 'trip'), corpus.slice(0, 2));
  await copyNamedCorpusPhotos(path.join(home, 'Pictures'), corpus.slice(2, 3));
  engine = await Engine.open({ libraryDir: path.join(dir, 'library'), logger: silentLogger });
  backend = createBackend(engine, undefined, { ...TIMING, inferenceWorker: false });
});

after(async () => {
  await backend?.close();
  await engine?.close();
  process.env.HOME = savedHome;
  await rm(dir, { recursive: true, force: true });
});

test('a relative path is refused with a clear reason; nothing is added', async () => {
  await assert.rejects(
    backend.handle('addFolder', { path: 'Pictures/trip' }),
    /"Pictures\/trip" is not a full path: give the whole path of the folder/,
  );
  assert.deepEqual(await backend.handle('listFolders', {}), []);
});

test('~ is the home folder', async () => {
  const added = await backend.handle('addFolder', { path: '~/Pictures/trip' });
  assert.equal(added.path, path.join(home, 'Pictures', 'trip'));
  assert.deepEqual(added.absorbed, []);
  await waitFor(async () => (await photoCount()) === 2, 'the trip photos', 60_000);
});

test('a folder inside a library folder is refused: its photos are there already', async () => {
  await mkdir(path.join(home, 'Pictures', 'trip', 'day1'));
  await assert.rejects(
    backend.handle('addFolder', { path: path.join(home, 'Pictures', 'trip', 'day1') }),
    /is already in the library: it lies inside .*trip/,
  );
  assert.equal((await backend.handle('listFolders', {})).length, 1);
});

test('a folder holding a library folder takes it in: same photos, counted once', async () => {
  const before = (await backend.handle('listPhotos', { offset: 0, limit: 100 })).items;
  const added = await backend.handle('addFolder', { path: '~/Pictures' });
  assert.deepEqual(added.absorbed, [path.join(home, 'Pictures', 'trip')]);
  const folders = await backend.handle('listFolders', {});
  assert.deepEqual(
    folders.map((folder) => folder.path),
    [path.join(home, 'Pictures')],
  );
  await waitFor(async () => (await photoCount()) === 3, 'the photo beside trip', 60_000);
  const after = (await backend.handle('listPhotos', { offset: 0, limit: 100 })).items;
  // The photos of trip kept their ids (and with them metadata and vectors).
  for (const photo of before) {
    assert.equal(after.find((candidate) => candidate.path === photo.path)?.id, photo.id);
  }
  assert.equal((await backend.handle('listFolders', {}))[0]!.photos, 3);

  // The inner folder is still watched, through the outer one, and a new photo counts once.
  const corpus = (await readdir(await corpusDir())).filter((name) => name.endsWith('.jpg'));
  await copyNamedCorpusPhotos(path.join(home, 'Pictures', 'trip'), corpus.slice(3, 4));
  await waitFor(async () => (await photoCount()) === 4, 'the new photo in trip', 60_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  assert.equal(await photoCount(), 4);
});

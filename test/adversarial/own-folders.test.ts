import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../../src-main/engine/engine.js';
import { LiveLibrary } from '../../src-main/engine/library/live-library.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

const TIMING = { writeFinishMs: 200, removalGraceMs: 400, pollIntervalMs: 100, retryMs: 300 };

let root: string;

before(async () => {
  root = await tempDir('own-folders');
});

after(() => rm(root, { recursive: true, force: true }));

test('indexing a folder that holds the library, a model or another library skips them', async () => {
  const photos = await copyCorpusPhotos(path.join(root, 'photos'), 3);
  const library = path.join(root, 'library');
  // A model folder (with a picture in it, as a model's sample might be).
  const model = path.join(root, 'model');
  await cp(await tinyModelDir(), model, { recursive: true });
  await copyFile(photos[0]!, path.join(model, 'sample.jpg'));
  const args = ['--library', library, '--model-dir', model, '--json'];
  // Another Ferret library inside the folder, with its own thumbnails.
  const other = path.join(root, 'other-library');
  await mkdir(other);
  assert.equal((await ferret(['--library', other, 'index', path.join(root, 'photos')])).code, 0);

  for (let run = 1; run <= 3; run++) {
    const indexed = await ferret([...args, 'index', root]);
    assert.equal(indexed.code, 0, indexed.stderr);
    const status = JSON.parse((await ferret([...args, 'status'])).stdout);
    assert.equal(status.photos, 3, `run ${run}: the library indexed its own files`);
  }
});

test('the watcher skips a library, a model or another library made inside a watched folder', async () => {
  const watched = path.join(root, 'watched');
  const photos = await copyCorpusPhotos(watched, 3);
  const engine = await Engine.open({
    libraryDir: path.join(root, 'watching-library'),
    modelDir: await tinyModelDir(),
    logger: silentLogger,
  });
  const library = new LiveLibrary(engine, {}, { ...TIMING, inferenceWorker: false });
  try {
    await library.start();
    await library.addFolder(watched);
    await library.settled();
    const indexed = () => engine.catalog.countByStatus().indexed;
    assert.equal(indexed(), 3);

    // A library built elsewhere and moved in whole, one built in place while watched, and a
    // model folder (with a sample picture) copied in.
    const elsewhere = path.join(root, 'elsewhere');
    assert.equal((await ferret(['--library', elsewhere, 'index', watched])).code, 0);
    await rename(elsewhere, path.join(watched, 'moved-in-library'));
    const inPlace = await ferret(['--library', path.join(watched, 'lib'), 'index', watched]);
    assert.equal(inPlace.code, 0, inPlace.stderr);
    const model = path.join(watched, 'model');
    await cp(await tinyModelDir(), model, { recursive: true });
    await copyFile(photos[0]!, path.join(model, 'sample.jpg'));
    // A real photo last: once it is in, the events before it have been handled.
    const last = path.join(watched, 'last.jpg');
    await copyFile(photos[1]!, last);
    await waitFor(() => engine.catalog.getPhotoByPath(last) !== undefined, 'the new photo');
    await library.settled();

    const paths = engine.catalog.photosInFolder(engine.catalog.listFolders()[0]!.id);
    assert.deepEqual(
      paths.map((photo) => path.relative(watched, photo.path)).sort(),
      [...photos.map((photo) => path.basename(photo)), 'last.jpg'].sort(),
    );
  } finally {
    await library.stop();
    await engine.close();
  }
});

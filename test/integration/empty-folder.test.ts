import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../src-main/engine/engine.js';
import { LiveLibrary } from '../../src-main/engine/library/live-library.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';

const cleanup: string[] = [];
after(() => Promise.all(cleanup.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

// A drive mounted at boot leaves its mount point behind as an empty folder when it is missing.
test('a library folder found empty keeps its photos until it has files again', async () => {
  const [folder, modelDir, libraryDir, away] = await Promise.all([
    photoFolder({ count: 3, broken: false }),
    tinyModelDir(),
    tempDir('library'),
    tempDir('drive-away'),
  ]);
  cleanup.push(folder.dir, libraryDir, away);
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  try {
    const first = await engine.indexFolder(folder.dir);
    assert.equal(first.embedded, 3);
    const ids = folder.photos.map((file) => engine.catalog.getPhotoByPath(file)!.id);

    for (const name of await fs.readdir(folder.dir)) {
      await fs.rename(path.join(folder.dir, name), path.join(away, name));
    }
    await assert.rejects(engine.indexFolder(folder.dir), /is empty .*3 photos are kept/);
    assert.equal(engine.catalog.getFolder(first.folder.id)!.status, 'unavailable');
    assert.deepEqual(
      folder.photos.map((file) => engine.catalog.getPhotoByPath(file)?.id),
      ids,
      'no photo left the catalog',
    );

    for (const name of await fs.readdir(away)) {
      await fs.rename(path.join(away, name), path.join(folder.dir, name));
    }
    const back = await engine.indexFolder(folder.dir);
    assert.deepEqual([back.unchanged, back.embedded, back.removed], [3, 0, 0]);
    assert.equal(back.folder.status, 'ok');
  } finally {
    await engine.close();
  }
});

test('the live library says so once, and does not take an empty folder for one that came back', async () => {
  const [folder, modelDir, libraryDir, away] = await Promise.all([
    photoFolder({ count: 2, broken: false }),
    tinyModelDir(),
    tempDir('library'),
    tempDir('drive-away'),
  ]);
  cleanup.push(folder.dir, libraryDir, away);
  const said: string[] = [];
  const logger = {
    info: (line: string) => said.push(line),
    warn: (line: string) => said.push(line),
  };
  const engine = await Engine.open({ libraryDir, modelDir, logger });
  let changes = 0;
  const library = new LiveLibrary(
    engine,
    { onLibraryChanged: () => changes++ },
    {
      writeFinishMs: 200,
      removalGraceMs: 400,
      pollIntervalMs: 100,
      retryMs: 200,
      inferenceWorker: false,
    },
  );
  try {
    const { folder: added } = await engine.indexFolder(folder.dir);
    for (const name of await fs.readdir(folder.dir)) {
      await fs.rename(path.join(folder.dir, name), path.join(away, name));
    }
    await library.start();
    assert.equal(engine.catalog.getFolder(added.id)!.status, 'unavailable');
    assert.equal(changes, 1, 'the user is told');
    // Several retries pass: the folder stays as it is, and nobody hears that it is back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(engine.catalog.getFolder(added.id)!.status, 'unavailable');
    assert.deepEqual(said.filter((line) => /is back|is unavailable/.test(line)).length, 1);
    assert.equal(engine.catalog.photoIdsInFolder(added.id).length, 2);

    for (const name of await fs.readdir(away)) {
      await fs.rename(path.join(away, name), path.join(folder.dir, name));
    }
    await waitFor(() => engine.catalog.getFolder(added.id)!.status === 'ok', 'the folder back');
    assert.equal(engine.catalog.photoIdsInFolder(added.id).length, 2);
  } finally {
    await library.stop();
    await engine.close();
  }
});

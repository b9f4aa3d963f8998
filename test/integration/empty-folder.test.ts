import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir } from '../helpers/fixtures.js';

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

import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Engine } from '../../src-main/engine/engine.js';
import { FORMATS_DIR } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Moving photos to the trash takes their previews with them: the thumbnail, and the display
 * copy of a photo no browser shows, unless another photo shows the same content.
 */

let root: string;
let library: string;
let engine: Engine;

before(async () => {
  root = await tempDir('trash');
  // The freedesktop.org trash under this test's own home: `trash` reads both at import, so
  // this file runs in a process of its own (*.own-process.test.ts), where nothing imported it
  // before.
  process.env.HOME = path.join(root, 'home');
  process.env.XDG_DATA_HOME = path.join(root, 'home', '.local', 'share');
  await mkdir(process.env.XDG_DATA_HOME, { recursive: true });
  library = path.join(root, 'library');
  const { Engine } = await import('../../src-main/engine/engine.js');
  const { silentLogger } = await import('../../src-main/engine/util/logger.js');
  engine = await Engine.open({ libraryDir: library, logger: silentLogger });
});

after(async () => {
  await engine?.close();
  await rm(root, { recursive: true, force: true });
});

/** The files under one of the library's preview folders, by name. */
async function previewFiles(folder: 'thumbnails' | 'display'): Promise<string[]> {
  const names = await readdir(path.join(library, folder), { recursive: true }).catch(() => []);
  return names.filter((name) => path.extname(name) !== '').map((name) => path.basename(name));
}

test('photos moved to the trash take their thumbnails and display copies along', async () => {
  const photos = path.join(root, 'photos');
  const [kept, trashedJpeg] = await copyCorpusPhotos(photos, 2);
  // An exact copy of the kept photo: trashing it must leave the thumbnail they share.
  const copyOfKept = path.join(photos, `copy of ${path.basename(kept!)}`);
  await copyFile(kept!, copyOfKept);
  const heic = path.join(photos, 'rainbow.heic');
  await copyFile(path.join(FORMATS_DIR, 'heic', 'libheif-rainbow-451x461.heic'), heic);

  const indexed = await engine.indexFolder(photos);
  assert.equal(indexed.failed, 0);
  const idOf = (file: string) => engine.catalog.getPhotoByPath(file)!.id;
  // The viewer's display copy of the HEIC, as opening it in the app makes it.
  const shown = await engine.media('photo', idOf(heic));
  assert.equal(shown?.contentType, 'image/jpeg');
  assert.equal((await previewFiles('display')).length, 1);
  assert.equal((await previewFiles('thumbnails')).length, 3);

  const result = await engine.moveToTrash([idOf(trashedJpeg!), idOf(heic), idOf(copyOfKept)]);
  assert.deepEqual(result.failed, []);
  assert.equal(result.trashed.length, 3);

  assert.deepEqual(await previewFiles('display'), []);
  const hashOfKept = engine.catalog.getPhotoByPath(kept!)!.contentHash;
  assert.deepEqual(await previewFiles('thumbnails'), [`${hashOfKept}.webp`]);
  const trash = path.join(process.env.XDG_DATA_HOME!, 'Trash', 'files');
  assert.equal((await readdir(trash)).length, 3);
});

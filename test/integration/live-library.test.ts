import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine.js';
import { checkLibrary } from '../../src-main/engine/library/library-check.js';
import { LiveLibrary } from '../../src-main/engine/library/live-library.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir, type PhotoFolder } from '../helpers/fixtures.js';
import { embedCounter, waitFor } from '../helpers/live.js';

// The removal grace is what lets a move's addition claim the photo before its deletion is
// applied: long enough for that addition to be seen on a machine busy with other work.
const TIMING = { writeFinishMs: 200, removalGraceMs: 3000, pollIntervalMs: 100, retryMs: 300 };

/** Turns the photo upside down in place: new content, so a new hash and a new vector. */
async function editPhoto(file: string): Promise<void> {
  const edited = await sharp(file).rotate(180).jpeg().toBuffer();
  await fs.writeFile(file, edited);
}

describe('the live library on real photos', () => {
  let folder: PhotoFolder;
  let libraryDir: string;
  let modelDir: string;
  let engine: Engine;
  let library: LiveLibrary;
  let embedded: () => number;

  const photo = (file: string) => engine.catalog.getPhotoByPath(file);

  async function startLibrary(): Promise<void> {
    engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
    embedded = embedCounter(engine);
    library = new LiveLibrary(engine, {}, { ...TIMING, inferenceWorker: false });
    await library.start();
  }

  async function stopLibrary(): Promise<void> {
    await library.stop();
    await engine.close();
  }

  async function assertConsistent(): Promise<void> {
    const report = await checkLibrary(engine);
    assert.ok(report.consistent, JSON.stringify(report, null, 1));
  }

  before(async () => {
    [folder, modelDir, libraryDir] = await Promise.all([
      photoFolder({ count: 24, broken: false }),
      tinyModelDir(),
      tempDir('library'),
    ]);
    await fs.mkdir(path.join(folder.dir, 'album'));
    for (const file of folder.photos.slice(16)) {
      await fs.rename(file, path.join(folder.dir, 'album', path.basename(file)));
    }
    folder.photos = [
      ...folder.photos.slice(0, 16),
      ...folder.photos.slice(16).map((file) => path.join(folder.dir, 'album', path.basename(file))),
    ];
    await fs.writeFile(path.join(folder.dir, 'notes.txt'), 'not a photo');
    await fs.copyFile(folder.photos[0]!, path.join(folder.dir, '.hidden.jpg'));
    await fs.symlink(folder.dir, path.join(folder.dir, 'loop'));
    await startLibrary();
    await library.addFolder(folder.dir);
    await library.settled();
  });

  after(async () => {
    await stopLibrary();
  });

  test('indexes a new folder once; hidden, non-image and looping entries are left out', async () => {
    assert.equal(engine.catalog.countByStatus().indexed, 24);
    assert.equal(embedded(), 24);
    assert.equal(photo(path.join(folder.dir, '.hidden.jpg')), undefined);
    assert.equal(photo(path.join(folder.dir, 'notes.txt')), undefined);
    await assertConsistent();
  });

  test('while watching: add, edit, rename, move and delete', async () => {
    const before = embedded();
    const [toEdit, toRename, toMove, toDelete] = folder.photos.slice(1, 5) as [
      string,
      string,
      string,
      string,
    ];
    const ids = { edit: photo(toEdit)!.id, rename: photo(toRename)!.id, move: photo(toMove)!.id };
    const editedVector = engine.vectors!.get(ids.edit)!;
    const added = path.join(folder.dir, 'new', 'added.jpg');
    const renamed = path.join(folder.dir, 'renamed.jpg');
    const moved = path.join(folder.dir, 'album', 'moved-here.jpg');

    await fs.mkdir(path.dirname(added));
    await fs.copyFile(path.join(await tempDirWithPhoto(folder.photos[0]!), 'flipped.jpg'), added);
    await editPhoto(toEdit);
    await fs.rename(toRename, renamed);
    await fs.rename(toMove, moved);
    await fs.rm(toDelete);

    await waitFor(
      () =>
        photo(added)?.status === 'indexed' &&
        photo(renamed) !== undefined &&
        photo(moved) !== undefined &&
        photo(toDelete) === undefined &&
        photo(toEdit)?.contentHash !== undefined &&
        engine.vectors!.get(ids.edit)!.some((value, i) => value !== editedVector[i]),
      'the changes to reach the catalog',
    );
    await library.settled();
    assert.equal(photo(renamed)!.id, ids.rename);
    assert.equal(photo(moved)!.id, ids.move);
    assert.equal(photo(toEdit)!.id, ids.edit);
    assert.equal(photo(toRename), undefined);
    assert.equal(photo(toMove), undefined);
    // Only the added and the edited photo were embedded; the renamed and moved kept theirs.
    assert.equal(embedded() - before, 2);
    await assertConsistent();
    folder.photos = folder.photos.filter((file) => ![toRename, toMove, toDelete].includes(file));
    folder.photos.push(renamed, moved, added);
  });

  test('renaming a whole folder keeps every photo with its vector', async () => {
    const album = path.join(folder.dir, 'album');
    const inAlbum = engine.catalog.photosUnder(album);
    assert.ok(inAlbum.length >= 8);
    const before = embedded();
    const renamedAlbum = path.join(folder.dir, 'album 2024');
    await fs.rename(album, renamedAlbum);
    const newPath = (file: string) => path.join(renamedAlbum, path.relative(album, file));
    await waitFor(
      () => inAlbum.every((row) => photo(newPath(row.path))?.id === row.id),
      'the renamed folder to reach the catalog',
    );
    await library.settled();
    assert.equal(engine.catalog.photosUnder(album).length, 0);
    assert.equal(embedded(), before);
    await assertConsistent();
  });

  test('while stopped: changes are found at the next start, unchanged photos are not read again', async () => {
    const survivors = engine.catalog.listPhotos(0, 1000).total;
    await stopLibrary();
    const [toEdit, toRename, toDelete] = folder.photos.slice(5, 8) as [string, string, string];
    const idOf = new Map<string, number>();
    engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
    for (const file of [toEdit, toRename]) idOf.set(file, photo(file)!.id);
    await engine.close();

    await editPhoto(toEdit);
    const renamed = path.join(folder.dir, 'renamed-while-stopped.jpg');
    await fs.rename(toRename, renamed);
    await fs.rm(toDelete);
    const added = path.join(folder.dir, 'added-while-stopped.jpg');
    await fs.copyFile(path.join(await tempDirWithPhoto(folder.photos[9]!), 'flipped.jpg'), added);

    await startLibrary();
    await library.settled();
    assert.equal(embedded(), 2, 'the edited and the added photo, nothing else');
    assert.equal(photo(renamed)!.id, idOf.get(toRename));
    assert.equal(photo(toEdit)!.id, idOf.get(toEdit));
    assert.equal(photo(toDelete), undefined);
    assert.equal(photo(added)!.status, 'indexed');
    assert.equal(engine.catalog.listPhotos(0, 1000).total, survivors);
    await assertConsistent();
  });

  test('a folder that disappears keeps its photos, and is watched again when it is back', async () => {
    const count = engine.catalog.listPhotos(0, 1000).total;
    const unplugged = `${folder.dir}-unplugged`;
    await fs.rename(folder.dir, unplugged);
    await waitFor(
      () => engine.listFolders()[0]!.status === 'unavailable',
      'the folder to be marked unavailable',
    );
    assert.match(engine.listFolders()[0]!.error!, /no longer exists/);
    assert.equal(engine.catalog.listPhotos(0, 1000).total, count);

    const before = embedded();
    await fs.rename(unplugged, folder.dir);
    await waitFor(() => engine.listFolders()[0]!.status === 'ok', 'the folder to come back');
    await library.settled();
    assert.equal(engine.catalog.listPhotos(0, 1000).total, count);
    assert.equal(embedded(), before);
    const added = path.join(folder.dir, 'after-replug.jpg');
    await fs.copyFile(path.join(await tempDirWithPhoto(folder.photos[10]!), 'flipped.jpg'), added);
    await waitFor(() => photo(added)?.status === 'indexed', 'a new photo after the return');
    await library.settled();
    await assertConsistent();
  });

  test('removing a folder from the library removes its photos from the catalog, not the disk', async () => {
    const folderId = engine.listFolders()[0]!.id;
    const { removedPhotos } = await library.removeFolder(folderId);
    assert.ok(removedPhotos > 20);
    assert.equal(engine.catalog.listPhotos(0, 10).total, 0);
    assert.equal(engine.vectors!.size, 0);
    await fs.access(folder.photos[0]!);
    await assertConsistent();
  });
});

/** A folder outside the library holding an upside-down copy of `file` (new content). */
async function tempDirWithPhoto(file: string): Promise<string> {
  const dir = await tempDir('outside');
  await fs.writeFile(
    path.join(dir, 'flipped.jpg'),
    await sharp(file).rotate(180).jpeg().toBuffer(),
  );
  return dir;
}

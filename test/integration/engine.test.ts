import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import exifr from 'exifr';
import { IDLE_PROGRESS } from '../../src-main/contract/api.js';
import { ModelUnavailableError } from '../../src-main/engine/embedder/model-store.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { similarity } from '../../src-main/engine/util/vectors.js';
import { photoFolder, tempDir, tinyModelDir, type PhotoFolder } from '../helpers/fixtures.js';

describe('engine on the real corpus with the tiny model', () => {
  let folder: PhotoFolder;
  let libraryDir: string;
  let modelDir: string;
  let engine: Engine;
  let copyOfFirst: string;

  const open = () => Engine.open({ libraryDir, modelDir, logger: silentLogger });

  before(async () => {
    [folder, modelDir, libraryDir] = await Promise.all([
      photoFolder(),
      tinyModelDir(),
      tempDir('library'),
    ]);
    const original = folder.photos.find((photo) => photo.endsWith('.jpg'))!;
    copyOfFirst = path.join(folder.dir, 'copies', `copy-of-${path.basename(original)}`);
    await fs.mkdir(path.dirname(copyOfFirst));
    await fs.copyFile(original, copyOfFirst);
    engine = await open();
  });

  after(async () => {
    await engine.close();
  });

  test('indexes every photo and records every bad file with its error', async () => {
    const progress: number[] = [];
    const summary = await engine.indexFolder(folder.dir, {
      onProgress: (p) => progress.push(p.done),
    });
    const photoCount = folder.photos.length + 1;
    assert.ok(folder.photos.length >= 130, `the corpus has ${folder.photos.length} photos`);
    assert.equal(summary.scanned, photoCount + folder.broken.length);
    assert.equal(summary.added, photoCount);
    assert.equal(summary.embedded, photoCount);
    assert.equal(summary.failed, folder.broken.length);
    assert.equal(progress.at(-1), summary.scanned);
    for (const broken of folder.broken) {
      const row = engine.catalog.getPhotoByPath(broken.path);
      assert.equal(row?.status, 'error', broken.path);
      assert.match(row?.lastError ?? '', new RegExp(broken.reason), broken.path);
    }
    const status = engine.status(IDLE_PROGRESS);
    assert.equal(status.indexed, photoCount);
    assert.equal(status.embedded, photoCount);
    assert.equal(status.errors, folder.broken.length);
  });

  test('records every photo with its EXIF fields: size, date taken, camera and GPS', async () => {
    const { items } = engine.listPhotos(0, 1000);
    let withCamera = 0;
    let withGps = 0;
    let compared = 0;
    for (const photo of items.filter((item) => item.status === 'indexed')) {
      assert.ok(photo.width! > 0 && photo.height! > 0, photo.path);
      // exifr reading the file on its own is the reference where it can parse the file (it
      // misses EXIF in some JPEG layouts that the engine reads through sharp).
      const exif = await exifr.parse(photo.path).catch(() => undefined);
      if (exif !== undefined) {
        assert.equal(photo.cameraMake, exif.Make?.trim() || null, `${photo.path} make`);
        assert.equal(photo.cameraModel, exif.Model?.trim() || null, `${photo.path} model`);
        const taken: Date | undefined = exif.DateTimeOriginal ?? exif.CreateDate;
        assert.equal(photo.takenAt !== null, taken !== undefined, `${photo.path} date taken`);
        if (exif.latitude === undefined) {
          assert.equal(photo.gps, null, photo.path);
        } else {
          assert.ok(Math.abs(photo.gps!.latitude - exif.latitude) < 1e-6, photo.path);
          assert.ok(Math.abs(photo.gps!.longitude - exif.longitude) < 1e-6, photo.path);
        }
        compared++;
      }
      if (photo.takenAt !== null) assert.match(photo.takenAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      if (photo.cameraMake !== null) withCamera++;
      if (photo.gps !== null) withGps++;
    }
    assert.ok(withCamera >= 10, `${withCamera} photos with a camera make`);
    assert.ok(withGps >= 1, `${withGps} photos with GPS`);
    assert.ok(compared >= 50, `${compared} photos compared with exifr`);
  });

  test('an exact copy of a photo comes first in find-similar, and the photo itself is left out', async () => {
    const copy = engine.catalog.getPhotoByPath(copyOfFirst)!;
    const original = engine.catalog
      .findPhotosByHash(copy.contentHash!)
      .find((photo) => photo.id !== copy.id)!;
    const { query, hits } = await engine.findSimilar(original.id, { limit: 10 });
    assert.equal(query.id, original.id);
    assert.equal(hits.length, 10);
    assert.equal(hits[0]!.photo.id, copy.id);
    assert.ok(hits[0]!.score > 0.999, `score ${hits[0]!.score}`);
    assert.ok(hits.every((hit) => hit.photo.id !== original.id));
  });

  test('an image file from outside the library finds its copy inside', async () => {
    const outside = path.join(await tempDir('outside'), 'query.jpg');
    await fs.copyFile(copyOfFirst, outside);
    const { hits } = await engine.findSimilarToFile(outside, { limit: 5 });
    assert.equal(hits[0]!.photo.path, copyOfFirst);
    assert.ok(hits[0]!.score > 0.999);
  });

  test('text search answers the photos nearest the query, as an exact search ranks them', async () => {
    // The random-weight model says nothing about meaning (text-ranking.test.ts does that); what
    // this checks is the plumbing: the query's vector, the index and the scores it reports.
    const query = 'dog on the beach at sunset';
    const { hits } = await engine.searchText(query, { limit: 15 });
    const [queryVector] = await engine.model!.embedTexts([query]);
    const exact = engine.catalog
      .listPhotos(0, 1000)
      .items.flatMap((photo) => {
        const vector = engine.vectors!.get(photo.id);
        return vector ? [{ id: photo.id, score: similarity(queryVector!, vector) }] : [];
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, 15);
    // The same scores rank by rank (photos of nearly equal score may trade places), and each
    // is the hit's own cosine with the query.
    hits.forEach((hit, i) => {
      assert.ok(Math.abs(hit.score - exact[i]!.score) < 1e-4, `rank ${i}`);
      const own = similarity(queryVector!, engine.vectors!.get(hit.photo.id)!);
      assert.ok(Math.abs(hit.score - own) < 1e-4, `photo ${hit.photo.id}`);
    });
    const { hits: chinese } = await engine.searchText('北京的长城', { limit: 5 });
    assert.equal(chinese.length, 5);
    assert.notDeepEqual(
      chinese.map((hit) => hit.score),
      hits.slice(0, 5).map((hit) => hit.score),
    );
  });

  test('a door that answers for a while runs the text tower in a worker thread, with the same answers', async () => {
    const query = 'a red car parked in the snow';
    const inThread = await engine.searchText(query, { limit: 10 });
    // Opened for reading beside the engine that holds the library.
    const door = await Engine.open({ libraryDir, modelDir, logger: silentLogger, access: 'read' });
    try {
      await door.warmUpTextSearch(true);
      const inWorker = await door.searchText(query, { limit: 10 });
      assert.deepEqual(
        inWorker.hits.map((hit) => [hit.photo.id, hit.score]),
        inThread.hits.map((hit) => [hit.photo.id, hit.score]),
      );
      // The door's own model opened no tower in this thread: the query ran in the worker,
      // whose provider the door still reports.
      assert.equal(door.model!.provider, null);
      assert.equal(door.modelInfo().provider, 'cpu');
    } finally {
      await door.close();
    }
  });

  test('the catalog and the index survive a restart, and a damaged index is rebuilt', async () => {
    const { hits: before } = await engine.searchText('snow-capped mountains', { limit: 10 });
    await engine.close();
    engine = await open();
    assert.deepEqual(
      (await engine.searchText('snow-capped mountains', { limit: 10 })).hits,
      before,
    );
    await engine.close();
    const vectorIndexDir = path.join(libraryDir, 'index');
    for (const file of await fs.readdir(vectorIndexDir)) {
      if (file.endsWith('.hnsw')) await fs.writeFile(path.join(vectorIndexDir, file), 'garbage');
    }
    engine = await open();
    const { hits: rebuilt } = await engine.searchText('snow-capped mountains', { limit: 10 });
    assert.deepEqual(
      rebuilt.map((hit) => hit.photo.id),
      before.map((hit) => hit.photo.id),
    );
  });

  test('a second run re-embeds nothing; a moved photo keeps its identity; a deleted one leaves', async () => {
    const again = await engine.indexFolder(folder.dir);
    assert.equal(again.unchanged, again.scanned);
    assert.equal(again.embedded, 0);

    const moving = folder.photos[3]!;
    const before = engine.catalog.getPhotoByPath(moving)!;
    const movedTo = path.join(folder.dir, 'moved', path.basename(moving));
    await fs.mkdir(path.dirname(movedTo));
    await fs.rename(moving, movedTo);
    const deleted = folder.photos[4]!;
    await fs.rm(deleted);

    const summary = await engine.indexFolder(folder.dir);
    assert.equal(summary.moved, 1);
    assert.equal(summary.removed, 1);
    assert.equal(summary.embedded, 0);
    const after = engine.catalog.getPhotoByPath(movedTo)!;
    assert.equal(after.id, before.id);
    assert.ok(engine.vectors!.has(after.id));
    assert.equal(engine.catalog.getPhotoByPath(deleted), undefined);
    const { hits } = await engine.searchText('a photo', { limit: 500 });
    assert.ok(hits.every((hit) => hit.photo.path !== deleted));
  });
});

describe('engine without a model', () => {
  test('catalogues photos and says plainly that search needs the model', async () => {
    const [folder, libraryDir] = await Promise.all([
      photoFolder({ count: 5, broken: false }),
      tempDir('library'),
    ]);
    const engine = await Engine.open({ libraryDir, logger: silentLogger });
    try {
      const problem = { code: 'not-installed', dir: engine.modelDir };
      assert.equal(engine.modelInfo().present, false);
      assert.deepEqual(engine.modelInfo().problem, problem);
      const summary = await engine.indexFolder(folder.dir);
      assert.equal(summary.added, 5);
      assert.equal(summary.embedded, 0);
      assert.deepEqual(summary.modelProblem, problem);
      // The reason travels as data; each door adds its own remedy to these words.
      await assert.rejects(engine.searchText('a cat', { limit: 5 }), (error) => {
        assert.ok(error instanceof ModelUnavailableError);
        assert.deepEqual(error.problem, problem);
        assert.equal(error.message, `no model in ${engine.modelDir}`);
        return true;
      });
      await assert.rejects(engine.useModelFolder(folder.dir), (error) => {
        assert.ok(error instanceof ModelUnavailableError);
        assert.deepEqual(error.problem, { code: 'not-installed', dir: folder.dir });
        return true;
      });
    } finally {
      await engine.close();
    }
  });
});

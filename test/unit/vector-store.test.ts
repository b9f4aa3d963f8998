import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../src-main/engine/engine.js';
import { displayCopyPath } from '../../src-main/engine/library/display-cache.js';
import { thumbnailPath } from '../../src-main/engine/media/thumbnail.js';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import { libraryPaths } from '../../src-main/engine/library-paths.js';
import { silentLogger, type Logger } from '../../src-main/engine/util/logger.js';
import { VectorIndex } from '../../src-main/engine/vector-index/vector-index.js';
import { HnswVectorStore } from '../../src-main/engine/vector-store.js';
import { catalogWithVectors, exactNearest, seededVectors } from '../helpers/random-vectors.js';

/**
 * The vector store at a size CI affords, with a real catalog file and a real index on disk:
 * a lost or damaged index is rebuilt in the background while searches stay exact, the cheap
 * check at open catches a cut-short file without reading it, and the full check in the
 * background catches what the cheap one cannot.
 */

const DIMS = 48;
const MODEL = 'store-test@1';
const PHOTOS = 3000;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-vector-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let libraries = 0;

const vectorSource = (seed: number) => seededVectors(seed, DIMS);

/** A logger that keeps what the store says, to check what it said and what it did not. */
function recordingLogger(): { logger: Logger; said: string[] } {
  const said: string[] = [];
  const keep = (message: string) => void said.push(message);
  return { logger: { info: keep, warn: keep }, said };
}

/** A library folder whose catalog holds `photos` photos with vectors, and no index yet. */
function newLibrary(photos = PHOTOS) {
  const root = path.join(scratch, `library-${++libraries}`);
  const paths = libraryPaths(root);
  mkdirSync(root, { recursive: true });
  const { catalog, folder, truth } = catalogWithVectors(paths.catalog, {
    model: MODEL,
    dimensions: DIMS,
    photos,
    seed: libraries,
  });
  const open = (logger: Logger = silentLogger) =>
    HnswVectorStore.open({
      catalog,
      vectorIndexDir: paths.vectorIndexDir,
      modelKey: MODEL,
      dimensions: DIMS,
      logger,
    });
  const indexFile = () =>
    path.join(
      paths.vectorIndexDir,
      readdirSync(paths.vectorIndexDir).find((name) => name.endsWith('.hnsw'))!,
    );
  return { root, paths, catalog, folder, truth, open, indexFile };
}

test('a missing index is rebuilt in the background; searches meanwhile are exact', async () => {
  const library = newLibrary();
  const store = library.open();
  await store.whenOpened();
  const during = store.status();
  assert.equal(during.state, 'rebuilding');
  assert.equal(during.reason, 'missing');
  assert.equal(during.total, PHOTOS);
  assert.ok(during.done < PHOTOS, `${during.done} of ${PHOTOS} done before the first search`);
  // Every photo counts as searchable meanwhile: it has its vector in the catalog.
  assert.equal(store.size, PHOTOS);
  assert.ok(store.has(PHOTOS));

  const queries = Array.from({ length: 5 }, vectorSource(99));
  const exactHits: { id: number; score: number }[][] = [];
  for (const query of queries) {
    const hits = await store.search(query, 10);
    assert.deepEqual(
      hits.map((hit) => hit.id),
      exactNearest(library.truth, query, 10),
    );
    exactHits.push(hits);
  }
  // Writes made while it is rebuilt reach the rebuilt index.
  const gone = 17;
  library.catalog.deletePhoto(gone);
  store.removeFromVectorIndex([gone]);
  library.truth.delete(gone);
  assert.ok(store.status().done < PHOTOS, 'still rebuilding after the searches and writes');

  await store.whenSettled();
  assert.deepEqual(store.status(), { state: 'ready', reason: null, done: 0, total: 0 });
  assert.deepEqual(store.compareVectorIndexWithCatalog(), {
    missing: [],
    different: [],
    extra: [],
  });
  let found = 0;
  for (const [q, query] of queries.entries()) {
    const expected = exactNearest(library.truth, query, 10);
    const hits = await store.search(query, 10);
    found += hits.filter((hit) => expected.includes(hit.id)).length;
    // A photo found both ways has the same score, to the last bit.
    for (const hit of hits) {
      const exact = exactHits[q]!.find(({ id }) => id === hit.id);
      if (exact) assert.equal(hit.score, exact.score);
    }
  }
  assert.ok(found >= 45, `recall@10 over 5 queries: ${found / 50}`);
  await store.close();

  // Saved when complete: the next open reads it and rebuilds nothing.
  const reopened = library.open();
  await reopened.whenOpened();
  assert.equal(reopened.status().state, 'ready');
  assert.equal(reopened.size, PHOTOS - 1);
  await reopened.close();
  library.catalog.close();
});

test('a search asked while the saved index is still being read waits for it and answers from it', async () => {
  const library = newLibrary();
  const building = library.open();
  await building.whenSettled();
  await building.close();

  const store = library.open();
  assert.equal(store.status().state, 'loading');
  const query = vectorSource(7)();
  const asked = store.search(query, 10);
  const hits = await asked;
  assert.equal(store.status().state, 'ready');
  // The index's own answer: the same photos and scores as a search once it is read.
  assert.deepEqual(hits, await store.search(query, 10));
  const expected = exactNearest(library.truth, query, 10);
  assert.ok(hits.filter((hit) => expected.includes(hit.id)).length >= 9);
  await store.close();
  library.catalog.close();
});

test('a library without vectors opens quietly: nothing is said to be rebuilt', async () => {
  const library = newLibrary(0);
  const { logger, said } = recordingLogger();
  const store = library.open(logger);
  await store.whenSettled();
  assert.equal(store.status().state, 'ready');
  assert.deepEqual(said, []);
  await store.close();
  library.catalog.close();
});

test('the cheap check at open refuses a cut-short or reshaped file; the full check catches the rest', async () => {
  const library = newLibrary();
  const store = library.open();
  await store.whenSettled();
  await store.close();
  const file = library.indexFile();
  const sidecarFile = `${file}.json`;
  const options = { dir: library.paths.vectorIndexDir, modelKey: MODEL, dimensions: DIMS };
  const whole = readFileSync(file);
  const sidecar = readFileSync(sidecarFile, 'utf8');
  const problem = async () => {
    const loaded = await VectorIndex.load(options);
    return 'problem' in loaded ? loaded.problem : null;
  };
  const restore = () => {
    writeFileSync(file, whole);
    writeFileSync(sidecarFile, sidecar);
  };

  truncateSync(file, whole.length - 100);
  assert.equal(
    await problem(),
    `damaged (${whole.length - 100} bytes where ${whole.length} were written)`,
  );
  // Cut to half with a description that agrees on the size: the header tells it is short.
  const half = Math.floor(whole.length / 2);
  truncateSync(file, half);
  writeFileSync(sidecarFile, JSON.stringify({ ...JSON.parse(sidecar), bytes: half }));
  assert.equal(await problem(), 'damaged (cut short)');
  restore();
  const reshaped = Buffer.from(whole);
  reshaped.writeBigUInt64LE(24n, 72); // M
  writeFileSync(file, reshaped);
  assert.equal(await problem(), 'damaged (its header is not that of this kind of graph)');
  restore();
  assert.equal(await problem(), null);

  // One vector component changed: the header and size are right, only the checksum tells.
  const flipped = Buffer.from(whole);
  flipped[96 + 200 * (33 * 4 + 4 + 4 * DIMS + 8) + 140] ^= 0x55;
  writeFileSync(file, flipped);
  const loaded = await VectorIndex.load(options);
  assert.ok(!('problem' in loaded));
  assert.equal(await loaded.verify(), 'damaged or not the one its description was written for');

  // The store answers from the loaded index at once, then rebuilds once the full check fails.
  // The full check waits until start-up has passed (it would compete for the cores with the
  // first questions), or runs at once when someone waits for the store to settle.
  const { logger, said } = recordingLogger();
  const reopened = library.open(logger);
  await reopened.whenOpened();
  assert.equal(reopened.status().state, 'ready');
  await reopened.whenInLine();
  await sleep(300);
  assert.deepEqual(said, [], 'the full check has not run yet');
  assert.equal(reopened.status().state, 'ready');
  await reopened.whenSettled();
  assert.match(said.join('\n'), /is damaged or not the one its description was written for/);
  assert.equal(reopened.status().state, 'ready');
  assert.deepEqual(reopened.compareVectorIndexWithCatalog(), {
    missing: [],
    different: [],
    extra: [],
  });
  await reopened.close();
  const rebuilt = await VectorIndex.load(options);
  assert.ok(!('problem' in rebuilt));
  assert.equal(await rebuilt.verify(), null);
  library.catalog.close();
});

test('removing a large folder lets other work run between slices and leaves nothing behind', async () => {
  const library = newLibrary();
  // A photo elsewhere with the same content as one of the folder's: its previews stay.
  const elsewhere = library.catalog.addFolder('/elsewhere');
  const shared = sha256OfBytes('photo 0');
  library.catalog.upsertPhoto({
    path: '/elsewhere/copy.jpg',
    folderId: elsewhere.id,
    size: 1,
    mtimeMs: 1,
    contentHash: shared,
    status: 'indexed',
    lastError: null,
  });
  library.catalog.close();
  // Every photo's thumbnail and display copy, as indexing and viewing leave them.
  const previews = (hash: string) => [
    thumbnailPath(library.paths.thumbnailsDir, hash),
    displayCopyPath(library.paths.displayDir, hash),
  ];
  for (let i = 0; i < PHOTOS; i++) {
    for (const file of previews(sha256OfBytes(`photo ${i}`))) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'preview');
    }
  }
  const engine = await Engine.open({
    libraryDir: library.root,
    modelDir: path.join(library.root, 'no-model'),
    logger: silentLogger,
  });
  let turns = 0;
  let totals: number[] = [];
  let removing = true;
  const other = (async () => {
    while (removing) {
      turns++;
      totals.push(engine.listPhotos(0, 1).total);
      await nextTurn();
    }
  })();
  const { removedPhotos } = await engine.removeFolder(library.folder.id);
  removing = false;
  await other;
  assert.equal(removedPhotos, PHOTOS);
  assert.ok(turns >= 2, `${turns} turns for other work during the removal`);
  totals = [...new Set(totals)];
  assert.ok(totals.length >= 2 && totals[0]! > totals.at(-1)!, `totals seen: ${totals.join(', ')}`);
  assert.deepEqual(
    engine.listFolders().map((folder) => folder.path),
    ['/elsewhere'],
  );
  assert.equal(engine.listPhotos(0, 10).total, 1);
  engine.catalog.assertSound();
  await engine.close();

  // Nothing of the folder is left: no vectors, no day counted, only the shared previews.
  const db = new Database(library.paths.catalog, { readonly: true });
  assert.equal(db.prepare('SELECT count(*) FROM vectors').pluck().get(), 0);
  assert.equal(db.prepare('SELECT sum(count) FROM photo_days').pluck().get(), 1);
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();
  const left = [library.paths.thumbnailsDir, library.paths.displayDir].flatMap((dir) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name)),
  );
  assert.deepEqual(left.sort(), previews(shared).sort());
});

test('searches are answered while the index is saved; changes made meanwhile follow it', async () => {
  const library = newLibrary();
  const store = library.open();
  await store.whenSettled();
  const next = vectorSource(123);
  const changed = next();
  const { catalog, truth } = library;
  // A change, so the save has something to write.
  store.addToVectorIndex([{ photoId: 1, vector: store.writeToCatalog(1, changed) }]);
  truth.set(1, store.get(1)!);

  const saving = store.save();
  // A photo added and one removed while the file is written: the index takes them afterwards.
  const added = catalog.upsertPhoto({
    path: '/photos/added.jpg',
    folderId: library.folder.id,
    size: 1,
    mtimeMs: 1,
    contentHash: 'added',
    status: 'indexed',
    lastError: null,
  });
  const addedVector = catalog.transaction(() => store.writeToCatalog(added, next()));
  store.addToVectorIndex([{ photoId: added, vector: addedVector }]);
  catalog.deletePhoto(2);
  store.removeFromVectorIndex([2]);
  assert.ok(store.has(added) && !store.has(2), 'the store answers for changes still waiting');
  assert.equal(store.size, PHOTOS);
  const query = vectorSource(7)();
  const during = (await store.search(query, 10)).map((hit) => hit.id);
  assert.ok(!(await store.search(truth.get(2)!, 10)).some((hit) => hit.id === 2));
  await saving;
  truth.delete(2);
  truth.set(added, addedVector);

  const expected = exactNearest(truth, query, 10);
  assert.ok(
    during.filter((id) => expected.includes(id)).length >= 8,
    `answers during the save: ${during.join(', ')}`,
  );
  assert.equal((await store.search(addedVector, 1))[0]?.id, added);
  assert.deepEqual(store.compareVectorIndexWithCatalog(), {
    missing: [],
    different: [],
    extra: [],
  });
  await store.close();

  // What was saved is the index as it was when the save began, caught up at the next open.
  const reopened = library.open();
  await reopened.whenSettled();
  assert.deepEqual(reopened.compareVectorIndexWithCatalog(), {
    missing: [],
    different: [],
    extra: [],
  });
  await reopened.close();
  catalog.close();
});

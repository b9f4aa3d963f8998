import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import hnswlib from 'hnswlib-node';
import { VectorIndex, type Neighbour } from '../../src-main/engine/vector-index/vector-index.js';
import { similarity, unitVector } from '../../src-main/engine/util/vectors.js';
import {
  catalogWithVectors,
  cosine,
  exactNearest,
  seededVectors,
} from '../helpers/random-vectors.js';

const DIMS = 32;
const MODEL = 'test-model@0123456789ab';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-vector-index-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
function newDir(): string {
  return path.join(scratch, `index-${++dirs}`);
}

const vectorSource = (seed: number) => seededVectors(seed, DIMS);

function ids(hits: Neighbour[]): number[] {
  return hits.map(({ id }) => id);
}

function fill(index: VectorIndex, count: number, seed = 1): Map<number, Float32Array> {
  const next = vectorSource(seed);
  const vectors = new Map<number, Float32Array>();
  for (let id = 1; id <= count; id++) {
    const vector = next();
    vectors.set(id, vector);
    index.add(id, vector);
  }
  return vectors;
}

test('search returns the nearest photos, closest first, with cosine scores', () => {
  const index = VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions: DIMS });
  assert.deepEqual([index.rebuilt, index.rebuildReason, index.size], [true, 'missing', 0]);
  assert.deepEqual(index.search(vectorSource(9)(), 5), []);
  const vectors = fill(index, 300);
  assert.equal(index.size, 300);
  assert.ok(index.has(1) && index.has(300) && !index.has(301));

  const queries = vectorSource(2);
  for (let q = 0; q < 20; q++) {
    const query = queries();
    const hits = index.search(query, 10);
    assert.deepEqual(ids(hits), exactNearest(vectors, query, 10));
    for (const hit of hits) {
      assert.ok(Math.abs(hit.score - cosine(vectors.get(hit.id)!, query)) < 1e-5);
    }
    assert.ok(hits.every((hit, i) => i === 0 || hits[i - 1]!.score >= hit.score));
  }
  // A photo is its own nearest neighbour, whatever the length of its vector.
  const seven = vectors.get(7)!.map((value) => value * 40);
  const [self] = index.search(seven, 1);
  assert.equal(self?.id, 7);
  assert.ok(Math.abs(self!.score - 1) < 1e-5);
  assert.equal(index.search(seven, 1000).length, 300);
  assert.deepEqual(index.search(seven, 0), []);
});

test('exact search scores a photo exactly as the index does, at any number of dimensions', () => {
  // The dimensions take each of hnswlib's ways of summing: blocks of 16, of 4, then the rest.
  for (const dimensions of [3, 4, 7, 12, 20, 48, 512]) {
    const index = VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions });
    const next = seededVectors(dimensions, dimensions);
    const vectors = new Map<number, Float32Array>();
    for (let id = 1; id <= 50; id++) {
      vectors.set(id, next());
      index.add(id, vectors.get(id)!);
    }
    for (let q = 0; q < 5; q++) {
      const query = next();
      const point = unitVector(query, 'query');
      for (const hit of index.search(query, 50)) {
        const stored = unitVector(vectors.get(hit.id)!, 'stored');
        assert.equal(hit.score, similarity(stored, point), `${dimensions} dimensions`);
      }
    }
  }
});

test('excluded and removed photos are never returned, and k results still come back', () => {
  const index = VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions: DIMS });
  const vectors = fill(index, 200);
  const query = vectors.get(5)!;
  const nearest = exactNearest(vectors, query, 12);
  assert.equal(nearest[0], 5);

  const exclude = new Set(nearest.slice(0, 4));
  const hits = index.search(query, 8, { exclude });
  assert.deepEqual(ids(hits), nearest.slice(4, 12));

  for (const id of nearest.slice(0, 3)) assert.equal(index.remove(id), true);
  assert.equal(index.remove(nearest[0]!), false);
  assert.equal(index.remove(9999), false);
  assert.equal(index.size, 197);
  assert.equal(index.has(nearest[0]!), false);
  for (const id of nearest.slice(0, 3)) vectors.delete(id);
  assert.deepEqual(ids(index.search(query, 9)), nearest.slice(3, 12));
  assert.deepEqual(ids(index.search(query, 500)).sort(), [...vectors.keys()].sort());
});

test('adding an id again replaces its vector; a removed id comes back when added', () => {
  const index = VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions: DIMS });
  const vectors = fill(index, 100);
  const next = vectorSource(3);

  const replacement = next();
  index.add(42, replacement);
  assert.equal(index.size, 100);
  assert.deepEqual(ids(index.search(replacement, 1)), [42]);
  assert.notEqual(index.search(vectors.get(42)!, 1)[0]?.id, 42);

  index.remove(10);
  const back = next();
  index.add(10, back);
  assert.equal(index.size, 100);
  assert.deepEqual(ids(index.search(back, 1)), [10]);

  // A new photo takes the place of a removed one; the removed id can still come back after.
  index.remove(20);
  const newcomer = next();
  index.add(1000, newcomer);
  const returning = next();
  index.add(20, returning);
  assert.equal(index.size, 101);
  assert.deepEqual(ids(index.search(newcomer, 1)), [1000]);
  assert.deepEqual(ids(index.search(returning, 1)), [20]);

  // Churn: photos leave, some come back, new ones arrive; each stays findable.
  const current = new Map([...vectors, [10, back], [42, replacement], [1000, newcomer]]);
  current.set(20, returning);
  for (let id = 50; id < 70; id++) {
    index.remove(id);
    current.delete(id);
  }
  for (let id = 50; id < 70; id += 2) {
    current.set(id, next());
    index.add(id, current.get(id)!);
  }
  for (let id = 2000; id < 2030; id++) {
    current.set(id, next());
    index.add(id, current.get(id)!);
  }
  assert.equal(index.size, current.size);
  for (const [id, vector] of current) assert.deepEqual(ids(index.search(vector, 1)), [id]);
  assert.deepEqual(
    ids(index.search(next(), 1000)).sort((a, b) => a - b),
    [...current.keys()].sort((a, b) => a - b),
  );
  // hnswlib still knows every label where it is: reading back and removing work for all.
  const entries = [...current].map(([photoId, vector]) => ({ photoId, vector }));
  assert.deepEqual(index.syncFrom(entries), { added: 0, updated: 0, removed: 0 });
  for (const id of [...current.keys()].filter((id) => id % 2 === 0)) {
    assert.equal(index.remove(id), true);
    current.delete(id);
  }
  assert.deepEqual(
    ids(index.search(next(), 1000)).sort((a, b) => a - b),
    [...current.keys()].sort((a, b) => a - b),
  );
});

test('new photos take the places of removed ones, so the file does not grow with churn', async () => {
  const dir = newDir();
  const index = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS, initialCapacity: 64 });
  fill(index, 64);
  await index.save();
  const graphFile = path.join(
    dir,
    readdirSync(dir).find((name) => name.endsWith('.hnsw'))!,
  );
  const sizeBefore = statSync(graphFile).size;
  const next = vectorSource(8);
  for (let id = 1; id <= 32; id++) index.remove(id);
  for (let id = 100; id < 132; id++) index.add(id, next());
  await index.save();
  assert.equal(index.size, 64);
  assert.equal(statSync(graphFile).size, sizeBefore);
});

test('the index grows past its initial capacity', () => {
  const index = VectorIndex.open({
    dir: newDir(),
    modelKey: MODEL,
    dimensions: DIMS,
    initialCapacity: 4,
  });
  const vectors = fill(index, 150);
  assert.equal(index.size, 150);
  for (const id of [1, 4, 5, 77, 150])
    assert.deepEqual(ids(index.search(vectors.get(id)!, 1)), [id]);
});

test('bad vectors and ids are refused with a clear message', () => {
  const index = VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions: DIMS });
  assert.throws(() => index.add(1, new Float32Array(DIMS - 1)), /31 dimensions, the index 32/);
  assert.throws(() => index.add(1, new Float32Array(DIMS)), /cannot be normalised/);
  assert.throws(() => index.add(-1, vectorSource(1)()), /photo id -1/);
  assert.throws(() => index.add(1.5, vectorSource(1)()), /photo id 1.5/);
  assert.throws(() => index.search(new Float32Array(3), 1), /query vector has 3 dimensions/);
  assert.throws(
    () => VectorIndex.open({ dir: newDir(), modelKey: MODEL, dimensions: 0 }),
    /positive integer/,
  );
  assert.equal(index.size, 0);
});

test('a saved index opens with the same contents and answers', async () => {
  const dir = newDir();
  const index = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS });
  const vectors = fill(index, 120);
  index.remove(3);
  vectors.delete(3);
  assert.equal(index.dirty, true);
  assert.equal(await index.save(), true);
  assert.equal(index.dirty, false);
  assert.equal(await index.save(), false, 'an unchanged index is not written again');

  const queries = Array.from({ length: 10 }, vectorSource(4));
  const before = queries.map((query) => index.search(query, 8));
  const reopened = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS });
  assert.deepEqual(
    [reopened.rebuilt, reopened.rebuildReason, reopened.dirty],
    [false, null, false],
  );
  assert.equal(reopened.size, 119);
  assert.equal(reopened.has(3), false);
  assert.equal(reopened.has(4), true);
  assert.deepEqual(
    queries.map((query) => reopened.search(query, 8)),
    before,
  );
  // Only the index, its description, and no temporary files; names safe on any disk.
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2);
  assert.ok(files.every((name) => /^[a-z0-9._-]+$/.test(name)));
  assert.ok(!files.some((name) => name.endsWith('.tmp')));
});

test('a save on a full disk fails with ENOSPC and keeps the saved index', async (t) => {
  const dir = newDir();
  mkdirSync(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'ferret-index', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    return t.skip(`cannot mount a small tmpfs: ${mounted.stderr || mounted.error?.message}`);
  }
  t.after(() => spawnSync('umount', ['--lazy', dir]));
  const index = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS });
  const saved = fill(index, 50);
  await index.save();
  // The rest of the disk taken, but for less than the grown index needs.
  const filler = openSync(path.join(dir, 'filler'), 'w');
  try {
    const block = Buffer.alloc(4096, 1);
    for (;;) writeSync(filler, block);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(filler);
  }
  fill(index, 400, 2);
  await assert.rejects(index.save(), { code: 'ENOSPC' });
  assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')), 'no partial file is left');

  const reopened = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS });
  assert.deepEqual([reopened.rebuilt, reopened.size], [false, saved.size]);
});

test('model keys become safe, distinct file names', async () => {
  const dir = newDir();
  for (const modelKey of ['../../escape/me', 'Model@A', 'model@a']) {
    const index = VectorIndex.open({ dir, modelKey, dimensions: DIMS });
    index.add(1, vectorSource(1)());
    await index.save();
  }
  const files = readdirSync(dir);
  assert.equal(files.length, 6);
  assert.ok(files.every((name) => /^[a-z0-9._-]+$/.test(name)));
  assert.equal(readdirSync(scratch).includes('escape'), false);
  const lower = VectorIndex.open({ dir, modelKey: 'model@a', dimensions: DIMS });
  assert.deepEqual([lower.rebuilt, lower.size], [false, 1]);
});

/** Catalog vectors, an index saved from them, and the answers it gave. */
async function savedLibrary() {
  const dir = newDir();
  mkdirSync(dir, { recursive: true });
  const { catalog, modelId, truth } = catalogWithVectors(path.join(dir, 'catalog.sqlite'), {
    model: MODEL,
    dimensions: DIMS,
    photos: 80,
    seed: 5,
  });
  // The index holds each vector as the catalog stores it (float16), as VectorStore does.
  const index = VectorIndex.open({ dir, modelKey: MODEL, dimensions: DIMS });
  for (const [photoId, vector] of truth) index.add(photoId, vector);
  await index.save();
  const queries = Array.from({ length: 8 }, vectorSource(6));
  const answers = queries.map((query) => index.search(query, 10));
  const indexFile = path.join(
    dir,
    readdirSync(dir).find((name) => name.endsWith('.hnsw'))!,
  );
  const reopen = (dimensions = DIMS, modelKey = MODEL) =>
    VectorIndex.open({ dir, modelKey, dimensions });
  return { catalog, modelId, queries, answers, indexFile, reopen };
}

test('a damaged index file opens empty, and refilled from the catalog answers as before', async () => {
  const damages: [string, (file: string) => void][] = [
    ['truncated', (file) => truncateSync(file, 1000)],
    ['emptied', (file) => truncateSync(file, 0)],
    [
      'overwritten with garbage of the same length',
      (file) => writeFileSync(file, Buffer.alloc(readFileSync(file).length, 0x41)),
    ],
    [
      'a neighbour link pointing outside the graph',
      (file) => {
        // Past hnswlib's 96-byte header: photo 1's first neighbour in the bottom layer.
        const bytes = readFileSync(file);
        bytes[96 + 4 + 2] = 0xff;
        writeFileSync(file, bytes);
      },
    ],
    ['without its description', (file) => rmSync(`${file}.json`)],
    ['with a garbled description', (file) => writeFileSync(`${file}.json`, '{"formatVer')],
    ['deleted', (file) => rmSync(file)],
  ];
  for (const [damage, apply] of damages) {
    const library = await savedLibrary();
    apply(library.indexFile);
    const index = library.reopen();
    assert.equal(index.rebuilt, true, damage);
    assert.equal(index.size, 0, damage);
    assert.ok(index.rebuildReason, damage);
    const synced = index.syncFrom(library.catalog.iterateVectors(library.modelId));
    assert.deepEqual(synced, { added: 80, updated: 0, removed: 0 }, damage);
    assert.deepEqual(
      library.queries.map((query) => index.search(query, 10)),
      library.answers,
      damage,
    );
    library.catalog.close();
  }
});

test('an index for other dimensions or another model is not used', async () => {
  const library = await savedLibrary();
  const wider = library.reopen(DIMS * 2);
  assert.deepEqual([wider.rebuilt, wider.size], [true, 0]);
  assert.match(wider.rebuildReason!, /of 32 dimensions, not 64/);
  library.catalog.close();

  // Same file name, different key: only the description can tell them apart.
  const other = await savedLibrary();
  const sidecar = `${other.indexFile}.json`;
  const description = JSON.parse(readFileSync(sidecar, 'utf8')) as { modelKey: string };
  writeFileSync(sidecar, JSON.stringify({ ...description, modelKey: 'another@model' }));
  const reopened = other.reopen();
  assert.deepEqual([reopened.rebuilt, reopened.rebuildReason], [true, 'for model another@model']);
  other.catalog.close();
});

test('an index whose description lists its photos as numbers, as Ferret wrote it before, is read as it is', async () => {
  const library = await savedLibrary();
  const sidecar = `${library.indexFile}.json`;
  const description = JSON.parse(readFileSync(sidecar, 'utf8')) as { ids: string };
  const bytes = Buffer.from(description.ids, 'base64');
  const listed = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32LE(i * 4));
  assert.deepEqual(
    listed,
    Array.from({ length: 80 }, (_, i) => i + 1),
  );
  writeFileSync(sidecar, JSON.stringify({ ...description, ids: listed }));
  const reopened = library.reopen();
  assert.deepEqual([reopened.rebuilt, reopened.size], [false, 80]);
  assert.deepEqual(
    library.queries.map((query) => reopened.search(query, 10)),
    library.answers,
  );
  library.catalog.close();
});

test('syncFrom brings an index saved before later catalog writes in line with the catalog', async () => {
  const library = await savedLibrary();
  const { catalog, modelId } = library;
  // Writes that reached the catalog but not the saved index (a crash before the next save).
  const next = vectorSource(7);
  const changed = next();
  catalog.putVector(1, modelId, changed);
  catalog.deletePhoto(2);
  catalog.deletePhoto(3);
  const folder = catalog.listFolders()[0]!;
  const added = catalog.upsertPhoto({
    path: '/photos/new.jpg',
    folderId: folder.id,
    size: 1,
    mtimeMs: 1,
    contentHash: 'new',
    status: 'indexed',
    lastError: null,
  });
  const addedVector = next();
  catalog.putVector(added, modelId, addedVector);

  const index = library.reopen();
  assert.equal(index.rebuilt, false);
  assert.deepEqual(index.syncFrom(catalog.iterateVectors(modelId)), {
    added: 1,
    updated: 1,
    removed: 2,
  });
  assert.equal(index.dirty, true);
  const truth = new Map([...catalog.iterateVectors(modelId)].map((e) => [e.photoId, e.vector]));
  assert.equal(index.size, truth.size);
  assert.ok(!index.has(2) && !index.has(3) && index.has(added));
  for (const query of [...library.queries, changed, addedVector]) {
    assert.deepEqual(ids(index.search(query, 10)), exactNearest(truth, query, 10));
  }
  assert.deepEqual(index.syncFrom(catalog.iterateVectors(modelId)), {
    added: 0,
    updated: 0,
    removed: 0,
  });
  await index.save();
  assert.equal(library.reopen().size, truth.size);
  catalog.close();
});

test("hnswlib's own load check (patched to count positions) still refuses a graph whose link lists do not add up", async () => {
  const file = path.join(scratch, 'graph-check.hnsw');
  const graph = new hnswlib.HierarchicalNSW('ip', DIMS);
  graph.initIndex(400, 16, 200, 100);
  const next = vectorSource(41);
  const points = Array.from({ length: 400 }, () => Array.from(unitVector(next(), 'point')));
  points.forEach((point, label) => graph.addPoint(point, label));
  await graph.writeIndex(file);
  const intact = readFileSync(file);
  const read = async () => {
    const loaded = new hnswlib.HierarchicalNSW('ip', DIMS);
    await loaded.readIndex(file, true);
    return loaded;
  };

  const loaded = await read();
  assert.equal(loaded.getCurrentCount(), 400);
  assert.deepEqual(loaded.searchKnn(points[7]!, 5), graph.searchKnn(points[7]!, 5));

  // The header gives the elements and their size; each element's link list size follows the
  // level-0 block, in order.
  const elements = Number(intact.readBigUInt64LE(16));
  const elementBytes = Number(intact.readBigUInt64LE(24));
  const HEADER_BYTES = 96;
  const firstLinkListSize = HEADER_BYTES + elements * elementBytes;
  const refused = /corrupted or unsupported/;

  writeFileSync(file, Buffer.concat([intact, Buffer.alloc(4)]));
  await assert.rejects(read(), refused, 'four bytes too many');
  const oversized = Buffer.from(intact);
  oversized.writeUInt32LE(0x7fffffff, firstLinkListSize);
  writeFileSync(file, oversized);
  await assert.rejects(read(), refused, 'a link list past the end of the file');
  writeFileSync(file, intact.subarray(0, intact.length - 2));
  await assert.rejects(read(), refused, 'the last link list size cut short');
});

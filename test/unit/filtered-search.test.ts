import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqliteCatalog, type Catalog } from '../../src-main/engine/catalog/catalog.js';
import { photoConditions } from '../../src-main/engine/catalog/photo-filter.js';
import { libraryPaths } from '../../src-main/engine/library-paths.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { unitVector } from '../../src-main/engine/util/vectors.js';
import { exactNearest, seededVectors } from '../helpers/random-vectors.js';
import { HnswVectorStore, type VectorStore } from '../../src-main/engine/vector-store.js';

/**
 * Filtered search and listing on a real catalog file and a real HNSW index: a selective filter
 * still yields k photos, all of them passing it, by both strategies (score the filtered set
 * exactly, or walk the graph skipping the rest); dates, folders and order in the catalog.
 */

const DIMS = 32;
const MODEL = 'filter-test@1';
const PHOTOS = 2000;
const K = 10;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-filtered-search-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('filtered search', () => {
  let catalog: Catalog;
  let store: VectorStore;
  const vectors = new Map<number, Float32Array>();
  const rows = new Map<number, { folder: string; day: string; portrait: boolean }>();

  before(async () => {
    const paths = libraryPaths(path.join(scratch, 'library'));
    catalog = SqliteCatalog.open(paths.catalog);
    const folder = catalog.addFolder('/photos');
    const modelId = catalog.registerModel(MODEL, DIMS);
    const nextVector = seededVectors(7, DIMS);
    catalog.transaction(() => {
      for (let i = 0; i < PHOTOS; i++) {
        // One photo in fifty lies in /photos/rare: a 2% filter.
        const sub = i % 50 === 0 ? 'rare' : `common-${i % 7}`;
        const day = `20${String(10 + (i % 10)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`;
        const portrait = i % 3 === 0;
        const id = catalog.upsertPhoto({
          path: `/photos/${sub}/${i}.jpg`,
          folderId: folder.id,
          size: 1000,
          mtimeMs: 1_700_000_000_000,
          contentHash: null,
          width: portrait ? 3000 : 4000,
          height: portrait ? 4000 : 3000,
          takenAt: `${day}T12:00:00`,
          cameraMake: i % 4 === 0 ? 'Apple' : 'Canon',
          cameraModel: i % 4 === 0 ? 'iPhone 12' : 'Canon EOS R5',
          format: 'jpeg',
          status: 'indexed',
          lastError: null,
        });
        const vector = nextVector();
        vectors.set(id, unitVector(catalog.putVector(id, modelId, vector), 'test'));
        rows.set(id, { folder: sub, day, portrait });
      }
    });
    store = HnswVectorStore.open({
      catalog,
      vectorIndexDir: paths.vectorIndexDir,
      modelKey: MODEL,
      dimensions: DIMS,
      logger: silentLogger,
    });
    await store.whenSettled();
  });

  after(async () => {
    await store.close();
    catalog.close();
  });

  /** The k best photos that pass, by brute force. */
  function exactFiltered(query: Float32Array, pass: (id: number) => boolean): number[] {
    return exactNearest(new Map([...vectors].filter(([id]) => pass(id))), query, K);
  }

  test('a 2% filter still yields k photos that pass it, by either strategy', async () => {
    const conditions = photoConditions({ folder: '/photos/rare' });
    const inRare = (id: number) => rows.get(id)!.folder === 'rare';
    let graphRecall = 0;
    const queries = [...vectors.keys()].slice(0, 20);
    for (const queryId of queries) {
      const query = vectors.get(queryId)!;
      const truth = exactFiltered(query, inRare);
      const exact = await store.search(
        query,
        K,
        undefined,
        store.scope(conditions, 'filter-first'),
      );
      assert.deepEqual(
        exact.map(({ id }) => id),
        truth,
      );
      const graph = await store.search(query, K, undefined, store.scope(conditions, 'graph'));
      assert.equal(graph.length, K);
      for (const { id } of graph) assert.ok(inRare(id), `photo ${id} is not in the filter`);
      graphRecall += graph.filter(({ id }) => truth.includes(id)).length / K;
    }
    assert.ok(graphRecall / queries.length >= 0.9, `graph recall ${graphRecall / queries.length}`);
  });

  test('the filter and the excluded photo combine', async () => {
    const conditions = photoConditions({ camera: 'iphone', orientation: 'portrait' });
    const [queryId] = [...vectors.keys()];
    const found = await store.search(
      vectors.get(queryId!)!,
      K,
      new Set([queryId!]),
      store.scope(conditions),
    );
    assert.equal(found.length, K);
    for (const { id } of found) {
      assert.notEqual(id, queryId);
      assert.ok(rows.get(id)!.portrait);
      assert.equal(catalog.getPhoto(id)!.cameraModel, 'iPhone 12');
    }
  });

  test('listing pages through a filter by date, newest or oldest first', () => {
    const conditions = photoConditions({ from: '2012', to: '2013-03' });
    const passing = [...rows].filter(
      ([, row]) => row.day >= '2012-01-01' && row.day <= '2013-03-31',
    );
    const newest = catalog.listPhotos(0, 1000, { conditions });
    assert.equal(newest.total, passing.length);
    assert.equal(newest.items.length, passing.length);
    const days = newest.items.map((photo) => photo.takenAt!);
    assert.deepEqual(days, [...days].sort().reverse());
    const oldest = catalog.listPhotos(0, 1000, { conditions, order: 'oldest' });
    assert.deepEqual(
      oldest.items.map((photo) => photo.id),
      newest.items.map((photo) => photo.id).reverse(),
    );
    const second = catalog.listPhotos(10, 10, { conditions, order: 'oldest' });
    assert.deepEqual(second.items, oldest.items.slice(10, 20));
  });

  test('oldest first without a filter is the seek-paged newest order reversed', () => {
    const newest = catalog.listPhotos(0, PHOTOS).items.map((photo) => photo.id);
    const oldest = catalog.listPhotos(0, 100, { order: 'oldest' }).items.map((photo) => photo.id);
    assert.deepEqual(oldest, newest.slice(-100).reverse());
    const deep = catalog.listPhotos(1950, 100, { order: 'oldest' }).items.map((photo) => photo.id);
    assert.deepEqual(deep, newest.slice(0, 50).reverse());
  });

  test('a date that is not one, or a backwards range, is refused in words', () => {
    assert.throws(() => photoConditions({ from: '2019-02-30' }), /"2019-02-30" is not a date/);
    assert.throws(
      () => photoConditions({ from: '2020-01', to: '2019' }),
      /the dates are the wrong way round: from 2020-01 is after to 2019/,
    );
    assert.deepEqual(photoConditions({ from: '2019-02', to: '2019-02' }), {
      fromDay: '2019-02-01',
      toDay: '2019-02-28',
    });
  });
});

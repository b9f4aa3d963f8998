import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { SqliteCatalog } from '../../src-main/engine/catalog/catalog.js';
import { NearDuplicates } from '../../src-main/engine/duplicates/near-duplicates.js';
import { libraryPaths } from '../../src-main/engine/library-paths.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { HnswVectorStore } from '../../src-main/engine/vector-store.js';

/**
 * Near-duplicate groups kept incrementally in a real catalog beside a real HNSW index: a
 * chain of photos is one group, taking out its middle splits it (the deletion trigger sends
 * only that group back to be compared), a changed vector leaves its group, and groups formed
 * at another threshold are redone.
 */

const THRESHOLD = 0.85;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-near-duplicates-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A unit vector in the plane at `degrees` from the first axis (cosines are angle gaps). */
const at = (degrees: number) => {
  const radians = (degrees * Math.PI) / 180;
  return Float32Array.of(Math.cos(radians), Math.sin(radians), 0, 0);
};

async function library() {
  const paths = libraryPaths(scratch);
  const catalog = SqliteCatalog.open(paths.catalog);
  const folder = catalog.addFolder('/photos');
  const vectors = HnswVectorStore.open({
    catalog,
    vectorIndexDir: paths.vectorIndexDir,
    modelKey: 'near-test@1',
    dimensions: 4,
    logger: silentLogger,
  });
  await vectors.whenSettled();
  const store = (name: string, vector: Float32Array): number => {
    const stored = catalog.transaction(() => {
      const photoId = catalog.upsertPhoto({
        path: `/photos/${name}.jpg`,
        folderId: folder.id,
        size: 1000,
        mtimeMs: 0,
        contentHash: name,
        status: 'indexed',
        lastError: null,
      });
      return { photoId, vector: vectors.writeToCatalog(photoId, vector) };
    });
    vectors.addToVectorIndex([stored]);
    return stored.photoId;
  };
  const remove = (photoId: number) => {
    catalog.transaction(() => {
      catalog.deletePhoto(photoId);
      vectors.noteRemovedFromCatalog();
    });
    vectors.removeFromVectorIndex([photoId]);
  };
  /** The groups as sorted lists of names. */
  const groups = () => {
    const byLabel = new Map<number, string[]>();
    for (const { photoId, nearGroup } of catalog.nearGroupMembers(vectors.modelId)) {
      const name = path.basename(catalog.getPhoto(photoId)!.path, '.jpg');
      byLabel.set(nearGroup, [...(byLabel.get(nearGroup) ?? []), name].sort());
    }
    return [...byLabel.values()].sort((a, b) => a[0]!.localeCompare(b[0]!));
  };
  return { catalog, vectors, store, remove, groups };
}

test('groups follow photos as they come, go and change', async () => {
  const { catalog, vectors, store, remove, groups } = await library();
  const near = new NearDuplicates(catalog, vectors, THRESHOLD, false, silentLogger);
  // a–b and b–c are 25° apart (cosine 0.91), a–c 50° (0.64): one group only through b.
  const a = store('a', at(0));
  const b = store('b', at(25));
  store('c', at(50));
  store('far', at(130));
  await near.compare();
  assert.equal(near.uncompared(), 0);
  assert.deepEqual(groups(), [['a', 'b', 'c']]);

  remove(b);
  // Only the group that lost a photo waits to be compared again.
  assert.equal(near.uncompared(), 2);
  await near.compare();
  assert.deepEqual(groups(), []);

  store('b', at(25));
  await near.compare();
  assert.deepEqual(groups(), [['a', 'b', 'c']]);

  // c is edited into another picture: it leaves the group and joins the one it now resembles.
  store('c', at(120));
  await near.compare();
  assert.deepEqual(groups(), [
    ['a', 'b'],
    ['c', 'far'],
  ]);

  // The group's label (a, its smallest id) going does not take the others with it.
  remove(a);
  await near.compare();
  assert.deepEqual(groups(), [['c', 'far']]);
  await near.close();

  // Another threshold: every photo is compared again, at the new one.
  const strict = new NearDuplicates(catalog, vectors, 0.999, false, silentLogger);
  assert.equal(strict.uncompared(), 3);
  await strict.compare();
  assert.deepEqual(groups(), []);
  // Reading only: nothing is compared or written, the count says what is left.
  store('d', at(200));
  const reader = new NearDuplicates(catalog, vectors, 0.5, true, silentLogger);
  await reader.compare();
  assert.equal(reader.uncompared(), 1);
  await vectors.close();
  catalog.close();
});

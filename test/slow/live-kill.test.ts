import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';

const FERRET = path.resolve(import.meta.dirname, '../../bin/ferret.js');

function ferret(libraryDir: string, modelDir: string, args: string[]) {
  return promisify(execFile)(
    process.execPath,
    [FERRET, '--library', libraryDir, '--model-dir', modelDir, ...args],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}

/** A small seeded generator (mulberry32), so the kill moments are the same on every run. */
function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `ferret watch` and kills it without warning once the catalog holds `photos` photos: the
 * moment is set by the work done, not by a timer, so it falls in the middle of the work on a
 * machine of any speed.
 */
async function watchAndKill(libraryDir: string, modelDir: string, photos: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [FERRET, '--library', libraryDir, '--model-dir', modelDir, 'watch'],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitFor(() => catalogued(libraryDir) >= photos, `${photos} photos catalogued`, 600_000);
  child.kill('SIGKILL');
  await exited;
}

function catalogued(libraryDir: string): number {
  const db = new Database(path.join(libraryDir, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM photos').pluck().get() as number;
  } finally {
    db.close();
  }
}

function queuedJobs(libraryDir: string): number {
  const db = new Database(path.join(libraryDir, 'catalog.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM jobs').pluck().get() as number;
  } finally {
    db.close();
  }
}

interface Snapshot {
  photos: Map<string, { contentHash: string | null; status: string; vector?: Float32Array }>;
  vectors: number;
  vectorIndexSize: number;
}

async function snapshot(libraryDir: string, modelDir: string): Promise<Snapshot> {
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  try {
    const { items, total } = engine.catalog.listPhotos(0, 10_000);
    assert.equal(items.length, total);
    const photos: Snapshot['photos'] = new Map();
    for (const item of items) {
      assert.ok(!photos.has(item.path), `${item.path} is in the catalog twice`);
      photos.set(item.path, {
        contentHash: item.contentHash,
        status: item.status,
        vector: engine.vectors!.get(item.id),
      });
    }
    return {
      photos,
      vectors: engine.catalog.countVectors(engine.vectors!.modelId),
      vectorIndexSize: engine.vectors!.size,
    };
  } finally {
    await engine.close();
  }
}

test('killing the live library at random moments loses nothing and duplicates nothing', async () => {
  const [folder, modelDir, killedLibrary, referenceLibrary] = await Promise.all([
    photoFolder(),
    tinyModelDir(),
    tempDir('killed'),
    tempDir('reference'),
  ]);
  await ferret(referenceLibrary, modelDir, ['index', folder.dir]);
  const reference = await snapshot(referenceLibrary, modelDir);

  await ferret(killedLibrary, modelDir, ['folders', 'add', folder.dir]);
  const random = seededRandom(20240611);
  // Four kills at seeded moments spread over the work, each after some more photos are in.
  const total = reference.photos.size;
  for (let kill = 1; kill <= 4; kill++) {
    const at = Math.floor(((kill - 1 + random()) / 4) * (total - 1)) + 1;
    await watchAndKill(killedLibrary, modelDir, Math.max(at, catalogued(killedLibrary) + 1));
    assert.ok(queuedJobs(killedLibrary) > 0, `kill ${kill} came after the work was done`);
  }
  await ferret(killedLibrary, modelDir, ['watch', '--exit-when-idle']);

  const check = JSON.parse((await ferret(killedLibrary, modelDir, ['--json', 'check'])).stdout);
  assert.equal(check.consistent, true, JSON.stringify(check));
  const killed = await snapshot(killedLibrary, modelDir);
  assert.equal(killed.photos.size, reference.photos.size);
  assert.equal(killed.vectors, reference.vectors);
  assert.equal(killed.vectorIndexSize, killed.vectors);
  for (const [file, expected] of reference.photos) {
    const actual = killed.photos.get(file);
    assert.ok(actual, `${file} is missing`);
    assert.equal(actual.contentHash, expected.contentHash, file);
    assert.equal(actual.status, expected.status, file);
    assert.equal(actual.vector === undefined, expected.vector === undefined, file);
    if (expected.vector !== undefined) {
      const difference = Math.max(
        ...expected.vector.map((value, i) => Math.abs(value - actual.vector![i]!)),
      );
      assert.ok(difference < 1e-4, `${file}: vectors differ by ${difference}`);
    }
  }
});

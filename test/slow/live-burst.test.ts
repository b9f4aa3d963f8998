import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine.js';
import { checkLibrary } from '../../src-main/engine/library/library-check.js';
import { LiveLibrary } from '../../src-main/engine/library/live-library.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { embedCounter, waitForCount } from '../helpers/live.js';

const TIMING = { writeFinishMs: 200, removalGraceMs: 1000, pollIntervalMs: 100, retryMs: 1000 };

/**
 * Writes `count` distinct small JPEGs below `dir`, `perFolder` to a subfolder: a few real
 * encodes, each made unique by a JPEG comment segment right after the start marker.
 */
async function writeJpegs(dir: string, count: number, perFolder: number): Promise<string[]> {
  const bases = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      sharp({
        create: {
          width: 16,
          height: 16,
          channels: 3,
          background: { r: i * 30, g: 90, b: 200 - i * 20 },
        },
      })
        .jpeg()
        .toBuffer(),
    ),
  );
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const comment = Buffer.from(`ferret burst ${i}`);
    const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
    const base = bases[i % bases.length]!;
    const file = path.join(dir, `batch-${Math.floor(i / perFolder)}`, `photo-${i}.jpg`);
    if (i % perFolder === 0) await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, Buffer.concat([base.subarray(0, 2), segment, base.subarray(2)]));
    files.push(file);
  }
  return files;
}

/** What every drain of the queue did, added up: the measure of duplicate work. */
function countWork(engine: Engine) {
  const work = { added: 0, updated: 0, moved: 0, unchanged: 0, removed: 0 };
  const jobRunner = engine.jobRunner.bind(engine);
  engine.jobRunner = (embedder, options) => {
    const runner = jobRunner(embedder, options);
    const drain = runner.drain.bind(runner);
    runner.drain = async (signal, onProgress) => {
      const counts = await drain(signal, onProgress);
      for (const key of Object.keys(work) as (keyof typeof work)[]) work[key] += counts[key];
      return counts;
    };
    return runner;
  };
  return work;
}

test('a burst of 10,000 new files and a bulk delete, without duplicate work', async () => {
  const [photos, libraryDir] = await Promise.all([tempDir('burst'), tempDir('library')]);
  // No model: the burst exercises watching, queueing, hashing and decoding at full size
  // without spending minutes on inference on a small CI machine.
  const engine = await Engine.open({ libraryDir, logger: silentLogger });
  const work = countWork(engine);
  const library = new LiveLibrary(engine, {}, TIMING);
  try {
    await library.start();
    await library.addFolder(photos);
    const files = await writeJpegs(photos, 10_000, 1000);
    const catalogued = () => engine.catalog.listPhotos(0, 1).total;
    await waitForCount(catalogued, 10_000, '10,000 photos');
    await library.settled();
    const counts = engine.catalog.countByStatus();
    assert.deepEqual(counts, { indexed: 10_000, error: 0 });
    // Every file decoded once, though its events came in a burst: none read again as changed.
    // (A job that finds a file unchanged by size and time reads nothing, so is not counted.)
    assert.deepEqual(
      { added: work.added, updated: work.updated, moved: work.moved, removed: work.removed },
      { added: 10_000, updated: 0, moved: 0, removed: 0 },
    );
    assert.equal(
      new Set(files.map((file) => engine.catalog.getPhotoByPath(file)?.id)).size,
      10_000,
    );

    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        fs.rm(path.join(photos, `batch-${i}`), { recursive: true }),
      ),
    );
    await waitForCount(catalogued, 5000, 'the bulk delete');
    await library.settled();
    assert.equal(engine.catalog.getPhotoByPath(files[0]!), undefined);
    assert.ok(engine.catalog.getPhotoByPath(files[9999]!));
    assert.ok((await checkLibrary(engine)).consistent);
    assert.equal(work.removed, 5000);
    assert.equal(work.added, 10_000);
  } finally {
    await library.stop();
    await engine.close();
  }
});

test('renaming a folder of 1,000 photos re-embeds nothing and keeps every id', async () => {
  const [photos, libraryDir, modelDir] = await Promise.all([
    tempDir('rename'),
    tempDir('library'),
    tinyModelDir(),
  ]);
  const files = await writeJpegs(photos, 1000, 1000);
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  const embedded = embedCounter(engine);
  const library = new LiveLibrary(engine, {}, { ...TIMING, inferenceWorker: false });
  try {
    await library.start();
    await library.addFolder(photos);
    await library.settled();
    assert.equal(embedded(), 1000);
    const ids = files.map((file) => engine.catalog.getPhotoByPath(file)!.id);

    const renamed = path.join(photos, 'renamed folder');
    await fs.rename(path.join(photos, 'batch-0'), renamed);
    const newPath = (file: string) => path.join(renamed, path.basename(file));
    await waitForCount(
      () => engine.catalog.photosUnder(renamed).length,
      1000,
      'the renamed folder',
    );
    await library.settled();
    assert.deepEqual(
      files.map((file) => engine.catalog.getPhotoByPath(newPath(file))?.id),
      ids,
    );
    assert.equal(embedded(), 1000, 'nothing was embedded again');
    assert.equal(engine.catalog.listPhotos(0, 1).total, 1000);
    assert.equal(engine.vectors!.size, 1000);
    const report = await checkLibrary(engine);
    assert.ok(report.consistent, JSON.stringify(report));
  } finally {
    await library.stop();
    await engine.close();
  }
});

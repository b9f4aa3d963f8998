import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine.js';
import { readModelManifest } from '../../src-main/engine/embedder/manifest.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { nearDuplicateCopies, type CopyKind } from '../calibration/near-duplicates.js';
import { corpusDir } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { MOBILENET_MANIFEST, mobilenetModelDir } from '../helpers/mobilenet.js';

/**
 * The Find-similar thresholds with a real pretrained encoder (MobileNetV2) on real photos:
 * copies of a photo pass, different photos mostly do not, and the count is that of the matches.
 */
const PHOTOS = 16;
const WITH_COPIES = 4;

describe('relevance thresholds with a real image encoder', () => {
  const relevance = readModelManifest(MOBILENET_MANIFEST).relevance;
  const scratch: string[] = [];
  let engine: Engine;
  let photos: string[];
  /** Each copied photo's copies, by kind. */
  const copies = new Map<string, Record<CopyKind, string>>();

  before(async () => {
    const [photosDir, libraryDir, modelRoot] = await Promise.all([
      tempDir('relevance-photos'),
      tempDir('relevance-library'),
      tempDir('relevance-model'),
    ]);
    scratch.push(photosDir, libraryDir, modelRoot);
    const corpus = await corpusDir();
    // The corpus's camera photos: small, and some are pairs of the same scene (stereo views).
    const names = (await fs.readdir(corpus))
      .filter((name) => name.startsWith('opencv-') && name.endsWith('.jpg'))
      .sort()
      .slice(0, PHOTOS);
    photos = [];
    for (const name of names) {
      const target = path.join(photosDir, name);
      await fs.copyFile(path.join(corpus, name), target);
      photos.push(target);
    }
    await fs.mkdir(path.join(photosDir, 'copies'));
    for (const photo of photos.slice(0, WITH_COPIES)) {
      const made = await nearDuplicateCopies(await fs.readFile(photo));
      const paths = {} as Record<CopyKind, string>;
      for (const [kind, bytes] of Object.entries(made) as [CopyKind, Buffer][]) {
        paths[kind] = path.join(photosDir, 'copies', `${kind}-${path.basename(photo)}`);
        await fs.writeFile(paths[kind], bytes);
      }
      copies.set(photo, paths);
    }
    const modelDir = await mobilenetModelDir();
    scratch.push(modelDir);
    engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
    const summary = await engine.indexFolder(photosDir);
    assert.equal(summary.embedded, PHOTOS + WITH_COPIES * 3);
  });

  after(async () => {
    await engine?.close();
    await Promise.all(scratch.map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  const idOf = (file: string) => engine.catalog.getPhotoByPath(file)!.id;

  test('resized, re-encoded and cropped copies pass; resized and re-encoded are near-identical', async () => {
    for (const [photo, kinds] of copies) {
      const results = await engine.findSimilar(idOf(photo), { limit: 50 });
      assert.equal(results.step, 0);
      assert.equal(results.threshold, relevance.similar[0]);
      for (const [kind, copy] of Object.entries(kinds)) {
        const hit = results.hits.find((candidate) => candidate.photo.path === copy);
        assert.ok(hit, `${kind} copy of ${path.basename(photo)} is not a match`);
        if (kind !== 'cropped') {
          assert.ok(hit.nearIdentical, `${kind} copy scores only ${hit.score.toFixed(3)}`);
        }
      }
      assert.ok(results.hits.every((hit) => hit.score >= results.threshold));
      assert.equal(results.total, results.hits.length);
    }
  });

  test('different photos mostly fall below the threshold', async () => {
    const originals = new Set(photos.map(idOf));
    let pairs = 0;
    let passing = 0;
    for (const photo of photos) {
      const results = await engine.findSimilar(idOf(photo), { limit: 100 });
      passing += results.hits.filter((hit) => originals.has(hit.photo.id)).length;
      pairs += originals.size - 1;
    }
    assert.ok(passing / pairs < 0.1, `${passing} of ${pairs} pairs of different photos match`);
  });

  test('the count is the number of matches, not the number asked for', async () => {
    const [photo] = copies.keys();
    const all = await engine.findSimilar(idOf(photo!), { limit: 100 });
    const one = await engine.findSimilar(idOf(photo!), { limit: 1 });
    assert.equal(one.hits.length, 1);
    assert.equal(one.total, all.total);
    assert.ok(all.total >= 3 && all.total < PHOTOS + WITH_COPIES * 3 - 1, `${all.total} matches`);
  });

  test('"Show more" lowers the threshold step by step, to the last step', async () => {
    const [photo] = copies.keys();
    const steps = await Promise.all(
      relevance.similar.map((_, step) => engine.findSimilar(idOf(photo!), { limit: 100, step })),
    );
    steps.forEach((results, step) => {
      assert.equal(results.threshold, relevance.similar[step]);
      assert.equal(results.canShowMore, step < relevance.similar.length - 1);
      if (step > 0) assert.ok(results.total >= steps[step - 1]!.total);
    });
    const past = await engine.findSimilar(idOf(photo!), { limit: 100, step: 99 });
    assert.equal(past.step, relevance.similar.length - 1);
  });

  test('a picture like none in the library finds nothing, and says there is more to try', async () => {
    const dir = await tempDir('relevance-query');
    scratch.push(dir);
    // Smooth coloured noise: no object, no texture the network knows.
    const noise = path.join(dir, 'noise.png');
    const side = 64;
    const pixels = Buffer.alloc(side * side * 3, 0);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
      .resize(448, 448, { kernel: 'cubic' })
      .png()
      .toFile(noise);
    const results = await engine.findSimilarToFile(noise, { limit: 20 });
    assert.deepEqual(results.hits, [], `best score ${results.hits[0]?.score}`);
    assert.equal(results.total, 0);
    assert.equal(results.canShowMore, true);
  });
});

import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { tempDir } from '../helpers/fixtures.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Find-similar ranked by a real pretrained encoder (MobileNetV2, ../shared/models), end to end:
 * decode, the ONNX session, the catalog and the HNSW index. A random-weight model passes none
 * of these (it puts unrelated photos at cosine 0.99), so they catch a wrong ranking.
 */

/** Altered copies a user expects find-similar to put first, made from one corpus photo each. */
const COPIES: { name: string; from: string; make: (image: Sharp) => Sharp }[] = [
  {
    name: 'resized.jpg',
    from: 'mate-LadyBird.jpg',
    make: (image) => image.resize({ width: 480 }).jpeg({ quality: 70 }),
  },
  {
    name: 're-encoded.webp',
    from: 'opencv-fruits.jpg',
    make: (image) => image.webp({ quality: 40 }),
  },
  {
    name: 'cropped.png',
    from: 'opencv-baboon.jpg',
    make: (image) => image.extract({ left: 40, top: 60, width: 420, height: 400 }).png(),
  },
  {
    // Pixels stored turned a quarter, with the EXIF orientation that turns them back, as a
    // camera held upright writes them.
    name: 'rotated.jpg',
    from: 'opencv-building.jpg',
    make: (image) => image.rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 90 }),
  },
];

/** Past the model's last Show-more step the last applies: every photo above the loosest threshold. */
const LOOSEST = 20;

/** Two photographs of the same scene (a stereo pair, consecutive frames), none a copy. */
const SAME_SCENE: [string, string][] = [
  ['opencv-aloeL.jpg', 'opencv-aloeR.jpg'],
  ['opencv-rubberwhale1.png', 'opencv-rubberwhale2.png'],
  ['opencv-basketball1.png', 'opencv-basketball2.png'],
  ['opencv-Blender_Suzanne1.jpg', 'opencv-Blender_Suzanne2.jpg'],
];

describe('find similar with a real image encoder', () => {
  let engine: Engine;
  let modelDir: string | undefined;
  let photosDir: string;
  const idOf = (name: string) => {
    const photo = engine.catalog.getPhotoByPath(path.join(photosDir, name));
    assert.ok(photo, `${name} is in the library`);
    return photo.id;
  };
  const nameOf = (id: number) => path.basename(engine.getPhoto(id)!.path);

  before(async () => {
    const work = await tempDir('ranking');
    photosDir = path.join(work, 'photos');
    const photos = await copyCorpusPhotos(photosDir, Infinity);
    for (const copy of COPIES) {
      const source = photos.find((photo) => path.basename(photo) === copy.from);
      assert.ok(source, `${copy.from} is in the corpus`);
      await copy.make(sharp(source)).toFile(path.join(photosDir, copy.name));
    }
    engine = await Engine.open({
      libraryDir: path.join(work, 'library'),
      modelDir: (modelDir = await mobilenetModelDir()),
      logger: silentLogger,
    });
    const summary = await engine.indexFolder(photosDir);
    assert.equal(summary.embedded, photos.length + COPIES.length);
  });

  after(async () => {
    await engine?.close();
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
  });

  for (const copy of COPIES) {
    test(`a ${path.parse(copy.name).name} copy is found first, and finds its original first`, async () => {
      const original = idOf(copy.from);
      const altered = idOf(copy.name);
      // The loosest step, so the runner-up shows and the gap to it can be measured.
      const fromOriginal = (await engine.findSimilar(original, { limit: 5, step: LOOSEST })).hits;
      assert.equal(nameOf(fromOriginal[0]!.photo.id), copy.name);
      const fromCopy = (await engine.findSimilar(altered, { limit: 5 })).hits;
      assert.equal(nameOf(fromCopy[0]!.photo.id), copy.from);
      // Far closer than anything else in the library, not first by a hair.
      assert.ok(
        fromOriginal[0]!.score - fromOriginal[1]!.score > 0.05,
        `${copy.name}: ${fromOriginal.map((hit) => hit.score.toFixed(3)).join(', ')}`,
      );
    });
  }

  test('a photo of the same scene outranks every unrelated photo', async () => {
    for (const [a, b] of SAME_SCENE) {
      const hits = (await engine.findSimilar(idOf(a), { limit: 3 })).hits.map((hit) =>
        nameOf(hit.photo.id),
      );
      assert.equal(hits[0], b, `${a}: ${hits.join(', ')}`);
    }
  });

  test('unrelated photos are not near neighbours', async () => {
    // The random-weight test model scores two unrelated wallpapers 0.999996.
    const [dune, board] = [idOf('mate-Dune.jpg'), idOf('opencv-chessboard.png')];
    const hits = (await engine.findSimilar(dune, { limit: 200, step: LOOSEST })).hits;
    assert.ok(hits.length > 0, 'the loosest step shows some photos');
    // Not shown at all means below even the loosest threshold.
    const score = hits.find((hit) => hit.photo.id === board)?.score ?? 0;
    assert.ok(score < 0.8, `dune and chessboard: ${score}`);
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import { clipTensor, tensorToBytes } from '../../src-main/engine/media/preprocess.js';
import type { ClipImageSpec } from '../../src-main/engine/media/preprocess.js';
import { ORIENTATIONS, storedWithOrientation } from '../helpers/orientation.js';

const GOLDEN = path.resolve(import.meta.dirname, '../../../shared/clip/golden/preprocess');

/** The original CLIP normalisation, as shared/clip/README.md gives it. */
const CLIP: ClipImageSpec = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
};

interface GoldenEntry {
  file: string;
  tensor: string;
  sha256: string;
  shape: [number, number, number];
}

const manifest = JSON.parse(
  await readFile(path.join(GOLDEN, 'manifest.json'), 'utf8'),
) as GoldenEntry[];

async function goldenTensor(entry: GoldenEntry): Promise<Float32Array> {
  const bytes = await readFile(path.join(GOLDEN, entry.tensor));
  const tensor = new Float32Array(bytes.length / 4);
  tensor.forEach((_, i) => (tensor[i] = bytes.readFloatLE(i * 4)));
  return tensor;
}

function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function entry(file: string): GoldenEntry {
  const found = manifest.find((candidate) => candidate.file === `images/${file}`);
  assert.ok(found, `${file} is in the golden manifest`);
  return found;
}

describe('clipTensor against the reference CLIP preprocessing', () => {
  assert.equal(manifest.length, 12);
  for (const golden of manifest) {
    test(golden.file, async (t) => {
      const image = await readFile(path.join(GOLDEN, golden.file));
      assert.equal(
        sha256OfBytes(image),
        golden.sha256,
        'golden image is the one the manifest names',
      );
      const tensor = await clipTensor(image, CLIP);
      assert.equal(tensor.length, golden.shape[0] * golden.shape[1] * golden.shape[2]);
      const mad = meanAbsoluteDifference(tensor, await goldenTensor(golden));
      t.diagnostic(`MAD ${path.basename(golden.file)}: ${mad.toFixed(4)}`);
      assert.ok(mad < 0.02, `mean absolute difference ${mad} must stay below 0.02`);
    });
  }
});

describe('clipTensor orientation', () => {
  test('an EXIF-rotated photo matches the upright reference', async () => {
    const rotated = await readFile(path.join(GOLDEN, 'images/leuvenA_rot6.jpg'));
    const mad = meanAbsoluteDifference(
      await clipTensor(rotated, CLIP),
      await goldenTensor(entry('leuvenA.jpg')),
    );
    assert.ok(mad < 0.02, `rotated photo differs from upright reference by ${mad}`);
  });

  // Every EXIF orientation, stored so that a viewer shows the same upright picture. The size
  // makes the crop margin odd (299 - 224 = 75), so a mirrored crop offset would be one pixel off,
  // which costs about 0.09 here; resizing along swapped axes costs about 0.003.
  test('all eight orientations give the upright tensor', async () => {
    const photo = await readFile(path.join(GOLDEN, 'images/leuvenA.jpg'));
    const upright = await sharp(photo).resize(600, 449, { fit: 'fill' }).png().toBuffer();
    const uprightPixels = await sharp(upright).raw().toBuffer();
    const expected = await clipTensor(upright, CLIP);
    for (const orientation of ORIENTATIONS) {
      const stored = await storedWithOrientation(upright, orientation);
      const shown = await sharp(stored).autoOrient().raw().toBuffer();
      assert.ok(shown.equals(uprightPixels), `orientation ${orientation} fixture shows upright`);
      const mad = meanAbsoluteDifference(await clipTensor(stored, CLIP), expected);
      assert.ok(mad < 0.01, `orientation ${orientation} differs from upright by ${mad}`);
    }
  });
  // Under 224 px on the short side the picture is enlarged, which libvips does not do
  // mirror-symmetrically: enlarged as stored and then turned, it came out 0.05-0.12 away from
  // the same pixels stored upright (the reference turns first, then resizes).
  test('a small photo gives the upright tensor in every orientation', async () => {
    const photo = await readFile(path.join(GOLDEN, 'images/leuvenA.jpg'));
    for (const [width, height] of [
      [200, 150],
      [150, 200],
      [120, 90],
    ] as const) {
      const upright = await sharp(photo).resize(width, height, { fit: 'fill' }).png().toBuffer();
      const expected = await clipTensor(upright, CLIP);
      for (const orientation of ORIENTATIONS) {
        const stored = await storedWithOrientation(upright, orientation);
        const mad = meanAbsoluteDifference(await clipTensor(stored, CLIP), expected);
        assert.ok(
          mad < 0.02,
          `${width}x${height}, orientation ${orientation}: differs from upright by ${mad}`,
        );
      }
    }
  });
});

describe('clipTensor colour', () => {
  test('a greyscale photo gives three identical channels', async () => {
    const tensor = await clipTensor(
      await readFile(path.join(GOLDEN, 'images/squirrel_gray.jpg')),
      CLIP,
    );
    const plane = CLIP.size * CLIP.size;
    const value = (c: number, i: number) => tensor[c * plane + i] * CLIP.std[c] + CLIP.mean[c];
    let spread = 0;
    for (let i = 0; i < plane; i++) {
      spread = Math.max(
        spread,
        Math.abs(value(0, i) - value(1, i)),
        Math.abs(value(0, i) - value(2, i)),
      );
    }
    assert.ok(spread < 1e-5, `channels differ by up to ${spread}`);
    assert.ok(new Set(Array.from({ length: plane }, (_, i) => value(0, i).toFixed(3))).size > 50);
  });

  test('alpha is dropped, not blended into the colour', async () => {
    const colour = { r: 200, g: 100, b: 50 };
    const translucent = await sharp({
      create: { width: 300, height: 250, channels: 4, background: { ...colour, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    const tensor = await clipTensor(translucent, CLIP);
    const plane = CLIP.size * CLIP.size;
    [colour.r, colour.g, colour.b].forEach((level, c) => {
      const expected = (level / 255 - CLIP.mean[c]) / CLIP.std[c];
      for (let i = 0; i < plane; i++) assert.ok(Math.abs(tensor[c * plane + i] - expected) < 0.02);
    });
  });

  test('the size comes from the spec', async () => {
    const photo = await readFile(path.join(GOLDEN, 'images/leuvenB.jpg'));
    const small = await clipTensor(photo, { ...CLIP, size: 64 });
    assert.equal(small.length, 3 * 64 * 64);
  });
});

test('tensorToBytes writes float32 little-endian, channel-major as given', async () => {
  const tensor = await clipTensor(await readFile(path.join(GOLDEN, 'images/board.jpg')), CLIP);
  const bytes = tensorToBytes(tensor);
  assert.equal(bytes.length, tensor.length * 4);
  for (const i of [0, 1, 12345, tensor.length - 1])
    assert.equal(bytes.readFloatLE(i * 4), tensor[i]);
  const golden = await readFile(path.join(GOLDEN, entry('board.jpg').tensor));
  assert.equal(golden.length, bytes.length, 'same layout as the reference tensor files');
});

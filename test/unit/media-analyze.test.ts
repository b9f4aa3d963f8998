import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { analyzePhoto } from '../../src-main/engine/media/analyze.js';
import { readPhotoMetadata } from '../../src-main/engine/media/metadata.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { makeThumbnail } from '../../src-main/engine/media/thumbnail.js';
import { corpusDir } from '../helpers/corpus.js';
import { ORIENTATIONS, storedWithOrientation } from '../helpers/orientation.js';
import { pictureDifference } from '../helpers/pictures.js';

const SPEC = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const;

test('analyzePhoto gives what the three single-purpose functions give', async () => {
  const dir = await corpusDir();
  // A JPEG, a 16-megapixel WebP and a PNG, decoded once for all outputs, and a JPEG with a
  // colour profile, decoded by each output on its own.
  const names = [
    'opencv-leuvenA.jpg',
    'gnome-vnc-d.webp',
    'opencv-basketball1.png',
    'opencv-board.jpg',
  ];
  for (const name of names) {
    const photo = await readFile(path.join(dir, name));
    const analysis = await analyzePhoto(photo, SPEC);
    assert.deepEqual(analysis.metadata, await readPhotoMetadata(photo), name);
    // Exactly: a query photo must get the tensor its indexed copy got.
    assert.deepEqual(analysis.tensor, await clipTensor(photo, SPEC), name);
    const thumbnail = await makeThumbnail(photo);
    const [made, expected] = await Promise.all(
      [analysis.thumbnail, thumbnail].map((image) => sharp(image).metadata()),
    );
    assert.equal(made.format, 'webp');
    assert.deepEqual([made.width, made.height], [expected.width, expected.height], name);
    const difference = await pictureDifference(analysis.thumbnail, thumbnail);
    assert.ok(difference < 2, `${name}: thumbnails differ by ${difference} grey levels`);
  }
});

test('analyzePhoto turns the thumbnail upright for all eight orientations', async () => {
  const photo = await readFile(path.join(await corpusDir(), 'opencv-leuvenA.jpg'));
  const upright = await sharp(photo).resize(600, 449, { fit: 'fill' }).png().toBuffer();
  const expected = (await analyzePhoto(upright, SPEC)).thumbnail;
  for (const orientation of ORIENTATIONS) {
    const stored = await storedWithOrientation(upright, orientation);
    const header = await sharp(stored).metadata();
    assert.deepEqual([header.orientation, header.icc], [orientation, undefined]);
    const { thumbnail } = await analyzePhoto(stored, SPEC);
    const difference = await pictureDifference(thumbnail, expected);
    assert.ok(difference < 1, `orientation ${orientation}: differs by ${difference} grey levels`);
  }
});

test('analyzePhoto handles each kind of photo in the corpus', async () => {
  const dir = await corpusDir();
  const names = (await readdir(dir)).filter((name) => name !== 'MANIFEST.sha256').sort();
  // Two of each source package and format keeps this quick; all 140 take tens of seconds.
  const kind = (name: string) => `${name.split('-')[0]}${path.extname(name).toLowerCase()}`;
  const kinds = new Set(names.map(kind));
  const sample = [...kinds].flatMap((k) => names.filter((name) => kind(name) === k).slice(0, 2));
  assert.ok(kinds.size >= 5, `corpus kinds: ${[...kinds].join(', ')}`);
  for (const name of sample) {
    const { metadata, tensor, thumbnail } = await analyzePhoto(
      await readFile(path.join(dir, name)),
      SPEC,
    );
    assert.ok(metadata.width > 0 && metadata.height > 0, name);
    assert.ok(tensor.every(Number.isFinite), name);
    const shown = await sharp(thumbnail).metadata();
    assert.equal(
      Math.max(shown.width, shown.height),
      Math.min(400, Math.max(metadata.width, metadata.height)),
      name,
    );
  }
});

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import {
  makeThumbnail,
  thumbnailPath,
  writeThumbnail,
} from '../../src-main/engine/media/thumbnail.js';

const GOLDEN_IMAGES = path.resolve(
  import.meta.dirname,
  '../../../shared/clip/golden/preprocess/images',
);

const scratch = await mkdtemp(path.join(os.tmpdir(), 'ferret-thumbnails-'));
after(() => rm(scratch, { recursive: true, force: true }));

test('a thumbnail is an upright WebP, longest side 400', async () => {
  const thumbnail = await makeThumbnail(
    await readFile(path.join(GOLDEN_IMAGES, 'leuvenA_rot6.jpg')),
  );
  const info = await sharp(thumbnail).metadata();
  assert.equal(info.format, 'webp');
  assert.deepEqual([info.width, info.height, info.orientation], [400, 300, undefined]);
  // Same picture as the upright original, up to resampling and compression.
  const upright = await makeThumbnail(await readFile(path.join(GOLDEN_IMAGES, 'leuvenA.jpg')));
  const [a, b] = await Promise.all(
    [thumbnail, upright].map((image) => sharp(image).resize(40, 30).greyscale().raw().toBuffer()),
  );
  const difference = a.reduce((sum, value, i) => sum + Math.abs(value - b[i]), 0) / a.length;
  assert.ok(difference < 4, `rotated and upright thumbnails differ by ${difference} levels`);
});

test('a thumbnail honours maxSide and never enlarges', async () => {
  const photo = await readFile(path.join(GOLDEN_IMAGES, 'squirrel_cls.jpg')); // 535x426
  const small = await sharp(await makeThumbnail(photo, 100)).metadata();
  assert.deepEqual([small.width, small.height], [100, 80]);
  const big = await sharp(await makeThumbnail(photo, 2000)).metadata();
  assert.deepEqual([big.width, big.height], [535, 426]);
});

test('thumbnailPath fans out by the first two hex digits', () => {
  const hash = 'ab'.padEnd(64, '0');
  assert.equal(thumbnailPath('/cache/thumbs', hash), `/cache/thumbs/ab/${hash}.webp`);
  for (const bad of ['', 'AB'.padEnd(64, '0'), '../'.padEnd(64, 'a'), 'ab'.padEnd(63, '0')]) {
    assert.throws(() => thumbnailPath('/cache/thumbs', bad), /not a sha256 content hash/);
  }
});

test('writeThumbnail puts the file in place and leaves nothing else behind', async () => {
  const photo = await readFile(path.join(GOLDEN_IMAGES, 'board.jpg'));
  const hash = sha256OfBytes(photo);
  const thumbnail = await makeThumbnail(photo);
  const written = await writeThumbnail(scratch, hash, thumbnail);
  assert.equal(written, thumbnailPath(scratch, hash));
  assert.ok((await readFile(written)).equals(thumbnail));
  // Writing again (another copy of the same photo) replaces it in place.
  await writeThumbnail(scratch, hash, thumbnail);
  assert.deepEqual(await readdir(path.dirname(written)), [`${hash}.webp`]);
});

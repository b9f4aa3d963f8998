import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { analyzePhoto } from '../../src-main/engine/media/analyze.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { makeThumbnail } from '../../src-main/engine/media/thumbnail.js';

// libvips counts the pixel memory it allocates and keeps the high-water mark, which sharp reports
// in MB. The mark only rises, so this file measures in its own process and measures first.
const highWaterMb = () => sharp.cache().memory.high;

const SPEC = { size: 224, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } as const;

test('a 48-megapixel JPEG is decoded shrunk, never at full size', async () => {
  const width = 8000;
  const height = 6000;
  const fullDecodeMb = (width * height * 3) / 2 ** 20; // about 137 MB
  // Orientation 6 (a phone held upright) is the case where a careless pipeline turns the full
  // image before resizing, which forbids shrink-on-load.
  const photo = await sharp({
    create: { width, height, channels: 3, background: { r: 90, g: 140, b: 200 } },
  })
    .withMetadata({ orientation: 6 })
    .jpeg()
    .toBuffer();
  const beforeMb = highWaterMb();
  assert.ok(beforeMb < fullDecodeMb / 4, `encoding the fixture used ${beforeMb} MB`);

  const tensor = await clipTensor(photo, SPEC);
  const thumbnail = await makeThumbnail(photo);
  const analysis = await analyzePhoto(photo, SPEC);

  const usedMb = highWaterMb();
  assert.ok(usedMb < fullDecodeMb / 4, `decoding peaked at ${usedMb} MB of pixel memory`);
  assert.equal(tensor.length, 3 * 224 * 224);
  assert.deepEqual(analysis.tensor, tensor);
  const shown = await sharp(thumbnail).metadata();
  assert.deepEqual([shown.width, shown.height], [300, 400], 'thumbnail is upright');
  assert.deepEqual([analysis.metadata.width, analysis.metadata.height], [6000, 8000]);

  // The instrument works: a pipeline that must turn the whole image first peaks at full size.
  await sharp(photo).rotate(90).resize(224).raw().toBuffer();
  assert.ok(highWaterMb() >= fullDecodeMb, `a full decode shows as ${highWaterMb()} MB`);
});

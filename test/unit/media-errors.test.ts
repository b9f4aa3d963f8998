import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { analyzePhoto } from '../../src-main/engine/media/analyze.js';
import { PhotoDecodeError } from '../../src-main/engine/media/errors.js';
import type { PhotoDecodeReason } from '../../src-main/engine/media/errors.js';
import { readPhotoMetadata } from '../../src-main/engine/media/metadata.js';
import { readPhotoFile } from '../../src-main/engine/media/photo-file.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { makeThumbnail } from '../../src-main/engine/media/thumbnail.js';

const GOLDEN_IMAGES = path.resolve(
  import.meta.dirname,
  '../../../shared/clip/golden/preprocess/images',
);
const SPEC = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } as const;

/** Those that decode pixels; reading metadata looks at the header only. */
const pixelDecoders = {
  clipTensor: (bytes: Buffer) => clipTensor(bytes, SPEC),
  makeThumbnail: (bytes: Buffer) => makeThumbnail(bytes),
  analyzePhoto: (bytes: Buffer) => analyzePhoto(bytes, SPEC),
};
const decoders = {
  readPhotoMetadata: (bytes: Buffer) => readPhotoMetadata(bytes),
  ...pixelDecoders,
};

async function rejectsWith(
  run: Promise<unknown>,
  reason: PhotoDecodeReason,
  message: RegExp,
): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof PhotoDecodeError, `a PhotoDecodeError, not ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return true;
  });
}

const scratch = await mkdtemp(path.join(os.tmpdir(), 'ferret-media-errors-'));
after(() => rm(scratch, { recursive: true, force: true }));

/** Writes a fixture under a photo's name and reads it back the way the library will. */
async function photoFile(name: string, content: Buffer | string): Promise<Buffer> {
  const file = path.join(scratch, name);
  await writeFile(file, content);
  return readPhotoFile(file);
}

describe('bad input is a PhotoDecodeError with the right reason', () => {
  for (const [name, decode] of Object.entries(decoders)) {
    test(`${name}: zero-byte file`, async () => {
      await rejectsWith(
        decode(await photoFile('empty.jpg', '')),
        'empty',
        /^empty file \(0 bytes\)$/,
      );
    });

    test(`${name}: random bytes named .jpg`, async () => {
      const bytes = await photoFile('noise.jpg', randomBytes(64 * 1024));
      await rejectsWith(decode(bytes), 'not-an-image', /^not an image \(unrecognised format\)$/);
    });

    test(`${name}: a text file renamed .png`, async () => {
      const bytes = await photoFile('notes.png', 'Shopping list:\n- milk\n- bread\n'.repeat(50));
      await rejectsWith(decode(bytes), 'not-an-image', /^not an image/);
    });

    test(`${name}: an SVG drawing`, async () => {
      const svg =
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
      await rejectsWith(decode(await photoFile('drawing.png', svg)), 'not-an-image', /\(svg\)$/);
    });

    test(`${name}: a 600-megapixel panorama`, async () => {
      await rejectsWith(
        decode(await jpegClaiming(30000, 20000)),
        'too-large',
        /^image too large: 30000x20000 pixels exceeds the 268 megapixel limit$/,
      );
    });
  }

  for (const [name, decode] of Object.entries(pixelDecoders)) {
    test(`${name}: a JPEG cut in half`, async () => {
      const whole = await readFile(path.join(GOLDEN_IMAGES, 'leuvenA.jpg'));
      const half = await photoFile('half.jpg', whole.subarray(0, whole.length >> 1));
      await rejectsWith(decode(half), 'corrupt', /^corrupt or truncated image: \S/);
    });

    test(`${name}: a PNG cut in half`, async () => {
      const whole = await readFile(path.join(GOLDEN_IMAGES, 'ela_original.png'));
      const half = await photoFile('half.png', whole.subarray(0, whole.length >> 1));
      await rejectsWith(decode(half), 'corrupt', /^corrupt or truncated image: \S/);
    });
  }

  test('a file that cannot be read', async () => {
    await rejectsWith(readPhotoFile(path.join(scratch, 'gone.jpg')), 'unreadable', /ENOENT/);
    await rejectsWith(readPhotoFile(scratch), 'unreadable', /is not a regular file \(a folder\)$/);
  });
});

test('a large JPEG is not an error', async () => {
  const photo = await sharp({
    create: { width: 8000, height: 6000, channels: 3, background: '#406080' },
  })
    .jpeg()
    .toBuffer();
  const { metadata, tensor } = await analyzePhoto(photo, SPEC);
  assert.deepEqual([metadata.width, metadata.height], [8000, 6000]);
  assert.equal(tensor.length, 3 * 32 * 32);
});

/** A real small JPEG whose frame header claims another size: enough to test the size check. */
async function jpegClaiming(width: number, height: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#fff' } })
    .jpeg()
    .toBuffer();
  const frame = jpeg.indexOf(Buffer.from([0xff, 0xc0])); // SOF0: marker, length, precision, H, W
  assert.ok(frame > 0, 'baseline JPEG has a SOF0 segment');
  jpeg.writeUInt16BE(height, frame + 5);
  jpeg.writeUInt16BE(width, frame + 7);
  return jpeg;
}

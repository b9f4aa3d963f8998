import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { readPhotoMetadata } from '../../src-main/engine/media/metadata.js';
import type { PhotoMetadata } from '../../src-main/engine/media/metadata.js';
import { corpusDir } from '../helpers/corpus.js';

const GOLDEN_IMAGES = path.resolve(
  import.meta.dirname,
  '../../../shared/clip/golden/preprocess/images',
);
const ISO_LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})?$/;

describe('readPhotoMetadata on the corpus camera photos', async () => {
  const dir = await corpusDir();
  const names = (await readdir(dir)).filter((name) => name.startsWith('opencv-')).sort();
  const photos = new Map<string, PhotoMetadata>();
  for (const name of names)
    photos.set(name, await readPhotoMetadata(await readFile(path.join(dir, name))));

  test('sizes and formats agree with the decoder', async () => {
    assert.ok(names.length > 50, `corpus has ${names.length} opencv photos`);
    for (const [name, metadata] of photos) {
      const pixels = await sharp(path.join(dir, name))
        .autoOrient()
        .raw()
        .toBuffer({ resolveWithObject: true });
      assert.deepEqual(
        [metadata.width, metadata.height],
        [pixels.info.width, pixels.info.height],
        name,
      );
      assert.equal(metadata.format, path.extname(name) === '.png' ? 'png' : 'jpeg', name);
    }
  });

  test('camera fields are present on several photos and sane', () => {
    const withCamera = [...photos.values()].filter((m) => m.cameraMake !== null);
    const withDate = [...photos.values()].filter((m) => m.takenAt !== null);
    const withGps = [...photos.values()].filter((m) => m.gps !== null);
    assert.ok(withCamera.length >= 5, `${withCamera.length} photos name their camera`);
    assert.ok(withDate.length >= 5, `${withDate.length} photos carry a date`);
    assert.ok(withGps.length >= 2, `${withGps.length} photos carry a position`);
    for (const m of withCamera) assert.match(m.cameraModel ?? '', /\S/);
    for (const m of withDate) {
      assert.match(m.takenAt ?? '', ISO_LOCAL_TIME);
      const year = Number(m.takenAt?.slice(0, 4));
      assert.ok(year >= 1995 && year <= new Date().getFullYear(), `year ${year}`);
    }
    for (const { gps } of withGps) {
      assert.ok(gps && Math.abs(gps.latitude) <= 90 && Math.abs(gps.longitude) <= 180);
      assert.ok(gps.latitude !== 0 || gps.longitude !== 0);
    }
  });

  test('one photo read field by field', () => {
    const leuven = photos.get('opencv-leuvenA.jpg');
    assert.ok(leuven);
    assert.equal(leuven.cameraMake, 'Apple');
    assert.equal(leuven.cameraModel, 'iPhone 6');
    assert.equal(leuven.takenAt, '2019-04-14T13:46:10');
    assert.equal(leuven.orientation, 1);
    // Leuven, Belgium: 50°52'17.5" N, 4°41'49.14" E.
    assert.ok(Math.abs((leuven.gps?.latitude ?? 0) - (50 + 52 / 60 + 17.5 / 3600)) < 1e-9);
    assert.ok(Math.abs((leuven.gps?.longitude ?? 0) - (4 + 41 / 60 + 49.14 / 3600)) < 1e-9);
    const brazil = photos.get('opencv-ela_original.jpg');
    assert.ok(
      brazil?.gps && brazil.gps.latitude < 0 && brazil.gps.longitude < 0,
      'S and W are negative',
    );
  });
});

describe('readPhotoMetadata details', () => {
  test('size is as shown: orientation 6 swaps width and height', async () => {
    const stored = await readPhotoMetadata(
      await readFile(path.join(GOLDEN_IMAGES, 'leuvenA_rot6.jpg')),
    );
    const header = await sharp(path.join(GOLDEN_IMAGES, 'leuvenA_rot6.jpg')).metadata();
    assert.deepEqual([header.width, header.height], [563, 751]);
    assert.deepEqual([stored.width, stored.height, stored.orientation], [751, 563, 6]);
  });

  test('a photo without EXIF has nulls', async () => {
    const metadata = await readPhotoMetadata(
      await readFile(path.join(GOLDEN_IMAGES, 'wood-d.webp')),
    );
    assert.deepEqual(metadata, {
      width: 4096,
      height: 4096,
      orientation: null,
      format: 'webp',
      takenAt: null,
      cameraMake: null,
      cameraModel: null,
      gps: null,
    });
  });

  test('EXIF survives in PNG and WebP containers', async () => {
    const original = await readFile(path.join(GOLDEN_IMAGES, 'leuvenA.jpg'));
    const expected = await readPhotoMetadata(original);
    for (const format of ['png', 'webp'] as const) {
      const converted = await sharp(original).keepExif().toFormat(format).toBuffer();
      const metadata = await readPhotoMetadata(converted);
      assert.deepEqual(metadata, { ...expected, format }, format);
    }
  });

  test('a TIFF carries its camera in its own tags', async () => {
    const metadata = await readPhotoMetadata(tiffWithCamera('Canon', 'Canon EOS 5D'));
    assert.equal(metadata.format, 'tiff');
    assert.deepEqual([metadata.width, metadata.height], [2, 2]);
    assert.deepEqual([metadata.cameraMake, metadata.cameraModel], ['Canon', 'Canon EOS 5D']);
  });

  async function withDates(exif: Record<string, string>): Promise<string | null> {
    const photo = await sharp({
      create: { width: 8, height: 8, channels: 3, background: '#808080' },
    })
      .withExif({ IFD2: exif })
      .jpeg()
      .toBuffer();
    return (await readPhotoMetadata(photo)).takenAt;
  }

  test('takenAt keeps the camera offset when there is one', async () => {
    assert.equal(
      await withDates({ DateTimeOriginal: '2020:01:02 03:04:05', OffsetTimeOriginal: '+02:00' }),
      '2020-01-02T03:04:05+02:00',
    );
  });

  test('takenAt falls back to the digitised date and rejects placeholders', async () => {
    assert.equal(
      await withDates({ DateTimeDigitized: '2011:12:13 14:15:16' }),
      '2011-12-13T14:15:16',
    );
    assert.equal(await withDates({ DateTimeOriginal: '0000:00:00 00:00:00' }), null);
    assert.equal(await withDates({ DateTimeOriginal: '2019:02:30 10:00:00' }), null);
    assert.equal(await withDates({ DateTimeOriginal: '    :  :     :  :  ' }), null);
  });
});

/** A 2x2 uncompressed RGB TIFF with Make and Model tags (libvips writes no camera tags to TIFF). */
function tiffWithCamera(make: string, model: string): Buffer {
  const SHORT = 3;
  const ASCII = 2;
  const LONG = 4;
  const extras = [
    Buffer.from([8, 0, 8, 0, 8, 0]),
    Buffer.from(`${make}\0`),
    Buffer.from(`${model}\0`),
  ];
  const pixels = Buffer.alloc(2 * 2 * 3, 0x80);
  const entryCount = 11;
  let cursor = 8 + 2 + entryCount * 12 + 4;
  const [bitsAt, makeAt, modelAt, pixelsAt] = [...extras, pixels].map((block) => {
    const at = cursor;
    cursor += block.length;
    return at;
  });
  const entries: Array<[tag: number, type: number, count: number, value: number]> = [
    [256, SHORT, 1, 2], // ImageWidth
    [257, SHORT, 1, 2], // ImageLength
    [258, SHORT, 3, bitsAt], // BitsPerSample
    [259, SHORT, 1, 1], // Compression: none
    [262, SHORT, 1, 2], // PhotometricInterpretation: RGB
    [271, ASCII, extras[1].length, makeAt],
    [272, ASCII, extras[2].length, modelAt],
    [273, LONG, 1, pixelsAt], // StripOffsets
    [277, SHORT, 1, 3], // SamplesPerPixel
    [278, SHORT, 1, 2], // RowsPerStrip
    [279, LONG, 1, pixels.length], // StripByteCounts
  ];
  const head = Buffer.alloc(8 + 2 + entryCount * 12 + 4);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4);
  head.writeUInt16LE(entryCount, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    head.writeUInt16LE(tag, at);
    head.writeUInt16LE(type, at + 2);
    head.writeUInt32LE(count, at + 4);
    if (type === SHORT && count === 1) head.writeUInt16LE(value, at + 8);
    else head.writeUInt32LE(value, at + 8);
  });
  return Buffer.concat([head, ...extras, pixels]);
}

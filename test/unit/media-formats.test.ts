import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { analyzePhoto } from '../../src-main/engine/media/analyze.js';
import type { PhotoAnalysis } from '../../src-main/engine/media/analyze.js';
import { PhotoDecodeError } from '../../src-main/engine/media/errors.js';
import type { PhotoDecodeReason } from '../../src-main/engine/media/errors.js';
import { HeifDecoder, heifDecoder } from '../../src-main/engine/media/heif-decoder.js';
import { readCaptureSettings, readPhotoMetadata } from '../../src-main/engine/media/metadata.js';
import type { CaptureSettings, PhotoMetadata } from '../../src-main/engine/media/metadata.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { makeThumbnail } from '../../src-main/engine/media/thumbnail.js';
import { FORMATS_DIR, corpusDir } from '../helpers/corpus.js';
import { pictureDifference } from '../helpers/pictures.js';

const SPEC = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const;
const GOLDEN_IMAGES = path.resolve(FORMATS_DIR, '../clip/golden/preprocess/images');

after(() => heifDecoder().close());

function formatFile(folder: string, name: string): Promise<Buffer> {
  return readFile(path.join(FORMATS_DIR, folder, name));
}

async function analyze(folder: string, name: string): Promise<PhotoAnalysis> {
  return analyzePhoto(await formatFile(folder, name), SPEC, name);
}

function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, value, i) => sum + Math.abs(value - b[i]!), 0) / a.length;
}

async function rejectsWith(
  run: Promise<unknown>,
  reason: PhotoDecodeReason,
  message: RegExp,
): Promise<PhotoDecodeError> {
  let caught: PhotoDecodeError | undefined;
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof PhotoDecodeError, `a PhotoDecodeError, not ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, message);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    caught = err;
    return true;
  });
  return caught!;
}

describe('HEIC', () => {
  test('each shared file decodes at the size its README gives, as format heic', async () => {
    const sizes: Record<string, [number, number]> = {
      'libheif-example.heic': [1280, 854],
      'libheif-rainbow-451x461.heic': [451, 461],
      'opencv-leuvenA.heic': [751, 563],
      'opencv-ela_original.heic': [902, 770],
      'mate-Storm.heic': [1920, 1280],
      'leuvenA_rot6.heic': [563, 751],
    };
    for (const [name, [width, height]] of Object.entries(sizes)) {
      const { metadata, tensor, thumbnail } = await analyze('heic', name);
      assert.deepEqual([metadata.width, metadata.height], [width, height], name);
      assert.equal(metadata.format, 'heic', name);
      assert.equal(tensor.length, 3 * 224 * 224);
      const shown = await sharp(thumbnail).metadata();
      assert.equal(shown.format, 'webp');
      const scale = 400 / Math.max(width, height);
      assert.deepEqual(
        [shown.width, shown.height],
        [Math.round(width * Math.min(1, scale)), Math.round(height * Math.min(1, scale))],
        name,
      );
    }
  });

  test('dates, cameras and positions come from the HEIF EXIF', async () => {
    const leuven = await readPhotoMetadata(await formatFile('heic', 'opencv-leuvenA.heic'));
    assert.deepEqual({ ...leuven, gps: null }, {
      width: 751,
      height: 563,
      orientation: null,
      format: 'heic',
      takenAt: '2019-04-14T13:46:10',
      cameraMake: 'Apple',
      cameraModel: 'iPhone 6',
      gps: null,
    } satisfies PhotoMetadata);
    assert.ok(Math.abs(leuven.gps!.latitude - (50 + 52 / 60 + 17.5 / 3600)) < 1e-6);
    assert.ok(Math.abs(leuven.gps!.longitude - (4 + 41 / 60 + 49.14 / 3600)) < 1e-6);
    const brazil = await readPhotoMetadata(await formatFile('heic', 'opencv-ela_original.heic'));
    assert.equal(brazil.cameraModel, 'XT1635-02');
    assert.equal(brazil.takenAt, '2018-06-06T22:20:11');
    assert.ok(brazil.gps!.latitude < -23.5 && brazil.gps!.longitude < -47.5, 'S and W');
    const storm = await readPhotoMetadata(await formatFile('heic', 'mate-Storm.heic'));
    assert.deepEqual(
      [storm.cameraMake, storm.cameraModel, storm.takenAt],
      ['Canon', 'Canon EOS 400D DIGITAL', '2008-04-20T19:12:06'],
    );
  });

  test('a HEIC looks like the JPEG it was made from, and gives nearly its tensor', async () => {
    const corpus = await corpusDir();
    for (const name of ['opencv-leuvenA', 'opencv-ela_original', 'mate-Storm']) {
      const jpeg = await readFile(path.join(corpus, `${name}.jpg`));
      const heic = await analyze('heic', `${name}.heic`);
      const difference = await pictureDifference(heic.thumbnail, await makeThumbnail(jpeg));
      assert.ok(difference < 6, `${name}: thumbnails differ by ${difference} grey levels`);
      const mad = meanAbsoluteDifference(heic.tensor, await clipTensor(jpeg, SPEC));
      assert.ok(mad < 0.05, `${name}: tensors differ by ${mad}`);
    }
  });

  test('orientation comes from the container: an EXIF orientation is not applied on top', async () => {
    // Made from the golden JPEG (stored 563x751, tagged Orientation 6, so a JPEG viewer shows
    // it 751x563) by a heif-enc that copied the stored pixels and the EXIF block but wrote no
    // irot/imir: as HEIF and MIAF require (and libheif, libvips and browsers do), the EXIF tag
    // is ignored, so the HEIC shows the stored pixels, portrait, not what the JPEG shows.
    const jpeg = await readFile(path.join(GOLDEN_IMAGES, 'leuvenA_rot6.jpg'));
    const heic = await analyze('heic', 'leuvenA_rot6.heic');
    assert.equal(heic.metadata.orientation, null);
    assert.deepEqual([heic.metadata.width, heic.metadata.height], [563, 751]);
    const thumbnail = await sharp(heic.thumbnail).metadata();
    assert.deepEqual([thumbnail.width, thumbnail.height], [300, 400]);
    const storedPixels = await sharp(jpeg).resize(300, 400).png().toBuffer();
    const difference = await pictureDifference(heic.thumbnail, storedPixels);
    assert.ok(difference < 6, `thumbnail differs from the stored pixels by ${difference}`);
    const asJpegViewersShow = await sharp(jpeg).autoOrient().png().toBuffer();
    const turned = await pictureDifference(heic.thumbnail, asJpegViewersShow);
    assert.ok(turned > 40, `the EXIF turn is not applied (difference ${turned})`);
  });

  test('the primary image of a file holding two', async () => {
    const { metadata } = await analyze('heic', 'libheif-example.heic');
    assert.deepEqual([metadata.width, metadata.height], [1280, 854]);
  });

  test('the colour profile is applied to the thumbnail, not to the tensor', async () => {
    const bytes = await formatFile('heic', 'libheif-rainbow-451x461.heic');
    assert.ok((await sharp(bytes).metadata()).icc, 'the rainbow carries an ICC profile');
    const { thumbnail, tensor } = await analyzePhoto(bytes, SPEC);
    assert.deepEqual(tensor, await clipTensor(bytes, SPEC), 'the tensor of a query is the same');
    assert.deepEqual(
      [...(await sharp(thumbnail).stats()).channels.map((channel) => channel.mean > 0)],
      [true, true, true],
    );
  });
});

describe('camera RAW', () => {
  test('the largest embedded JPEG is shown, described by the RAW’s own EXIF', async () => {
    const fuji = await analyze('raw', 'FujiFilm.raf');
    // The 160x120 thumbnail, not the 8x8 preview.
    assert.deepEqual([fuji.metadata.width, fuji.metadata.height], [160, 120]);
    assert.equal(fuji.metadata.format, 'raf');
    assert.deepEqual(
      [fuji.metadata.cameraMake, fuji.metadata.cameraModel, fuji.metadata.takenAt],
      ['FUJIFILM', 'FinePix S5Pro', '2007-05-22T13:58:30'],
    );
    assert.equal((await sharp(fuji.thumbnail).metadata()).width, 160);
    const panasonic = await analyze('raw', 'Panasonic.rw2');
    assert.deepEqual([panasonic.metadata.width, panasonic.metadata.height], [8, 8]);
    assert.deepEqual(
      [panasonic.metadata.cameraMake, panasonic.metadata.cameraModel, panasonic.metadata.takenAt],
      ['Panasonic', 'DMC-LX3', '2008-08-06T15:21:56'],
    );
  });

  test('a RAW without a usable preview is an error that keeps its camera and date', async () => {
    const expected: Record<string, [string, string, string]> = {
      'CanonRaw.cr2': ['Canon', 'Canon EOS 350D DIGITAL', '2005-08-03T18:59:18'],
      'DNG.dng': ['Canon', 'Canon EOS 350D DIGITAL', '2005-08-03T18:59:18'],
      'Nikon.nef': ['NIKON CORPORATION', 'NIKON D70', '2004-06-09T16:02:35'],
      'CanonRaw.cr3': ['Canon', 'Canon EOS M50', '2018-02-21T12:08:56'],
    };
    for (const [name, [make, model, date]] of Object.entries(expected)) {
      const error = await rejectsWith(
        analyze('raw', name),
        'no-preview',
        /^camera RAW without a usable embedded preview/,
      );
      assert.equal(error.known.format, path.extname(name).slice(1), name);
      assert.equal(error.known.cameraMake, make, name);
      assert.equal(error.known.cameraModel, model, name);
      assert.ok(error.known.takenAt?.startsWith(date), `${name}: ${error.known.takenAt}`);
    }
  });
});

describe('lens and exposure for the info panel', () => {
  // As ExifTool 12.57 reads them from the shared files. mate-Storm's lens is only in Canon's
  // maker notes, which Ferret does not read.
  const expected: Record<string, [string | null, CaptureSettings]> = {
    'heic/opencv-leuvenA.heic': [
      'heic',
      {
        lens: 'Apple iPhone 6 back camera 4.15mm f/2.2',
        exposure: { aperture: 2.2, shutterSeconds: 1 / 1799, iso: 32, focalLength: 4.15 },
      },
    ],
    'heic/mate-Storm.heic': [
      'heic',
      { lens: null, exposure: { aperture: 3.5, shutterSeconds: 0.4, iso: 100, focalLength: 18 } },
    ],
    'raw/FujiFilm.raf': [
      'raf',
      { lens: null, exposure: { aperture: 8, shutterSeconds: 1 / 250, iso: 100, focalLength: 70 } },
    ],
    'raw/CanonRaw.cr3': [
      // Catalogued with an error (no preview): the file still says how it was taken.
      null,
      {
        lens: 'EF-M15-45mm f/3.5-6.3 IS STM',
        exposure: { aperture: 3.5, shutterSeconds: 1 / 80, iso: 12800, focalLength: 15 },
      },
    ],
  };
  /** Shutter times to three digits, as ExifTool prints them. */
  const rounded = ({ lens, exposure }: CaptureSettings): CaptureSettings => ({
    lens,
    exposure: { ...exposure, shutterSeconds: Number(exposure.shutterSeconds?.toPrecision(3)) },
  });
  for (const [file, [format, settings]] of Object.entries(expected)) {
    test(file, async () => {
      const read = await readCaptureSettings(path.join(FORMATS_DIR, file), format);
      assert.deepEqual(rounded(read), rounded(settings));
    });
  }
});

describe('GIF', () => {
  test('the first frame of an animation is the photo', async () => {
    const animated = await analyze('gif', 'butterfly-apple-animated.gif');
    const still = await analyze('gif', 'butterfly-still.gif');
    assert.equal(animated.metadata.format, 'gif');
    assert.deepEqual([animated.metadata.width, animated.metadata.height], [320, 231]);
    assert.deepEqual(animated.tensor, still.tensor);
    const apple = await readFile(path.join(await corpusDir(), 'opencv-apple.jpg'));
    assert.ok((await pictureDifference(animated.thumbnail, await makeThumbnail(apple))) > 20);
  });
});

describe('bad HEIC and RAW files are one-line errors', () => {
  const leuven = () => formatFile('heic', 'opencv-leuvenA.heic');

  test('a zero-byte .heic', async () => {
    await rejectsWith(analyzePhoto(Buffer.alloc(0), SPEC, 'x.heic'), 'empty', /^empty file/);
  });

  test('a truncated HEIC', async () => {
    const whole = await leuven();
    await rejectsWith(
      analyzePhoto(whole.subarray(0, whole.length >> 1), SPEC),
      'corrupt',
      /^corrupt or truncated/,
    );
  });

  test('a HEIC whose HEVC stream is corrupt', async () => {
    const broken = Buffer.from(await leuven());
    const mdat = broken.indexOf('mdat', 0, 'latin1');
    broken.fill(0xff, mdat + 4, mdat + 68);
    const error = await rejectsWith(
      analyzePhoto(broken, SPEC),
      'corrupt',
      /^corrupt or truncated HEIC: /,
    );
    assert.equal(error.known.cameraModel, 'iPhone 6', 'its metadata is kept');
  });

  test('a .cr2 that is really a JPEG', async () => {
    const jpeg = await readFile(path.join(GOLDEN_IMAGES, 'leuvenA.jpg'));
    await rejectsWith(
      analyzePhoto(jpeg, SPEC, 'IMG_0001.CR2'),
      'not-an-image',
      /^not a camera RAW: the file is named \.cr2 but it holds a jpeg image$/,
    );
  });

  test('a RAW whose preview is corrupt', async () => {
    const raw = Buffer.from(await formatFile('raw', 'Panasonic.rw2'));
    const jpeg = raw.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
    // Its scan asks for Huffman tables the JPEG never defines.
    const scan = raw.indexOf(Buffer.from([0xff, 0xda]), jpeg);
    for (let component = 0; component < raw[scan + 4]!; component++) {
      raw[scan + 6 + 2 * component] = 0x33;
    }
    const error = await rejectsWith(
      analyzePhoto(raw, SPEC, 'P1000.RW2'),
      'corrupt',
      /^corrupt or truncated image: .*Huffman table/,
    );
    assert.equal(error.known.cameraModel, 'DMC-LX3');
  });
});

describe('the HEIC decoder’s memory stays bounded', () => {
  test('hundreds of decodes leave its WebAssembly memory where the first left it', async () => {
    const decoder = new HeifDecoder({ threads: 1 });
    try {
      const bytes = await formatFile('heic', 'libheif-rainbow-451x461.heic');
      const heaps: number[] = [];
      for (let i = 0; i < 300; i++) heaps.push((await decoder.decode(bytes)).heapBytes);
      assert.equal(Math.max(...heaps), heaps[0], `heap grew: ${heaps[0]} to ${Math.max(...heaps)}`);
      assert.equal(decoder.threadsStarted, 1);
    } finally {
      await decoder.close();
    }
  });

  test('a decoder whose memory passed the limit is replaced, and the next file decodes', async () => {
    const decoder = new HeifDecoder({ threads: 1, maxHeapBytes: 1 });
    try {
      const bytes = await formatFile('heic', 'libheif-rainbow-451x461.heic');
      for (let i = 0; i < 3; i++) assert.equal((await decoder.decode(bytes)).width, 451);
      assert.equal(decoder.threadsStarted, 3);
    } finally {
      await decoder.close();
    }
  });

  test('a bad file does not cost the decoder: the next one decodes on the same thread', async () => {
    const decoder = new HeifDecoder({ threads: 1 });
    try {
      const good = await formatFile('heic', 'libheif-rainbow-451x461.heic');
      await assert.rejects(decoder.decode(good.subarray(0, 100)), PhotoDecodeError);
      assert.equal((await decoder.decode(good)).height, 461);
      assert.equal(decoder.threadsStarted, 1);
    } finally {
      await decoder.close();
    }
  });
});

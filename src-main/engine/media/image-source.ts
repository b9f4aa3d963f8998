import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { PhotoDecodeError } from './errors.js';
import { parseOrientation } from './orientation.js';
import type { Orientation } from './orientation.js';
import { errorMessage } from '../../contract/format.js';

/** libvips's own decompression-bomb guard (0x3FFF squared, about 268 megapixels). */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** Container formats (as sharp names them) whose pixels Ferret reads as photos. */
const PHOTO_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif']);

/** A photo's bytes whose header has been read and found decodable. */
export interface ImageSource {
  /** The file's bytes, or decoded pixels when `pixels` is set. */
  readonly bytes: Buffer;
  /** The file's header: sizes in it are the full stored size even when `bytes` are smaller. */
  readonly header: Metadata;
  /** The EXIF orientation, null when absent or invalid (then the pixels are shown as stored). */
  readonly orientation: Orientation | null;
  /** Set for a reduced copy: `bytes` are interleaved 8-bit pixels, stored orientation. */
  readonly pixels?: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/** Reads the header only; throws PhotoDecodeError when the bytes cannot be a photo we decode. */
export async function openImage(bytes: Buffer): Promise<ImageSource> {
  if (bytes.length === 0) throw new PhotoDecodeError('empty', 'empty file (0 bytes)');
  // The header is read without the pixel limit so an oversized image is reported with its size.
  const header = await render(sharp(bytes, { limitInputPixels: false }).metadata());
  if (!PHOTO_FORMATS.has(header.format)) {
    throw new PhotoDecodeError(
      'not-an-image',
      `not a photo format Ferret reads (${header.format})`,
    );
  }
  if (header.format === 'heif' && header.compression !== 'av1') {
    throw new PhotoDecodeError(
      'not-an-image',
      'HEIC (HEVC) images cannot be decoded by this build',
    );
  }
  if (header.width * header.height > MAX_INPUT_PIXELS) {
    const limit = Math.round(MAX_INPUT_PIXELS / 1e6);
    throw new PhotoDecodeError(
      'too-large',
      `image too large: ${header.width}x${header.height} pixels exceeds the ${limit} megapixel limit`,
    );
  }
  return { bytes, header, orientation: parseOrientation(header.orientation) };
}

/**
 * A pipeline over the source's pixels. `as-stored` leaves embedded ICC profiles unapplied (what
 * the CLIP reference does); `display` converts to sRGB through them (what a viewer shows).
 * Truncated or broken pixel data fails rather than being half-decoded; libjpeg's mere warnings
 * (stray bytes after the image and the like) are tolerated, as every photo viewer does.
 */
export function decode(source: ImageSource, colour: 'as-stored' | 'display'): Sharp {
  if (source.pixels !== undefined) {
    return sharp(source.bytes, { raw: source.pixels, limitInputPixels: MAX_INPUT_PIXELS });
  }
  return sharp(source.bytes, {
    failOn: 'error',
    limitInputPixels: MAX_INPUT_PIXELS,
    ignoreIcc: colour === 'as-stored',
  });
}

/**
 * The photo decoded once, shrunk (never enlarged) so that its short side is `minShortSide`, for
 * the several outputs indexing makes from one photo: decoding is most of indexing's cost, and a
 * large PNG or WebP has no shrink-on-load. Only a photo without a colour profile can be shared,
 * since CLIP reads the stored colours and a viewer shows the profile's; any other comes back as
 * it is, to be decoded by each use.
 */
export async function reducedCopy(source: ImageSource, minShortSide: number): Promise<ImageSource> {
  const { header } = source;
  const shareable =
    source.pixels === undefined &&
    header.icc === undefined &&
    header.depth === 'uchar' &&
    (header.space === 'srgb' || header.space === 'b-w');
  if (!shareable) return source;
  const scale = Math.min(1, minShortSide / Math.min(header.width, header.height));
  const pipeline = decode(source, 'as-stored').resize(
    Math.max(1, Math.round(header.width * scale)),
    Math.max(1, Math.round(header.height * scale)),
    { fit: 'fill' },
  );
  const { data, info } = await render(pipeline.raw().toBuffer({ resolveWithObject: true }));
  return {
    ...source,
    bytes: data,
    pixels: { width: info.width, height: info.height, channels: info.channels },
  };
}

/** The pipeline turned and mirrored to show the photo upright. */
export function upright(pipeline: Sharp, source: ImageSource): Sharp {
  // sharp reads the file's own tag, and then still shrinks on load.
  if (source.pixels === undefined) return pipeline.autoOrient();
  // A reduced copy has no tag. sharp mirrors before it rotates, whatever the call order.
  switch (source.orientation) {
    case null:
    case 1:
      return pipeline;
    case 2:
      return pipeline.flop();
    case 3:
      return pipeline.rotate(180);
    case 4:
      return pipeline.flip();
    case 5:
      return pipeline.flop().rotate(270);
    case 6:
      return pipeline.rotate(90);
    case 7:
      return pipeline.flop().rotate(90);
    case 8:
      return pipeline.rotate(270);
  }
}

/** Awaits a sharp result, turning any libvips failure into a PhotoDecodeError. */
export async function render<T>(output: Promise<T>): Promise<T> {
  try {
    return await output;
  } catch (err) {
    throw toDecodeError(err);
  }
}

function toDecodeError(err: unknown): PhotoDecodeError {
  const detail = firstLine(errorMessage(err));
  if (/unsupported image format/i.test(detail)) {
    return new PhotoDecodeError('not-an-image', 'not an image (unrecognised format)', {
      cause: err,
    });
  }
  if (/exceeds pixel limit/i.test(detail)) {
    return new PhotoDecodeError('too-large', `image too large: ${detail}`, { cause: err });
  }
  return new PhotoDecodeError('corrupt', `corrupt or truncated image: ${detail}`, { cause: err });
}

function firstLine(message: string): string {
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown decoder error'
  );
}

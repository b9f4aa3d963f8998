import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { PhotoDecodeError } from './errors.js';
import { parseOrientation } from './orientation.js';
import type { Orientation } from './orientation.js';

/** libvips's own decompression-bomb guard (0x3FFF squared, about 268 megapixels). */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** Container formats (as sharp names them) whose pixels Ferret reads as photos. */
const PHOTO_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif']);

/** A photo's bytes whose header has been read and found decodable. */
export interface ImageSource {
  readonly bytes: Buffer;
  readonly header: Metadata;
  /** The EXIF orientation, null when absent or invalid (then the pixels are shown as stored). */
  readonly orientation: Orientation | null;
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
  return sharp(source.bytes, {
    failOn: 'error',
    limitInputPixels: MAX_INPUT_PIXELS,
    ignoreIcc: colour === 'as-stored',
  });
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
  const detail = firstLine(err instanceof Error ? err.message : String(err));
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

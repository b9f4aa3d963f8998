import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { readCameraRaw } from './camera-raw.js';
import { MAX_INPUT_PIXELS, PhotoDecodeError, firstLine, tooManyPixels } from './errors.js';
import { describeExif } from './exif-fields.js';
import type { ExifFields } from './exif-fields.js';
import { heifDecoder } from './heif-decoder.js';
import { rawFormatOf } from './image-files.js';
import { containerFormat } from './media-type.js';
import { parseOrientation } from './orientation.js';
import type { Orientation } from './orientation.js';
import { errorMessage } from '../../contract/format.js';

/** Container formats (as sharp names them) whose pixels Ferret reads as photos. */
const PHOTO_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'heif', 'gif']);

/** A photo's bytes whose header has been read and found decodable. */
export interface ImageSource {
  /** The file's bytes (a camera RAW's: its embedded JPEG), or decoded pixels when `pixels` is set. */
  readonly bytes: Buffer;
  /**
   * What the catalog records as the photo's format: jpeg, png, webp, tiff, gif, avif, heic, or
   * a camera RAW's extension (cr2, nef…).
   */
  readonly format: string;
  /** A camera RAW's own EXIF fields, read already; otherwise the header's EXIF block is read. */
  readonly exif?: ExifFields;
  /** The file's header: sizes in it are the full stored size even when `bytes` are smaller. */
  readonly header: Metadata;
  /** The EXIF orientation, null when absent or invalid (then the pixels are shown as stored). */
  readonly orientation: Orientation | null;
  /** Set for a reduced copy: `bytes` are interleaved 8-bit pixels, stored orientation. */
  readonly pixels?: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
}

/**
 * Reads the header only; throws PhotoDecodeError when the bytes cannot be a photo we decode.
 * `fileName` says whether the bytes are a camera RAW: their content alone does not, since many
 * RAWs are TIFF files.
 */
export async function openImage(bytes: Buffer, fileName = ''): Promise<ImageSource> {
  if (bytes.length === 0) throw new PhotoDecodeError('empty', 'empty file (0 bytes)');
  const rawFormat = rawFormatOf(fileName);
  if (rawFormat !== null) return openCameraRaw(bytes, rawFormat);
  const header = await readHeader(bytes);
  if (header.format === 'heif') {
    // libheif applies the container's rotation and mirroring (irot, imir) while decoding, and
    // libvips does too for AVIF: an EXIF orientation in the file must not turn it a second time.
    const format = header.compression === 'av1' ? 'avif' : 'heic';
    return { bytes, header, format, orientation: null };
  }
  return {
    bytes,
    header,
    format: header.format,
    orientation: parseOrientation(header.orientation),
  };
}

/** A camera RAW is shown through its largest embedded JPEG, described by its own EXIF. */
async function openCameraRaw(bytes: Buffer, format: string): Promise<ImageSource> {
  const { preview, exif } = await readCameraRaw(bytes, format);
  const known = { format, ...describeExif(exif) };
  if (preview === null) {
    throw new PhotoDecodeError(
      'no-preview',
      `camera RAW without a usable embedded preview: Ferret shows a .${format} through the JPEG the camera stores in it`,
      { known },
    );
  }
  let header: Metadata;
  try {
    header = await readHeader(preview);
  } catch (error) {
    throw new PhotoDecodeError(
      'corrupt',
      `the camera RAW's embedded preview is corrupt: ${errorMessage(error)}`,
      { cause: error, known },
    );
  }
  const orientation =
    parseOrientation(exif.Orientation as number | undefined) ??
    parseOrientation(header.orientation);
  return { bytes: preview, header, format, exif, orientation };
}

async function readHeader(bytes: Buffer): Promise<Metadata> {
  const container = containerFormat(bytes);
  if (container === null) {
    throw new PhotoDecodeError('not-an-image', 'not an image (unrecognised format)');
  }
  if (!PHOTO_FORMATS.has(container)) {
    throw new PhotoDecodeError('not-an-image', `not a photo format Ferret reads (${container})`);
  }
  // The header is read without the pixel limit so an oversized image is reported with its size.
  const header = await render(sharp(bytes, { limitInputPixels: false }).metadata());
  if (!PHOTO_FORMATS.has(header.format)) {
    throw new PhotoDecodeError(
      'not-an-image',
      `not a photo format Ferret reads (${header.format})`,
    );
  }
  const tooLarge = tooManyPixels(header.width, header.height);
  if (tooLarge !== null) throw tooLarge;
  return header;
}

/**
 * A pipeline over the source's pixels. `as-stored` leaves embedded ICC profiles unapplied (what
 * the CLIP reference does); `display` converts to sRGB through them (what a viewer shows).
 * Truncated or broken pixel data fails rather than being half-decoded; libjpeg's mere warnings
 * (stray bytes after the image and the like) are tolerated, as every photo viewer does.
 */
export async function decode(source: ImageSource, colour: 'as-stored' | 'display'): Promise<Sharp> {
  const profile = colour === 'display' ? source.header.icc : undefined;
  if (source.pixels !== undefined) return pixelPipeline(source.bytes, source.pixels, profile);
  if (source.format === 'heic') {
    const decoded = await heifDecoder().decode(source.bytes);
    const pixels = Buffer.from(decoded.pixels.buffer, 0, decoded.pixels.byteLength);
    return pixelPipeline(pixels, decoded, profile);
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
  // A HEIC is decoded once whatever its colours: decoding it is by far the dearest step, and
  // its copy keeps the profile for the thumbnail to apply (see pixelPipeline).
  const shareable =
    source.pixels === undefined &&
    (source.format === 'heic' ||
      (header.icc === undefined &&
        header.depth === 'uchar' &&
        (header.space === 'srgb' || header.space === 'b-w')));
  if (!shareable) return source;
  const scale = Math.min(1, minShortSide / Math.min(header.width, header.height));
  const pipeline = (await decode(source, 'as-stored')).resize(
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
  const tagged = parseOrientation(source.header.orientation) === source.orientation;
  if (source.pixels === undefined && tagged) return pipeline.autoOrient();
  // A reduced copy has no tag, and a RAW's preview may lack the RAW's. sharp mirrors before it
  // rotates, whatever the call order.
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
  // libvips says "Unknown error" when a JPEG's scan data stops mid-stream: no detail at all.
  const message = /^unknown error$/i.test(detail)
    ? 'corrupt or truncated image: the picture data stops or is damaged'
    : `corrupt or truncated image: ${detail}`;
  return new PhotoDecodeError('corrupt', message, { cause: err });
}

/**
 * Decoded pixels as a pipeline. With a colour profile, the pixels are wrapped in a PNG that
 * carries it (sharp takes no profile for raw input), so that libvips converts through it to
 * sRGB as it does for any file with a profile.
 */
async function pixelPipeline(
  pixels: Buffer,
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
  profile: Buffer | undefined,
): Promise<Sharp> {
  const raw = sharp(pixels, { raw: info, limitInputPixels: MAX_INPUT_PIXELS });
  if (profile === undefined) return raw;
  const png = await render(raw.png({ compressionLevel: 0 }).toBuffer());
  return sharp(withColourProfile(png, profile), { limitInputPixels: MAX_INPUT_PIXELS });
}

/** The PNG with an iCCP chunk holding `profile`, placed after the header chunk as PNG requires. */
function withColourProfile(png: Buffer, profile: Buffer): Buffer {
  const headerEnd = 8 + 25; // the signature, then IHDR: length, type, 13 bytes of data, CRC
  const body = Buffer.concat([
    Buffer.from('iCCP', 'latin1'),
    Buffer.from('icc\0\0', 'latin1'), // profile name, its terminator, deflate
    deflateSync(profile),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length - 4);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(body));
  return Buffer.concat([
    png.subarray(0, headerEnd),
    length,
    body,
    checksum,
    png.subarray(headerEnd),
  ]);
}

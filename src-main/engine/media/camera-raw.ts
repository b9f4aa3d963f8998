import exifr from 'exifr';
import sharp from 'sharp';
import { PhotoDecodeError } from './errors.js';
import { readExifBlock, readExifFields } from './exif-fields.js';
import type { ExifFields } from './exif-fields.js';

/** What Ferret uses from a camera RAW: its largest embedded JPEG and its own EXIF. */
export interface CameraRaw {
  /** The largest JPEG the camera embedded (it runs to the end of the file), or null. */
  preview: Buffer | null;
  exif: ExifFields;
}

type Container = 'tiff' | 'raf' | 'cr3';

/**
 * Reads a file named as a camera RAW. Throws PhotoDecodeError when it is not one (a JPEG
 * renamed .cr2); a RAW without a usable preview comes back with `preview` null.
 */
export async function readCameraRaw(bytes: Buffer, format: string): Promise<CameraRaw> {
  if (bytes.length === 0) throw new PhotoDecodeError('empty', 'empty file (0 bytes)');
  const container = containerOf(bytes);
  if (container === null) throw await notARaw(bytes, format);
  return { preview: largestEmbeddedJpeg(bytes), exif: await ownExif(bytes, container) };
}

/** Which RAW container the bytes are, from their signature. */
function containerOf(bytes: Buffer): Container | null {
  const head = bytes.subarray(0, 16).toString('latin1');
  // TIFF in either byte order, and the variants Panasonic (IIU) and Olympus (IIRO, IIRS, MMOR) use.
  if (/^(II\*\0|MM\0\*|IIU\0|IIRO|IIRS|MMOR)/.test(head)) return 'tiff';
  if (head.startsWith('FUJIFILMCCD-RAW')) return 'raf';
  if (head.slice(4, 12) === 'ftypcrx ') return 'cr3';
  return null;
}

async function notARaw(bytes: Buffer, format: string): Promise<PhotoDecodeError> {
  const actual = await sharp(bytes)
    .metadata()
    .then((header) => header.format as string)
    .catch(() => null);
  const what = actual === null ? 'its content is not a camera RAW' : `it holds a ${actual} image`;
  return new PhotoDecodeError(
    'not-an-image',
    `not a camera RAW: the file is named .${format} but ${what}`,
  );
}

const SOI = Buffer.from([0xff, 0xd8, 0xff]);

/**
 * The largest JPEG inside the file, by pixels: cameras store one or more (a thumbnail, a
 * screen-size preview, often a full-size one) at places each maker records differently, so the
 * file is searched for every JPEG start whose frame header a decoder can read. Lossless JPEG
 * (how some cameras store the sensor data itself) has another frame type and is passed over.
 */
export function largestEmbeddedJpeg(bytes: Buffer): Buffer | null {
  let best: { offset: number; pixels: number } | null = null;
  for (let at = bytes.indexOf(SOI); at !== -1; at = bytes.indexOf(SOI, at + SOI.length)) {
    const frame = jpegFrameSize(bytes, at);
    if (frame === null) continue;
    const pixels = frame.width * frame.height;
    if (best === null || pixels > best.pixels) best = { offset: at, pixels };
  }
  return best === null ? null : bytes.subarray(best.offset);
}

/** Baseline, extended and progressive Huffman JPEG: what every JPEG decoder reads. */
const DECODABLE_FRAMES: ReadonlySet<number> = new Set([0xc0, 0xc1, 0xc2]);

/** The size in a JPEG's frame header (walking its segments from `start`), or null if none. */
function jpegFrameSize(bytes: Buffer, start: number): { width: number; height: number } | null {
  let at = start + 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (!DECODABLE_FRAMES.has(marker) || at + 9 > bytes.length) return null;
      const height = bytes.readUInt16BE(at + 5);
      const width = bytes.readUInt16BE(at + 7);
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // image end or data before any frame
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return null;
}

/** A RAF keeps its EXIF in the JPEG whose place its header gives (at byte 84). */
async function rafExif(bytes: Buffer): Promise<ExifFields> {
  const jpegAt = bytes.length >= 88 ? bytes.readUInt32BE(84) : 0;
  if (jpegAt === 0 || jpegAt >= bytes.length) return {};
  const exif = await sharp(bytes.subarray(jpegAt))
    .metadata()
    .then((header) => header.exif)
    .catch(() => undefined);
  return exif === undefined ? {} : readExifBlock(exif);
}

async function ownExif(bytes: Buffer, container: Container): Promise<ExifFields> {
  switch (container) {
    case 'tiff':
      return readExifFields(bytes);
    case 'raf':
      return rafExif(bytes);
    case 'cr3':
      return cr3Exif(bytes);
  }
}

/** CR3 EXIF tags that are stored outside IFD0, by number (CMT2 holds the EXIF IFD on its own). */
const CR3_EXIF_TAGS: Record<string, string> = {
  '33434': 'ExposureTime',
  '33437': 'FNumber',
  '34855': 'ISO',
  '36867': 'DateTimeOriginal',
  '36868': 'CreateDate',
  '36881': 'OffsetTimeOriginal',
  '36882': 'OffsetTimeDigitized',
  '37386': 'FocalLength',
  '42035': 'LensMake',
  '42036': 'LensModel',
};

/**
 * A CR3 (ISO base media file) splits its EXIF over boxes that each hold a TIFF structure: CMT1
 * the main IFD (camera), CMT2 the EXIF IFD (dates). exifr reads each as a TIFF whose first IFD
 * it takes for the main one, so the EXIF IFD's tags arrive by number.
 */
async function cr3Exif(bytes: Buffer): Promise<ExifFields> {
  const fields: ExifFields = {};
  const main = cr3Box(bytes, 'CMT1');
  if (main !== null) Object.assign(fields, await readExifFields(main));
  const exif = cr3Box(bytes, 'CMT2');
  if (exif !== null) {
    try {
      const raw = (await exifr.parse(exif, {
        ifd0: { pick: Object.keys(CR3_EXIF_TAGS).map(Number) },
        translateKeys: false,
        reviveValues: false,
      })) as Record<string, unknown> | undefined;
      for (const [tag, value] of Object.entries(raw ?? {})) {
        const name = CR3_EXIF_TAGS[tag];
        if (name !== undefined) fields[name] = value;
      }
    } catch {
      // A damaged block reads as empty, as everywhere else.
    }
  }
  return fields;
}

/** The body of the first box of this type inside a CR3's metadata (boxes are size, type, body). */
function cr3Box(bytes: Buffer, type: string): Buffer | null {
  const at = bytes.indexOf(type, 0, 'latin1');
  if (at < 4) return null;
  const size = bytes.readUInt32BE(at - 4);
  const end = at - 4 + size;
  return size > 8 && end <= bytes.length ? bytes.subarray(at + 4, end) : null;
}

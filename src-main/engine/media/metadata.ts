import exifr from 'exifr';
import { openImage } from './image-source.js';
import type { ImageSource } from './image-source.js';
import { swapsAxes } from './orientation.js';
import type { Orientation } from './orientation.js';

export interface GpsPosition {
  latitude: number;
  longitude: number;
}

export interface PhotoMetadata {
  /** Size as a viewer shows the photo, i.e. after the EXIF orientation. */
  width: number;
  height: number;
  orientation: Orientation | null;
  /** jpeg, png, webp, tiff or avif. */
  format: string;
  /**
   * When the photo was taken, ISO 8601. Cameras record wall-clock time: the string carries an
   * offset only when the camera wrote one (OffsetTimeOriginal), else it is local time.
   */
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  gps: GpsPosition | null;
}

const EXIF_TAGS = [
  'Make',
  'Model',
  'DateTimeOriginal',
  'OffsetTimeOriginal',
  'CreateDate',
  'OffsetTimeDigitized',
  'GPSLatitude',
  'GPSLatitudeRef',
  'GPSLongitude',
  'GPSLongitudeRef',
];

/** The APP1 marker's prefix that sharp leaves in front of the TIFF structure exifr reads. */
const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');

export async function readPhotoMetadata(bytes: Buffer): Promise<PhotoMetadata> {
  return metadataFrom(await openImage(bytes));
}

export async function metadataFrom(source: ImageSource): Promise<PhotoMetadata> {
  const { header, orientation } = source;
  const swapped = orientation !== null && swapsAxes(orientation);
  const exif = await readExif(source);
  return {
    width: swapped ? header.height : header.width,
    height: swapped ? header.width : header.height,
    orientation,
    format: header.format === 'heif' ? 'avif' : header.format,
    takenAt:
      exifDate(exif.DateTimeOriginal, exif.OffsetTimeOriginal) ??
      exifDate(exif.CreateDate, exif.OffsetTimeDigitized),
    cameraMake: text(exif.Make),
    cameraModel: text(exif.Model),
    gps: position(exif.latitude, exif.longitude),
  };
}

/**
 * The EXIF fields, raw (dates as the camera wrote them, not as Date objects in this machine's
 * time zone). A damaged EXIF block must not cost the user the photo itself, so it reads as empty.
 */
async function readExif(source: ImageSource): Promise<Record<string, unknown>> {
  const block = exifBlock(source);
  if (block === null) return {};
  try {
    const fields: unknown = await exifr.parse(block, { pick: EXIF_TAGS, reviveValues: false });
    return typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Sharp hands over the EXIF of every container it reads except TIFF, which is itself one. */
function exifBlock(source: ImageSource): Buffer | null {
  const { exif, format } = source.header;
  if (exif !== undefined) {
    return exif.subarray(0, EXIF_PREFIX.length).equals(EXIF_PREFIX)
      ? exif.subarray(EXIF_PREFIX.length)
      : exif;
  }
  return format === 'tiff' ? source.bytes : null;
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const EXIF_OFFSET = /^[+-]\d{2}:\d{2}$/;

/** "2019:04:14 13:46:10" (+ "+02:00") to "2019-04-14T13:46:10(+02:00)"; null for blanks/zeros. */
function exifDate(value: unknown, offset: unknown): string | null {
  const match = typeof value === 'string' ? EXIF_DATE.exec(value.trim()) : null;
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1);
  const local = `${year}-${month}-${day}T${hour}:${minute}:${second}`;
  // A date that does not survive a round trip (0000:00:00, 2019:02:30) is a placeholder.
  const time = Date.parse(`${local}Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== local) return null;
  const zone = typeof offset === 'string' && EXIF_OFFSET.test(offset.trim()) ? offset.trim() : '';
  return local + zone;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\0/g, '').trim();
  return trimmed === '' ? null : trimmed;
}

function position(latitude: unknown, longitude: unknown): GpsPosition | null {
  const valid =
    typeof latitude === 'number' &&
    typeof longitude === 'number' &&
    Math.abs(latitude) <= 90 &&
    Math.abs(longitude) <= 180;
  return valid ? { latitude, longitude } : null;
}

/** How the photo was taken, beyond what the catalog keeps: read from the file when asked. */
export interface CaptureSettings {
  lens: string | null;
  aperture: number | null;
  shutterSeconds: number | null;
  iso: number | null;
  focalLength: number | null;
}

const CAPTURE_TAGS = ['LensModel', 'LensMake', 'FNumber', 'ExposureTime', 'ISO', 'FocalLength'];

/**
 * The lens and exposure of a photo file. exifr reads only the chunks that hold the EXIF, so the
 * info panel does not cost a full read of a large file; a file without EXIF has none of them.
 */
export async function readCaptureSettings(file: string): Promise<CaptureSettings> {
  let exif: Record<string, unknown> = {};
  try {
    const fields: unknown = await exifr.parse(file, { pick: CAPTURE_TAGS });
    if (typeof fields === 'object' && fields !== null) exif = fields as Record<string, unknown>;
  } catch {
    // A damaged EXIF block leaves the fields unknown, as at indexing.
  }
  const model = text(exif.LensModel);
  const make = text(exif.LensMake);
  return {
    lens: model !== null && make !== null && !model.startsWith(make) ? `${make} ${model}` : model,
    aperture: positive(exif.FNumber),
    shutterSeconds: positive(exif.ExposureTime),
    iso: positive(Array.isArray(exif.ISO) ? exif.ISO[0] : exif.ISO),
    focalLength: positive(exif.FocalLength),
  };
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

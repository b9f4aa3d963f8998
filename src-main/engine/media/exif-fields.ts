import exifr from 'exifr';

export interface GpsPosition {
  latitude: number;
  longitude: number;
}

/** What the catalog records from a photo's EXIF. */
export interface ExifDescription {
  /**
   * When the photo was taken, ISO 8601. Cameras record wall-clock time: the string carries an
   * offset only when the camera wrote one (OffsetTimeOriginal), else it is local time.
   */
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  gps: GpsPosition | null;
}

/** EXIF fields as exifr names them, raw (dates as the camera wrote them). */
export type ExifFields = Record<string, unknown>;

/** The lens and exposure tags, as exifr names them. */
export const CAPTURE_TAGS = [
  'LensModel',
  'LensMake',
  'FNumber',
  'ExposureTime',
  'ISO',
  'FocalLength',
];

const EXIF_TAGS = [
  'Orientation',
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
  // How it was taken, for the info panel: read with the rest when the whole file is read anyway.
  ...CAPTURE_TAGS,
];

/**
 * The fields of a TIFF structure (an EXIF block, a TIFF file, a TIFF-based RAW), raw: dates as
 * the camera wrote them, not as Date objects in this machine's time zone. A damaged EXIF block
 * must not cost the user the photo itself, so it reads as empty.
 */
export async function readExifFields(block: Buffer): Promise<ExifFields> {
  try {
    const fields: unknown = await exifr.parse(block, { pick: EXIF_TAGS, reviveValues: false });
    return typeof fields === 'object' && fields !== null ? (fields as ExifFields) : {};
  } catch {
    return {};
  }
}

/** The APP1 marker's prefix that sharp leaves in front of the TIFF structure exifr reads. */
const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');

/** The fields of an EXIF block as sharp hands it over (with or without the APP1 prefix). */
export function readExifBlock(block: Buffer): Promise<ExifFields> {
  const prefixed = block.subarray(0, EXIF_PREFIX.length).equals(EXIF_PREFIX);
  return readExifFields(prefixed ? block.subarray(EXIF_PREFIX.length) : block);
}

export function describeExif(exif: ExifFields): ExifDescription {
  return {
    takenAt:
      exifDate(exif.DateTimeOriginal, exif.OffsetTimeOriginal) ??
      exifDate(exif.CreateDate, exif.OffsetTimeDigitized),
    cameraMake: exifText(exif.Make),
    cameraModel: exifText(exif.Model),
    gps: position(exif.latitude, exif.longitude),
  };
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

/** A text field without its padding; null when blank. */
export function exifText(value: unknown): string | null {
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

import exifr from 'exifr';
import type { PhotoDetails } from '../../contract/api.js';
import {
  CAPTURE_TAGS,
  describeExif,
  exifText,
  readExifBlock,
  readExifFields,
} from './exif-fields.js';
import type { ExifDescription, ExifFields } from './exif-fields.js';
import { readCameraRaw } from './camera-raw.js';
import { rawFormatOf } from './image-files.js';
import { openImage } from './image-source.js';
import type { ImageSource } from './image-source.js';
import { swapsAxes } from './orientation.js';
import { readPhotoFile } from './photo-file.js';
import type { Orientation } from './orientation.js';

export type { GpsPosition } from './exif-fields.js';

export interface PhotoMetadata extends ExifDescription {
  /** Size as a viewer shows the photo, i.e. after the EXIF orientation. */
  width: number;
  height: number;
  orientation: Orientation | null;
  /** jpeg, png, webp, tiff, gif, avif, heic, or a camera RAW's extension (cr2, nef…). */
  format: string;
}

export async function readPhotoMetadata(bytes: Buffer, fileName = ''): Promise<PhotoMetadata> {
  return metadataFrom(await openImage(bytes, fileName));
}

export async function metadataFrom(source: ImageSource): Promise<PhotoMetadata> {
  const { header, orientation } = source;
  const swapped = orientation !== null && swapsAxes(orientation);
  return {
    width: swapped ? header.height : header.width,
    height: swapped ? header.width : header.height,
    orientation,
    format: source.format,
    ...describeExif(source.exif ?? (await readExif(source))),
  };
}

/**
 * Sharp hands over the EXIF of every container it reads except TIFF, which is itself one. A
 * HEIC's block is read for its dates and camera only: its orientation belongs to the container.
 */
async function readExif(source: ImageSource): Promise<ExifFields> {
  const { exif, format } = source.header;
  if (exif !== undefined) return readExifBlock(exif);
  return format === 'tiff' ? readExifFields(source.bytes) : {};
}

/** How the photo was taken, beyond what the catalog keeps: read from the file when asked. */
export type CaptureSettings = Pick<PhotoDetails, 'lens' | 'exposure'>;

/** A file whose capture settings are not read (gone, or never decoded). */
export const NO_CAPTURE_SETTINGS: CaptureSettings = {
  lens: null,
  exposure: { aperture: null, shutterSeconds: null, iso: null, focalLength: null },
};

/**
 * The lens and exposure of a photo file (`format` as the catalog records it). exifr reads only
 * the chunks that hold the EXIF, so the info panel does not cost a full read of a large file.
 * A HEIC's EXIF item and a camera RAW's EXIF (a RAF's inside its JPEG, a CR3's in its CMT
 * boxes) are read as indexing reads them. A file without EXIF has none of them.
 */
export async function readCaptureSettings(
  file: string,
  format: string | null,
): Promise<CaptureSettings> {
  let exif: ExifFields = {};
  try {
    const raw = rawFormatOf(file);
    if (raw !== null) {
      exif = (await readCameraRaw(await readPhotoFile(file), raw)).exif;
    } else if (format === 'heic') {
      exif = await readExif(await openImage(await readPhotoFile(file), file));
    } else {
      const fields: unknown = await exifr.parse(file, { pick: CAPTURE_TAGS });
      if (typeof fields === 'object' && fields !== null) exif = fields as ExifFields;
    }
  } catch {
    // A damaged EXIF block leaves the fields unknown, as at indexing.
  }
  const model = exifText(exif.LensModel);
  const make = exifText(exif.LensMake);
  return {
    lens: model !== null && make !== null && !model.startsWith(make) ? `${make} ${model}` : model,
    exposure: {
      aperture: positive(exif.FNumber),
      shutterSeconds: positive(exif.ExposureTime),
      iso: positive(Array.isArray(exif.ISO) ? exif.ISO[0] : exif.ISO),
      focalLength: positive(exif.FocalLength),
    },
  };
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

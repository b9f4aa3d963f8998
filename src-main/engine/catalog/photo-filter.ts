import path from 'node:path';
import type { Orientation, PhotoFilter } from '../../contract/api.js';
import { dayRange } from '../../contract/schemas.js';
import { fullPathFromUser } from '../util/given-path.js';

/** Other names people give a file type, and the one the catalog records. */
const TYPE_ALIASES: Record<string, string> = { jpg: 'jpeg', tif: 'tiff', heif: 'heic' };

/** A filter checked and in the catalog's terms: whole days, a full folder path, format names. */
export interface PhotoConditions {
  fromDay?: string;
  toDay?: string;
  /** Absolute, without a trailing separator. */
  folder?: string;
  camera?: string;
  formats?: string[];
  orientation?: Orientation;
  hasLocation?: boolean;
}

/** Checks a filter (dates, folder) and puts it in the catalog's terms. */
export function photoConditions(filter: PhotoFilter): PhotoConditions {
  const conditions: PhotoConditions = dayRange(filter);
  if (filter.folder !== undefined) {
    const full = fullPathFromUser(filter.folder);
    conditions.folder = full.length > 1 && full.endsWith(path.sep) ? full.slice(0, -1) : full;
  }
  if (filter.camera !== undefined) conditions.camera = filter.camera.trim();
  if (filter.types !== undefined) {
    conditions.formats = [
      ...new Set(filter.types.map((type) => type.trim().toLowerCase().replace(/^\./, ''))),
    ].map((type) => TYPE_ALIASES[type] ?? type);
  }
  if (filter.orientation !== undefined) conditions.orientation = filter.orientation;
  if (filter.hasLocation !== undefined) conditions.hasLocation = filter.hasLocation;
  return conditions;
}

export function hasConditions(conditions: PhotoConditions): boolean {
  return Object.keys(conditions).length > 0;
}

/**
 * The SQL condition on `photos` for these conditions, with its parameters in order. Each part
 * can use an index: the day range `photos_by_day`, the folder a range of the unique path index,
 * the camera, file type, orientation and location their own (camera, format, shape, located).
 */
export function whereClause(conditions: PhotoConditions): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const { fromDay, toDay, folder, camera, formats, orientation, hasLocation } = conditions;
  if (fromDay !== undefined) {
    parts.push('photos.sort_day >= ?');
    params.push(fromDay);
  }
  if (toDay !== undefined) {
    parts.push('photos.sort_day <= ?');
    params.push(toDay);
  }
  if (folder !== undefined) {
    // Every path below the folder sorts between "folder/" and "folder0" ('0' follows '/').
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    parts.push('photos.path >= ? AND photos.path < ?');
    params.push(prefix, end);
  }
  if (camera !== undefined) {
    // Makers repeat their name in the model or not ("Canon" + "Canon EOS R5", "Apple" +
    // "iPhone 12"): matching part of make and model together finds both ways of asking. The
    // match runs over the library's few cameras; their photos are then found through the
    // index on `camera` (make and model as one text, the same text as matched here).
    parts.push(
      `photos.camera IN (SELECT make || ' ' || model FROM cameras
        WHERE make || ' ' || model LIKE ? ESCAPE '\\')`,
    );
    params.push(`%${camera.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  if (formats !== undefined) {
    parts.push(`photos.format IN (${formats.map(() => '?').join(', ')})`);
    params.push(...formats);
  }
  if (orientation !== undefined) {
    // Width and height are as the photo is shown, after its EXIF orientation.
    parts.push('photos.shape = ?');
    params.push(orientation);
  }
  if (hasLocation !== undefined) {
    parts.push('photos.located = ?');
    params.push(hasLocation ? 1 : 0);
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

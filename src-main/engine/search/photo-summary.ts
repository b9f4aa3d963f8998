import path from 'node:path';
import type { PhotoSummary } from '../../contract/api.js';
import type { PhotoRow } from '../catalog/catalog.js';

/** The catalog row as the doors show it. */
export function toPhotoSummary(photo: PhotoRow, embedded: boolean): PhotoSummary {
  return {
    id: photo.id,
    path: photo.path,
    name: path.basename(photo.path),
    format: photo.format,
    width: photo.width,
    height: photo.height,
    takenAt: photo.takenAt,
    cameraMake: photo.cameraMake,
    cameraModel: photo.cameraModel,
    gps:
      photo.gpsLatitude !== null && photo.gpsLongitude !== null
        ? { latitude: photo.gpsLatitude, longitude: photo.gpsLongitude }
        : null,
    status: photo.status,
    error: photo.lastError,
    embedded,
  };
}

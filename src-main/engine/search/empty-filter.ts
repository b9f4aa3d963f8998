import type { Catalog } from '../catalog/catalog.js';
import type { PhotoConditions } from '../catalog/photo-filter.js';

/** Cameras named in the message about an unknown one, at most. */
const CAMERAS_NAMED = 5;

/**
 * Why a filter leaves no photo, in words a person can act on: the first part that keeps none
 * on its own (an unknown camera, a folder outside the library, an empty date range), else that
 * the parts together keep none.
 */
export function whyNoPhotos(catalog: Catalog, conditions: PhotoConditions): string {
  const none = (part: PhotoConditions) => catalog.countPhotos(part) === 0;
  const { fromDay, toDay, folder, camera, formats, orientation, hasLocation } = conditions;
  if (catalog.countPhotos({}) === 0) return 'the library has no photos yet';
  if (camera !== undefined && none({ camera })) {
    const cameras = catalog.listCameras().map(({ make, model }) => cameraName(make, model));
    const named = cameras.slice(0, CAMERAS_NAMED).join(', ');
    const more =
      cameras.length > CAMERAS_NAMED ? ` and ${cameras.length - CAMERAS_NAMED} more` : '';
    return cameras.length === 0
      ? `no camera matches “${camera}”: no photo in the library records its camera`
      : `no camera matches “${camera}”; the library's cameras are ${named}${more}`;
  }
  if (folder !== undefined && none({ folder })) {
    const inLibrary =
      catalog.folderForPath(folder) ?? catalog.listFolders().find((f) => f.path === folder);
    return inLibrary
      ? `there are no photos in ${folder}`
      : `${folder} is not in the library (add it, or pick one of its folders)`;
  }
  if (formats !== undefined && none({ formats })) {
    return `the library has no ${formats.map((format) => format.toUpperCase()).join(' or ')} photos`;
  }
  if ((fromDay !== undefined || toDay !== undefined) && none({ fromDay, toDay })) {
    return `no photo was taken ${describeDays(fromDay, toDay)}`;
  }
  if (orientation !== undefined && none({ orientation })) {
    return `the library has no ${orientation} photos`;
  }
  if (hasLocation !== undefined && none({ hasLocation })) {
    return hasLocation
      ? 'no photo in the library records where it was taken'
      : 'every photo records where it was taken';
  }
  return 'no photo passes all of these filters together';
}

export function cameraName(make: string | null, model: string | null): string {
  if (make === null) return model ?? 'unknown';
  if (model === null || model.toLowerCase().startsWith(make.toLowerCase())) return model ?? make;
  return `${make} ${model}`;
}

function describeDays(fromDay: string | undefined, toDay: string | undefined): string {
  if (fromDay !== undefined && toDay !== undefined) {
    return fromDay === toDay ? `on ${fromDay}` : `from ${fromDay} to ${toDay}`;
  }
  return fromDay !== undefined ? `on or after ${fromDay}` : `on or before ${toDay}`;
}

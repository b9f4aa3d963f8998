import { realpath, stat } from 'node:fs/promises';
import type { MediaBytes, MediaKind } from '../../contract/api.js';
import type { Catalog } from '../catalog/catalog.js';
import { sniffImageType } from '../media/media-type.js';
import { readPhotoFile } from '../media/photo-file.js';
import { thumbnailPath } from '../media/thumbnail.js';
import { isSameOrInside } from './scan.js';

/**
 * A photo or its thumbnail for the renderer, by photo id, or null. The rule every door serves
 * by (`ferret serve` and the Electron protocol alike): only a photo that decoded when it was
 * indexed, only a file that, links followed now (it can have changed since indexing), lies
 * inside a library folder (a thumbnail: inside the thumbnails folder), only a regular file,
 * and with the content type its bytes have, never the one its name suggests.
 */
export async function readLibraryMedia(
  catalog: Catalog,
  thumbnailsDir: string,
  kind: MediaKind,
  photoId: number,
): Promise<MediaBytes | null> {
  const photo = catalog.getPhoto(photoId);
  if (photo === undefined || photo.status !== 'indexed') return null;
  if (catalog.folderForPath(photo.path) === undefined) return null;
  let file: string;
  try {
    if (kind === 'photo') {
      file = await realpath(photo.path);
      if (catalog.folderForPath(file) === undefined) return null;
    } else {
      if (photo.contentHash === null) return null;
      file = await realpath(thumbnailPath(thumbnailsDir, photo.contentHash));
      if (!isSameOrInside(file, await realpath(thumbnailsDir))) return null;
    }
    const bytes = await readPhotoFile(file);
    const contentType = await sniffImageType(bytes);
    if (contentType === null) return null;
    return { bytes, contentType, modifiedMs: (await stat(file)).mtimeMs };
  } catch {
    // Gone, unreadable or not a regular file: nothing to serve.
    return null;
  }
}

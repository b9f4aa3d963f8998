import { realpath, stat } from 'node:fs/promises';
import type { MediaBytes, MediaKind } from '../../contract/api.js';
import type { Catalog } from '../catalog/catalog.js';
import { makeDisplayJpeg, needsDisplayCopy } from '../media/display-image.js';
import { sniffImageType } from '../media/media-type.js';
import { readPhotoFile } from '../media/photo-file.js';
import { thumbnailPath } from '../media/thumbnail.js';
import { sha256OfBytes } from '../util/sha256.js';
import type { DisplayCache } from './display-cache.js';
import { isSameOrInside } from './scan.js';

/**
 * A photo or its thumbnail for the renderer, by photo id, or null. The rule every door serves
 * by (`ferret serve` and the Electron protocol alike): only a photo that decoded when it was
 * indexed, only a file that, links followed now (it can have changed since indexing), lies
 * inside a library folder (a thumbnail: inside the thumbnails folder), only a regular file,
 * and with the content type its bytes have, never the one its name suggests. A photo no browser
 * shows (HEIC, camera RAW, TIFF) is served as a display JPEG made from the file as it is now.
 */
export async function readLibraryMedia(
  catalog: Catalog,
  { thumbnailsDir, display }: { thumbnailsDir: string; display: DisplayCache },
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
    let bytes = await readPhotoFile(file);
    if (kind === 'photo' && needsDisplayCopy(photo.format)) {
      const original = bytes;
      // Keyed by the bytes read now, so an edited file never gets the copy of its old self.
      bytes = await display.get(sha256OfBytes(original), () =>
        makeDisplayJpeg(original, photo.path),
      );
    }
    const contentType = await sniffImageType(bytes);
    if (contentType === null) return null;
    return { bytes, contentType, modifiedMs: (await stat(file)).mtimeMs };
  } catch {
    // Gone, unreadable, not a regular file or no longer decodable: nothing to serve.
    return null;
  }
}

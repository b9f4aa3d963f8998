import { writeThumbnail } from '../media/thumbnail.js';
import { LibraryWriteError } from './folder-availability.js';

/**
 * The library's thumbnails folder as the library keeps it: a thumbnail written there that fails
 * is the library's failure, never the photo's.
 */

export async function saveThumbnail(dir: string, contentHash: string, thumbnail: Buffer) {
  try {
    await writeThumbnail(dir, contentHash, thumbnail);
  } catch (error) {
    throw new LibraryWriteError(`the thumbnails folder ${dir}`, error);
  }
}

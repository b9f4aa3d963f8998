import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import { thumbnailPath, writeThumbnail } from '../media/thumbnail.js';
import { LibraryWriteError } from './folder-availability.js';

/**
 * The library's thumbnails folder as the library keeps it: a thumbnail written there that fails
 * is the library's failure, never the photo's; thumbnails leave with the last photo that shows
 * them; and the temporary files of writes cut short (a killed process) are swept away.
 */

export async function saveThumbnail(dir: string, contentHash: string, thumbnail: Buffer) {
  try {
    await writeThumbnail(dir, contentHash, thumbnail);
  } catch (error) {
    throw new LibraryWriteError(`the thumbnails folder ${dir}`, error);
  }
}

/** Deletes the thumbnails of these contents that no catalogued photo shows any more. */
export async function removeUnusedThumbnails(
  catalog: Catalog,
  dir: string,
  contentHashes: Iterable<string | null>,
): Promise<void> {
  for (const hash of new Set(contentHashes)) {
    if (hash === null || catalog.findPhotosByHash(hash).length > 0) continue;
    // Gone already, or never made (a photo that failed to decode): nothing to do.
    await fs.rm(thumbnailPath(dir, hash), { force: true });
  }
}

/**
 * Deletes the temporary files that writes cut short left (see writeFileAtomic). Only the one
 * process that holds the library's lock writes thumbnails, so while it holds it every such file
 * is a leftover.
 */
export async function removeStrayThumbnailFiles(dir: string): Promise<number> {
  let removed = 0;
  const shards = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const shard of shards) {
    if (!shard.isDirectory()) continue;
    const shardDir = path.join(dir, shard.name);
    for (const name of await fs.readdir(shardDir).catch(() => [])) {
      if (!name.endsWith('.tmp')) continue;
      await fs.rm(path.join(shardDir, name), { force: true }).catch(() => {});
      removed++;
    }
  }
  return removed;
}

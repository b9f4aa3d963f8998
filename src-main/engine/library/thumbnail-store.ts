import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog } from '../catalog/catalog.js';
import type { LibraryPaths } from '../library-paths.js';
import { thumbnailPath, writeThumbnail } from '../media/thumbnail.js';
import { displayCopyPath } from './display-cache.js';
import { LibraryWriteError } from './folder-availability.js';
import { backgroundTurn } from '../util/background-turns.js';

/**
 * The library's previews as the library keeps them: its thumbnails and the display copies of
 * photos no browser shows, both keyed by content hash. A thumbnail written there that fails is
 * the library's failure, never the photo's; previews leave with the last photo that shows them;
 * and the temporary files of writes cut short (a killed process) are found and swept away.
 */

/** The folders holding a library's previews. */
export type PreviewDirs = Pick<LibraryPaths, 'thumbnailsDir' | 'displayDir'>;

export async function saveThumbnail(dir: string, contentHash: string, thumbnail: Buffer) {
  try {
    await writeThumbnail(dir, contentHash, thumbnail);
  } catch (error) {
    throw new LibraryWriteError(`the thumbnails folder ${dir}`, error);
  }
}

/**
 * Contents looked up per step of removeUnusedPreviews, their previews deleted all at once.
 * One at a time, each deletion waited for a turn of the event loop of its own, behind the
 * other background work's slice in it: tens of minutes for a folder of 100,000 photos.
 */
const PREVIEW_CONTENTS_PER_STEP = 256;

/** Deletes the thumbnails and display copies of these contents that no catalogued photo shows any more. */
export async function removeUnusedPreviews(
  catalog: Catalog,
  dirs: PreviewDirs,
  contentHashes: Iterable<string | null>,
): Promise<void> {
  // A set already (a folder's 100,000 photos) is not copied: that alone holds the thread.
  const distinct = contentHashes instanceof Set ? contentHashes : new Set(contentHashes);
  let looked = 0;
  let unused: string[] = [];
  const step = async (): Promise<void> => {
    const files = unused.flatMap((hash) => [
      thumbnailPath(dirs.thumbnailsDir, hash),
      displayCopyPath(dirs.displayDir, hash),
    ]);
    unused = [];
    // Gone already, or never made (a photo that failed to decode, one never viewed).
    await Promise.all(files.map((file) => fs.rm(file, { force: true })));
    await backgroundTurn();
  };
  for (const hash of distinct) {
    if (hash !== null && catalog.findPhotosByHash(hash).length === 0) unused.push(hash);
    if (++looked % PREVIEW_CONTENTS_PER_STEP === 0) await step();
  }
  await step();
}

/**
 * The temporary files of preview writes (see writeFileAtomic) under the two folders' shards.
 * Only the process holding the library's lock writes previews, and it removes these when it
 * opens the library, so with no writer running every one listed is a leftover of a kill.
 */
export async function strayTemporaryFiles(dirs: PreviewDirs): Promise<string[]> {
  const stray: string[] = [];
  for (const dir of [dirs.thumbnailsDir, dirs.displayDir]) {
    const shards = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const shard of shards) {
      if (!shard.isDirectory()) continue;
      const shardDir = path.join(dir, shard.name);
      for (const name of await fs.readdir(shardDir).catch(() => [])) {
        if (name.endsWith('.tmp')) stray.push(path.join(shardDir, name));
      }
    }
  }
  return stray;
}

/** Deletes the leftovers strayTemporaryFiles finds; call only while holding the library's lock. */
export async function removeStrayTemporaryFiles(dirs: PreviewDirs): Promise<number> {
  const stray = await strayTemporaryFiles(dirs);
  for (const file of stray) await fs.rm(file, { force: true }).catch(() => {});
  return stray.length;
}

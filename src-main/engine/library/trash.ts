import { lstat, realpath } from 'node:fs/promises';
import type trash from 'trash';
import type { TrashResult } from '../../contract/api.js';
import { errorMessage } from '../../contract/format.js';
import type { Catalog } from '../catalog/catalog.js';
import type { VectorStore } from '../vector-store.js';
import { removeUnusedPreviews, type PreviewDirs } from './thumbnail-store.js';

/**
 * `trash` is loaded on first use, not with the engine: importing it costs about 0.2 CPU-s,
 * paid by every CLI command and every engine start although few of them move anything.
 */
async function loadTrash(): Promise<typeof trash> {
  return (await import('trash')).default;
}

/**
 * Moves library photos to the operating system's trash, never deleting anything for good:
 * the `trash` package follows each platform's own rules (the freedesktop.org trash under
 * $XDG_DATA_HOME on Linux, the Finder's on macOS, the Recycle Bin on Windows), so the user
 * restores a photo the way they restore any file. Electron's `shell.trashItem` exists only
 * in the main process, while the engine runs in a utility process and under plain Node for
 * `ferret serve`: one call here serves every door.
 *
 * Only a photo the catalog holds, whose file (links followed) is a regular file inside a
 * library folder, is moved; each goes on its own, so one that cannot be moved is reported
 * with its reason and the others still go. A photo that went is dropped from the catalog at
 * once, as a watcher would on its deletion, so every view stops showing it, and its thumbnail
 * and display copy go with it unless another photo shows the same content.
 */
export async function movePhotosToTrash(
  {
    catalog,
    vectors,
    previews,
  }: { catalog: Catalog; vectors: VectorStore | null; previews: PreviewDirs },
  photoIds: readonly number[],
): Promise<TrashResult> {
  const result: TrashResult = { trashed: [], failed: [], freedBytes: 0 };
  const contents: (string | null)[] = [];
  for (const photoId of new Set(photoIds)) {
    const photo = catalog.getPhoto(photoId);
    if (photo === undefined) {
      result.failed.push({ photoId, reason: `no photo with id ${photoId}` });
      continue;
    }
    try {
      const file = await realpath(photo.path);
      if (catalog.folderForPath(file) === undefined) {
        throw new Error(`${file} lies outside the library's folders`);
      }
      const stat = await lstat(file);
      if (!stat.isFile()) throw new Error(`${file} is not a regular file`);
      const moveToTrash = await loadTrash();
      await moveToTrash(file, { glob: false });
      result.freedBytes += stat.size;
    } catch (error) {
      result.failed.push({ photoId, reason: `${photo.path}: ${errorMessage(error)}` });
      continue;
    }
    catalog.transaction(() => {
      catalog.deletePhoto(photoId);
      vectors?.noteRemovedFromCatalog();
    });
    vectors?.removeFromVectorIndex([photoId]);
    contents.push(photo.contentHash);
    result.trashed.push(photoId);
  }
  await removeUnusedPreviews(catalog, previews, contents);
  return result;
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog, FolderRow, JobInput, PhotoRow } from '../catalog/catalog.js';
import { describeFsError, scanFolder, type ScanProblem } from './scan.js';

export type ReconcileResult =
  | {
      available: true;
      scanned: number;
      /** Files whose catalog entry is up to date: nothing queued for them. */
      unchanged: number;
      queued: number;
      removals: number;
      problems: ScanProblem[];
    }
  | { available: false; reason: string };

/** Whether the folder itself can be read now; why not, when it cannot. */
export async function folderProblem(folderPath: string): Promise<string | null> {
  try {
    const stat = await fs.stat(folderPath);
    if (!stat.isDirectory()) return 'is no longer a folder';
    await fs.readdir(folderPath);
    return null;
  } catch (error) {
    return describeFsError(error);
  }
}

/**
 * Compares a folder on disk with the catalog and queues what differs: new and changed files
 * (by size and mtime, so nothing unchanged is read again), photos that still need work, and
 * photos no longer on disk. A folder that cannot be read at all (an unplugged drive) is marked
 * unavailable and nothing is removed; photos below a subfolder that could not be read stay.
 */
export async function reconcileFolder(
  catalog: Catalog,
  folder: FolderRow,
  needsWork: (photo: PhotoRow) => boolean,
): Promise<ReconcileResult> {
  const problem = await folderProblem(folder.path);
  if (problem !== null) {
    catalog.setFolderStatus(folder.id, 'unavailable', problem);
    return { available: false, reason: problem };
  }
  const scan = await scanFolder(folder.path);
  const known = new Map(catalog.photosInFolder(folder.id).map((photo) => [photo.path, photo]));
  const jobs: JobInput[] = [];
  let unchanged = 0;
  for (const file of scan.files) {
    const photo = known.get(file.path);
    known.delete(file.path);
    if (
      photo !== undefined &&
      photo.size === file.size &&
      photo.mtimeMs === file.mtimeMs &&
      !needsWork(photo)
    ) {
      unchanged++;
    } else {
      jobs.push({ path: file.path, folderId: folder.id, kind: 'index', priority: file.mtimeMs });
    }
  }
  const unreadable = scan.problems.map((problem) => problem.path);
  const removals: JobInput[] = [...known.values()]
    .filter((photo) => !unreadable.some((dir) => isSameOrInside(photo.path, dir)))
    .map((photo) => ({
      path: photo.path,
      folderId: folder.id,
      kind: 'remove',
      priority: photo.mtimeMs,
    }));
  catalog.transaction(() => {
    catalog.enqueueJobs([...jobs, ...removals]);
    catalog.setFolderStatus(folder.id, 'ok', null);
  });
  return {
    available: true,
    scanned: scan.files.length,
    unchanged,
    queued: jobs.length,
    removals: removals.length,
    problems: scan.problems,
  };
}

export function isSameOrInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

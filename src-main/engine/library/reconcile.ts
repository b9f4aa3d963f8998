import type { Catalog, FolderRow, JobInput, PhotoRow } from '../catalog/catalog.js';
import { libraryFolderProblem } from './folder-availability.js';
import { isSameOrInside, scanFolder, type ScanProblem } from './scan.js';

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

/**
 * The folder's note for the user while it is readable: the places inside it that were not
 * read, or null when there are none.
 */
export function describeScanProblems(problems: readonly ScanProblem[]): string | null {
  if (problems.length === 0) return null;
  const first = `${problems[0]!.path}: ${problems[0]!.message}`;
  return problems.length === 1 ? first : `${first} (and ${problems.length - 1} more)`;
}

/** What reconciling reads and writes in the catalog: a folder's photos, its status, the queue. */
export type ReconcileCatalog = Pick<
  Catalog,
  'photosInFolder' | 'photoIdsInFolder' | 'setFolderStatus' | 'enqueueJobs' | 'transaction'
>;

/**
 * Compares a folder on disk with the catalog and queues what differs: new and changed files
 * (by size and mtime, so nothing unchanged is read again), photos that still need work, and
 * photos no longer on disk. A folder that cannot be read at all (an unplugged drive), or that
 * is empty where photos were, is marked unavailable and nothing is removed; photos below a
 * subfolder that could not be read stay.
 */
export async function reconcileFolder(
  catalog: ReconcileCatalog,
  folder: FolderRow,
  needsWork: (photo: PhotoRow) => boolean,
): Promise<ReconcileResult> {
  const problem = await libraryFolderProblem(catalog, folder);
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
  // A loop's photos are read elsewhere; what is behind a folder that could not be read, or a
  // link to a drive that is not there, is only out of sight and stays.
  const unreadable = scan.problems
    .filter((problem) => problem.kind !== 'loop')
    .map((problem) => problem.path);
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
    catalog.setFolderStatus(folder.id, 'ok', describeScanProblems(scan.problems));
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

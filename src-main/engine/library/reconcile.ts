import { backgroundTurn } from '../util/background-turns.js';
import type { Catalog, FolderRow, JobInput, PhotoRow } from '../catalog/catalog.js';
import { libraryFolderProblem } from './folder-availability.js';
import { isSameOrInside, scanFolder, type ScanProblem } from './scan.js';
import { PhotoIdSet } from '../vector-index/photo-id-set.js';

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
  'getPhotoByPath' | 'photosInFolderAfter' | 'photoIdsInFolder' | 'setFolderStatus' | 'enqueueJobs'
>;

/**
 * Rows read, files compared and jobs queued between two yields: a folder of a million photos
 * is reconciled at start-up while queries are answered, so no step may hold the thread for
 * long (reading all its rows in one query took half a second at 200,000).
 */
const RECONCILE_SLICE = 2000;

/**
 * Compares a folder on disk with the catalog and queues what differs: new and changed files
 * (by size and mtime, so nothing unchanged is read again), photos that still need work, and
 * photos no longer on disk. A folder that cannot be read at all (an unplugged drive), or that
 * is empty where photos were, is marked unavailable and nothing is removed; photos below a
 * subfolder that could not be read stay. Works a slice at a time, yielding between slices.
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
  // Each file is looked up by its path, and the photos seen are kept as one bit each: a map
  // of the folder's catalog rows by path held a million objects alive, and V8's major
  // collections over them held the thread for up to 270 ms.
  const seen = new PhotoIdSet();
  const jobs: JobInput[] = [];
  let unchanged = 0;
  for (let start = 0; start < scan.files.length; start += RECONCILE_SLICE) {
    for (const file of scan.files.slice(start, start + RECONCILE_SLICE)) {
      const found = catalog.getPhotoByPath(file.path);
      const photo = found?.folderId === folder.id ? found : undefined;
      if (photo !== undefined) seen.add(photo.id);
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
    await backgroundTurn();
  }
  // A loop's photos are read elsewhere; what is behind a folder that could not be read, or a
  // link to a drive that is not there, is only out of sight and stays.
  const unreadable = scan.problems
    .filter((problem) => problem.kind !== 'loop')
    .map((problem) => problem.path);
  const removals: JobInput[] = [];
  for (let after = 0; ;) {
    const page = catalog.photosInFolderAfter(folder.id, after, RECONCILE_SLICE);
    if (page.length === 0) break;
    for (const photo of page) {
      if (seen.has(photo.id) || unreadable.some((dir) => isSameOrInside(photo.path, dir))) {
        continue;
      }
      removals.push({
        path: photo.path,
        folderId: folder.id,
        kind: 'remove',
        priority: photo.mtimeMs,
      });
    }
    after = page.at(-1)!.id;
    await backgroundTurn();
  }
  // Queued a slice per transaction: a job queued twice is one job, so a run cut short between
  // slices loses nothing the next reconcile does not queue again.
  const queue = [...jobs, ...removals];
  for (let start = 0; start < queue.length; start += RECONCILE_SLICE) {
    catalog.enqueueJobs(queue.slice(start, start + RECONCILE_SLICE));
    await backgroundTurn();
  }
  catalog.setFolderStatus(folder.id, 'ok', describeScanProblems(scan.problems));
  return {
    available: true,
    scanned: scan.files.length,
    unchanged,
    queued: jobs.length,
    removals: removals.length,
    problems: scan.problems,
  };
}

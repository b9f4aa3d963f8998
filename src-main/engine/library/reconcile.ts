import { setImmediate as yieldToOthers } from 'node:timers/promises';
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
  'photosInFolderAfter' | 'photoIdsInFolder' | 'setFolderStatus' | 'enqueueJobs'
>;

/**
 * Rows read, files compared and jobs queued between two yields: a folder of a million photos
 * is reconciled at start-up while queries are answered, so no step may hold the thread for
 * long (reading all its rows in one query took half a second at 200,000).
 */
const RECONCILE_SLICE = 2000;

/**
 * What reconciling keeps of each catalog photo until its file is seen (a million of them for a
 * large folder): only what the comparison needs, since whole rows kept alive made V8's major
 * collections pause the thread for 170 ms at a million photos.
 */
interface KnownPhoto {
  size: number;
  mtimeMs: number;
  needsWork: boolean;
}

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
  const known = new Map<string, KnownPhoto>();
  for (let after = 0; ;) {
    const page = catalog.photosInFolderAfter(folder.id, after, RECONCILE_SLICE);
    if (page.length === 0) break;
    for (const photo of page) {
      known.set(photo.path, {
        size: photo.size,
        mtimeMs: photo.mtimeMs,
        needsWork: needsWork(photo),
      });
    }
    after = page.at(-1)!.id;
    await yieldToOthers();
  }
  const jobs: JobInput[] = [];
  let unchanged = 0;
  for (let start = 0; start < scan.files.length; start += RECONCILE_SLICE) {
    for (const file of scan.files.slice(start, start + RECONCILE_SLICE)) {
      const photo = known.get(file.path);
      known.delete(file.path);
      if (
        photo !== undefined &&
        photo.size === file.size &&
        photo.mtimeMs === file.mtimeMs &&
        !photo.needsWork
      ) {
        unchanged++;
      } else {
        jobs.push({ path: file.path, folderId: folder.id, kind: 'index', priority: file.mtimeMs });
      }
    }
    await yieldToOthers();
  }
  // A loop's photos are read elsewhere; what is behind a folder that could not be read, or a
  // link to a drive that is not there, is only out of sight and stays.
  const unreadable = scan.problems
    .filter((problem) => problem.kind !== 'loop')
    .map((problem) => problem.path);
  const removals: JobInput[] = [...known]
    .filter(([photoPath]) => !unreadable.some((dir) => isSameOrInside(photoPath, dir)))
    .map(([photoPath, photo]) => ({
      path: photoPath,
      folderId: folder.id,
      kind: 'remove',
      priority: photo.mtimeMs,
    }));
  // Queued a slice per transaction: a job queued twice is one job, so a run cut short between
  // slices loses nothing the next reconcile does not queue again.
  const queue = [...jobs, ...removals];
  for (let start = 0; start < queue.length; start += RECONCILE_SLICE) {
    catalog.enqueueJobs(queue.slice(start, start + RECONCILE_SLICE));
    await yieldToOthers();
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

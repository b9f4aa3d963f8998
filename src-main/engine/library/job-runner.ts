import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog, JobRow } from '../catalog/catalog.js';
import type { VectorStore } from '../vector-store.js';
import {
  describeFsError,
  folderProblem,
  isEnvironmentError,
  isGoneError,
} from './folder-availability.js';
import {
  emptyCounts,
  PhotoIndexer,
  type IndexingCounts,
  type IndexerOptions,
  type IndexingTarget,
  type PipelineProgress,
} from './photo-indexer.js';
import type { ScanProblem } from './scan.js';
import { removeUnusedPreviews } from './thumbnail-store.js';
import { errorMessage } from '../../contract/format.js';

/** Jobs taken from the queue at a time: large enough to batch inference, small enough to stop soon. */
const CHUNK = 64;
/** The index file is written at most this often while the queue drains (the catalog is durable). */
const SAVE_EVERY_MS = 30_000;

export interface DrainCounts extends IndexingCounts {
  removed: number;
  /** Places that could not be looked at (a folder that lost its permissions): photos kept. */
  unreadable: (ScanProblem & { folderId: number })[];
}

export interface JobRunnerOptions extends Omit<IndexerOptions, 'onRecorded'> {
  /** Where display copies are kept, removed with the last photo that shows them. */
  displayDir: string;
  /** How long a removal waits for an addition of the same content (a move) to claim it. */
  removalGraceMs: number;
  onFolderUnavailable?: (folderId: number, reason: string) => void;
}

/**
 * Works through the persisted queue: index jobs first (newest photos first), removals once no
 * index job is left, so an addition that is really a move always finds the photo it moves.
 * Each job leaves the queue in the transaction that records its result, which makes the work
 * exactly-once across crashes. Environment errors (full disk) stop the drain and keep the jobs.
 */
export class JobRunner {
  private counts: DrainCounts = { ...emptyCounts(), removed: 0, unreadable: [] };
  private lastSave = Date.now();

  constructor(private readonly options: JobRunnerOptions) {}

  private get vectors(): VectorStore | undefined {
    return this.options.embedding?.vectors;
  }

  private get catalog(): Catalog {
    return this.options.catalog;
  }

  /** Runs every job that may run now; resolves when none is left or `signal` aborts. */
  async drain(
    signal: AbortSignal,
    onProgress: (progress: PipelineProgress) => void = () => {},
  ): Promise<DrainCounts> {
    this.counts = { ...emptyCounts(), removed: 0, unreadable: [] };
    let done = 0;
    const report = (currentPath: string | null) => {
      const queued = this.catalog.countJobs();
      onProgress({
        done,
        total: done + queued.index + queued.remove,
        failed: this.counts.failed,
        currentPath,
      });
    };
    try {
      while (!signal.aborted) {
        const indexJobs = this.catalog.claimableJobs('index', CHUNK, Date.now());
        if (indexJobs.length > 0) {
          await this.runIndexJobs(indexJobs, signal, (path) => {
            done++;
            report(path);
          });
          this.saveNowAndThen();
          continue;
        }
        const removeJobs = this.catalog.claimableJobs('remove', CHUNK, Date.now());
        if (removeJobs.length === 0) break;
        for (const job of removeJobs) {
          if (signal.aborted) break;
          await this.runRemoveJob(job);
          done++;
          report(job.path);
        }
      }
    } finally {
      await this.vectors?.save();
      this.lastSave = Date.now();
    }
    return this.counts;
  }

  private async runIndexJobs(
    jobs: JobRow[],
    signal: AbortSignal,
    onDone: (path: string) => void,
  ): Promise<void> {
    const byPath = new Map(jobs.map((job) => [job.path, job]));
    const targets: IndexingTarget[] = [];
    for (const job of jobs) {
      try {
        const stat = await fs.stat(job.path);
        // A FIFO or a device under a photo's name goes to the indexer too, which refuses it
        // without reading and records why; a folder named like a photo holds photos instead.
        if (!stat.isDirectory()) {
          targets.push({
            path: job.path,
            folderId: job.folderId,
            size: stat.size,
            mtimeMs: Math.trunc(stat.mtimeMs),
          });
          continue;
        }
        this.catalog.finishJob(job);
      } catch (error) {
        if (isEnvironmentError(error)) throw error;
        if (isGoneError(error)) this.fileGone(job);
        else await this.outOfSight(job, error);
      }
      onDone(job.path);
    }
    const indexer = new PhotoIndexer({
      ...this.options,
      onRecorded: (file, outcome, movedFrom) => {
        const job = byPath.get(file.path)!;
        if (outcome === 'vanished') return this.fileGone(job);
        if (outcome === 'retry') return this.catalog.retryJobLater(job, Date.now());
        this.catalog.finishJob(job);
        if (movedFrom !== null) this.catalog.dropJob(movedFrom);
      },
    });
    const counts = await indexer.indexFiles(
      targets,
      (progress) => onDone(progress.currentPath!),
      signal,
    );
    this.add(counts);
  }

  /** The file went away before it was read: if the catalog has it, it is to be removed. */
  private fileGone(job: JobRow): void {
    if (this.catalog.getPhotoByPath(job.path) === undefined) {
      this.catalog.finishJob(job);
      return;
    }
    this.catalog.enqueueJobs([
      {
        path: job.path,
        folderId: job.folderId,
        kind: 'remove',
        priority: job.priority,
        notBefore: Date.now() + this.options.removalGraceMs,
      },
    ]);
  }

  private async runRemoveJob(job: JobRow): Promise<void> {
    const statError = await fs.stat(job.path).then(
      () => null,
      (error: unknown) => {
        if (isEnvironmentError(error)) throw error;
        return error;
      },
    );
    if (statError === null) {
      // Back again (an editor saving by delete-and-rename): look at it like any other file.
      this.catalog.enqueueJobs([{ ...job, kind: 'index', notBefore: 0 }]);
      return;
    }
    if (!isGoneError(statError)) return this.outOfSight(job, statError);
    if (await this.folderUnavailable(job)) return;
    const photo = this.catalog.getPhotoByPath(job.path);
    this.catalog.transaction(() => {
      if (photo !== undefined) {
        this.catalog.deletePhoto(photo.id);
        this.vectors?.noteRemovedFromCatalog();
      }
      this.catalog.finishJob(job);
    });
    if (photo !== undefined) {
      this.vectors?.removeFromVectorIndex([photo.id]);
      await removeUnusedPreviews(this.catalog, this.options, [photo.contentHash]);
      this.counts.removed++;
    }
  }

  /**
   * Whether the job's whole folder cannot be read (an unplugged drive): then it is marked so,
   * its photos are kept and the job waits until it is back.
   */
  private async folderUnavailable(job: JobRow): Promise<boolean> {
    const folder = this.catalog.getFolder(job.folderId);
    const problem = folder === undefined ? null : await folderProblem(folder.path);
    if (folder === undefined || problem === null) return false;
    this.catalog.setFolderStatus(folder.id, 'unavailable', problem);
    this.options.onFolderUnavailable?.(folder.id, problem);
    return true;
  }

  /**
   * The file cannot even be looked at (a folder on its path lost its permissions): it is not
   * gone and says nothing about the photo, so the catalog keeps what it has. The place is
   * reported; once it can be read again the folder is scanned and the work done then.
   */
  private async outOfSight(job: JobRow, error: unknown): Promise<void> {
    if (await this.folderUnavailable(job)) return;
    const folder = this.catalog.getFolder(job.folderId);
    let place = job.path;
    if (folder !== undefined) {
      let dir = folder.path;
      for (const part of path.relative(folder.path, path.dirname(job.path)).split(path.sep)) {
        dir = path.join(dir, part);
        if (dir !== folder.path && (await folderProblem(dir)) !== null) {
          place = dir;
          break;
        }
      }
    }
    if (!this.counts.unreadable.some((problem) => problem.path === place)) {
      this.counts.unreadable.push({
        folderId: job.folderId,
        path: place,
        kind: 'unreadable',
        message: describeFsError(error),
      });
    }
    this.catalog.finishJob(job);
  }

  private add(counts: IndexingCounts): void {
    for (const key of ['added', 'updated', 'moved', 'unchanged', 'failed', 'embedded'] as const) {
      this.counts[key] += counts[key];
    }
    this.counts.failures.push(...counts.failures);
  }

  private saveNowAndThen(): void {
    if (Date.now() - this.lastSave < SAVE_EVERY_MS) return;
    // Written off the thread while the work goes on; a failure is retried at the next save.
    this.vectors?.save().catch((error: unknown) => {
      this.options.logger.warn(`saving the vector index: ${errorMessage(error)}`);
    });
    this.lastSave = Date.now();
  }
}

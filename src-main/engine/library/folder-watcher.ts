import type { Stats } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Catalog, FolderRow, JobInput } from '../catalog/catalog.js';
import { isImagePath } from '../media/image-files.js';
import {
  insideFerretFolder,
  isFerretFolder,
  isSameOrInside,
  scanFolder,
  type ScanProblem,
} from './scan.js';

/** Events are written to the queue in one transaction per this interval: bursts stay cheap. */
const FLUSH_MS = 100;

export interface WatcherTiming {
  /** A file must keep its size this long before it counts as written (copies in progress). */
  writeFinishMs: number;
  /** How long a removal waits for the matching addition of a move. */
  removalGraceMs: number;
  /** Polling interval for folders marked for polling (network shares). */
  pollIntervalMs: number;
}

export interface FolderWatcherEvents {
  /** New jobs were queued. */
  onQueued(): void;
  /** The folder itself went away or cannot be read: the library checks and marks it. */
  onTrouble(reason: string): void;
  /** Events could not be written to the queue (a full disk): they are kept for `flush`. */
  onQueueFailed(error: unknown): void;
  /** A folder that appeared holds places that could not be read, or a symlink loop. */
  onScanProblems(problems: ScanProblem[]): void;
}

/** What a watcher reads and writes in the catalog: the photos under a folder, and the queue. */
export type WatcherCatalog = Pick<Catalog, 'photosUnder' | 'enqueueJobs'>;

/**
 * Turns one library folder's file-system events into queued jobs: additions and edits become
 * index jobs, deletions become removal jobs after a grace period (so that a move's addition,
 * which may arrive before or after, claims the photo first). Hidden entries, non-image files,
 * the library's own folder and any folder that is Ferret's own (as the scan skips them) are
 * ignored.
 */
export class FolderWatcher {
  private readonly watcher: FSWatcher;
  private pending = new Map<string, JobInput>();
  private flushTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly catalog: WatcherCatalog,
    readonly folder: FolderRow,
    private readonly libraryRoot: string,
    private readonly timing: WatcherTiming,
    private readonly events: FolderWatcherEvents,
  ) {
    this.watcher = watch(folder.path, {
      ignoreInitial: true,
      // Linked folders are read by the scan at start-up, which also guards against loops.
      followSymlinks: false,
      alwaysStat: true,
      usePolling: folder.polling,
      interval: timing.pollIntervalMs,
      binaryInterval: timing.pollIntervalMs,
      awaitWriteFinish: {
        stabilityThreshold: timing.writeFinishMs,
        pollInterval: Math.min(100, timing.writeFinishMs),
      },
      ignored: (file, stats) => this.ignored(file, stats),
    })
      .on('add', (file, stats) => this.indexLater(file, stats))
      .on('change', (file, stats) => this.indexLater(file, stats))
      .on('unlink', (file) => this.removeLater([file]))
      .on('addDir', (dir) => void this.scanLater(dir))
      .on('unlinkDir', (dir) => this.directoryGone(dir))
      .on('error', (error) => this.events.onTrouble(String((error as Error).message ?? error)));
  }

  /** Resolves once the initial walk is done and events are being reported. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.watcher.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await this.watcher.close();
  }

  private ignored(file: string, stats?: Stats): boolean {
    if (isSameOrInside(file, this.libraryRoot)) return true;
    const relative = path.relative(this.folder.path, file);
    if (relative.split(path.sep).some((part) => part.startsWith('.'))) return true;
    if (stats?.isFile() === true) return !isImagePath(file);
    // The scan's rule: a library, a model or another library's folder holds no photos. (Asked
    // without stats too: for a file, the look-up fails at once.)
    return file !== this.folder.path && isFerretFolder(file);
  }

  private indexLater(file: string, stats?: Stats): void {
    if (!isImagePath(file)) return;
    this.queue({
      path: file,
      folderId: this.folder.id,
      kind: 'index',
      priority: stats ? Math.trunc(stats.mtimeMs) : Date.now(),
    });
  }

  private removeLater(files: readonly string[]): void {
    const notBefore = Date.now() + this.timing.removalGraceMs;
    for (const file of files) {
      if (!isImagePath(file)) continue;
      const priority = this.pending.get(file)?.priority ?? 0;
      this.queue({ path: file, folderId: this.folder.id, kind: 'remove', priority, notBefore });
    }
  }

  /** A folder appeared (created, moved or renamed into place): its photos may be new to us. */
  private async scanLater(dir: string): Promise<void> {
    if (dir === this.folder.path || insideFerretFolder(dir, this.folder.path)) return;
    const { files, problems } = await scanFolder(dir, { within: this.folder.path });
    if (problems.length > 0) this.events.onScanProblems(problems);
    for (const file of files) {
      this.queue({
        path: file.path,
        folderId: this.folder.id,
        kind: 'index',
        priority: file.mtimeMs,
      });
    }
  }

  private directoryGone(dir: string): void {
    if (dir === this.folder.path) {
      this.events.onTrouble('the folder is gone');
      return;
    }
    this.removeLater(this.catalog.photosUnder(dir).map((photo) => photo.path));
  }

  private queue(job: JobInput): void {
    // Any event inside a library or model made here while watching (its thumbnails being
    // written, replaced or removed) is Ferret's own, whichever way it arrives.
    if (this.closed || insideFerretFolder(job.path, this.folder.path)) return;
    this.pending.set(job.path, job);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes the events gathered so far to the queue; kept for the next try when that fails. */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.size === 0) return;
    try {
      this.catalog.enqueueJobs([...this.pending.values()]);
    } catch (error) {
      // A full disk: thrown from a timer this would end the process, and dropped events would
      // leave the changes unseen until the next start. Kept, and retried with the other work.
      this.events.onQueueFailed(error);
      return;
    }
    this.pending = new Map();
    this.events.onQueued();
  }
}

import { IDLE_PROGRESS, type AddedFolder, type IndexingProgress } from '../../contract/api.js';
import type { FolderRow } from '../catalog/catalog.js';
import type { LiveCatalog, LiveLibraryServices } from './library-services.js';
import {
  describeEnvironmentError,
  folderProblem,
  isEnvironmentError,
  libraryFolderProblem,
  scanProblemGone,
} from './folder-availability.js';
import { FolderWatcher, type WatcherTiming } from './folder-watcher.js';
import type { ImageEmbedder } from './photo-indexer.js';
import { ProgressTracker } from './progress-tracker.js';
import { describeScanProblems, reconcileFolder } from './reconcile.js';
import type { ScanProblem } from './scan.js';
import { WorkerEmbedder } from './worker-embedder.js';
import { errorMessage } from '../../contract/format.js';

export interface LiveLibraryOptions extends Partial<WatcherTiming> {
  /** How often unavailable folders and a full disk are looked at again. */
  retryMs?: number;
  /** Run the image tower in a worker thread, off the thread that answers queries (default). */
  inferenceWorker?: boolean;
}

export interface LiveLibraryEvents {
  onProgress?(progress: IndexingProgress): void;
  /** Photos or folders changed: lists shown to the user are stale. */
  onLibraryChanged?(): void;
}

/**
 * Where the live library stands. Every change goes through `enter`, which also starts and
 * stops the timers that belong to a state and tells whoever waits (`settled`).
 *
 * - stopped:  not started, or stopped; nothing is watched.
 * - idle:     watching; nothing queued that can run.
 * - waiting:  watching; removals wait out their grace period, and a timer wakes the drain.
 * - indexing: one drain works off the persisted queue.
 * - paused:   the user paused: the queue is kept, watching goes on.
 * - blocked:  work stopped on a problem of the machine (a full disk), said in `problem`;
 *             tried again every retryMs and on resume.
 */
export type LiveState = 'stopped' | 'idle' | 'waiting' | 'indexing' | 'paused' | 'blocked';

/** What each state shows the user (the contract has three). */
const SHOWN_AS: Record<LiveState, IndexingProgress['state']> = {
  stopped: 'idle',
  idle: 'idle',
  waiting: 'idle',
  indexing: 'running',
  paused: 'paused',
  blocked: 'idle',
};

const DEFAULTS = {
  writeFinishMs: 1000,
  removalGraceMs: 2000,
  pollIntervalMs: 2000,
  retryMs: 30_000,
};

/**
 * The library kept up to date by itself: every folder is reconciled with the disk at start
 * and then watched, changes go to the persisted queue, and one drain at a time works it off.
 * Pausing and cancelling keep the queue (cancelling waits for the photo in hand); a full disk or an unplugged
 * drive pauses the affected work until the cause is gone.
 */
export class LiveLibrary {
  private readonly timing: WatcherTiming & { retryMs: number };
  private readonly catalog: LiveCatalog;
  private readonly watchers = new Map<number, FolderWatcher>();
  private state: LiveState = 'stopped';
  private readonly stateListeners = new Set<() => void>();
  /** The drain in progress (state 'indexing', or one being interrupted). */
  private draining: { abort: AbortController; done: Promise<void> } | null = null;
  /** Work arrived while the drain ran: it goes round once more. */
  private again = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The retry pass running, if any (one that outlasts the interval must not overlap the next). */
  private retrying: Promise<void> | null = null;
  /** Per folder, the places inside it that could not be read or were not followed (loops). */
  private readonly scanProblems = new Map<number, ScanProblem[]>();
  private problem: string | null = null;
  private worker: { key: string; embedder: WorkerEmbedder | null } | null = null;
  private tracker = new ProgressTracker();
  private last: IndexingProgress = IDLE_PROGRESS;

  constructor(
    private readonly services: LiveLibraryServices,
    private readonly events: LiveLibraryEvents = {},
    private readonly options: LiveLibraryOptions = {},
  ) {
    this.timing = { ...DEFAULTS, ...stripUndefined(options) };
    this.catalog = services.catalog;
  }

  progress(): IndexingProgress {
    return { ...this.last, state: SHOWN_AS[this.state], problem: this.problem };
  }

  get liveState(): LiveState {
    return this.state;
  }

  /** The one place the state changes, with the timers that belong to it. */
  private enter(next: LiveState): void {
    const previous = this.state;
    if (previous === next) return;
    this.state = next;
    if (previous === 'waiting' && this.wakeTimer !== null) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = null;
    }
    if (next === 'waiting') {
      // Delayed removals run when their grace period is over.
      const due = this.catalog.nextJobTime('remove') ?? Date.now();
      this.wakeTimer = setTimeout(() => this.kick(), Math.max(10, due - Date.now()));
    }
    if (previous === 'stopped') {
      this.retryTimer = setInterval(() => void this.retryTroubles(), this.timing.retryMs);
    }
    if (next === 'stopped' && this.retryTimer !== null) {
      clearInterval(this.retryTimer);
      this.retryTimer = null;
    }
    this.tellWaiters();
  }

  private tellWaiters(): void {
    for (const listener of [...this.stateListeners]) listener();
  }

  /** Reconciles every folder with the disk, starts watching them and works off the queue. */
  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.enter('idle');
    for (const folder of this.catalog.listFolders()) await this.watchFolder(folder);
    this.kick();
  }

  async stop(): Promise<void> {
    this.enter('stopped');
    // A retry pass may be taking up a folder again: its watcher must be closed with the rest.
    await this.retrying;
    await Promise.all([...this.watchers.values()].map((watcher) => watcher.close()));
    this.watchers.clear();
    this.scanProblems.clear();
    await this.interrupt();
    await this.worker?.embedder?.close();
    this.worker = null;
  }

  pause(): IndexingProgress {
    if (this.state !== 'stopped') this.enter('paused');
    this.draining?.abort.abort();
    return this.publish();
  }

  resume(): IndexingProgress {
    this.problem = null;
    if (this.state === 'paused' || this.state === 'blocked') this.enter('idle');
    this.kick();
    return this.publish();
  }

  /**
   * Stops indexing now, the photo in hand included. The queue is kept, so the work shows as
   * incomplete ("64 of 150 indexed") with Resume, and the next start picks it up: dropping it
   * left photos uncatalogued that nothing queued again while the panel said "Up to date".
   */
  async cancel(): Promise<IndexingProgress> {
    if (this.state !== 'stopped') this.enter('paused');
    await this.interrupt();
    return this.publish();
  }

  async addFolder(folderPath: string): Promise<AddedFolder> {
    const info = await this.services.addFolder(folderPath);
    // Folders the new one took in are watched through it from now on.
    for (const [folderId, watcher] of this.watchers) {
      if (this.catalog.getFolder(folderId) !== undefined) continue;
      await watcher.close();
      this.watchers.delete(folderId);
      this.scanProblems.delete(folderId);
    }
    if (this.state !== 'stopped') {
      await this.watchFolder(this.catalog.getFolder(info.id)!);
      this.kick();
    }
    return info;
  }

  async removeFolder(folderId: number): Promise<{ removedPhotos: number }> {
    await this.watchers.get(folderId)?.close();
    this.watchers.delete(folderId);
    this.scanProblems.delete(folderId);
    await this.interrupt();
    const result = await this.services.removeFolder(folderId);
    this.kick();
    return result;
  }

  /** After the model changed: embed with the new one, and queue photos that lack its vectors. */
  async refresh(): Promise<void> {
    await this.interrupt();
    for (const folder of this.catalog.listFolders()) {
      if (this.state !== 'stopped') await this.reconcile(folder);
    }
    this.kick();
  }

  /**
   * Resolves once the library is idle with no job queued for a folder that can be read
   * (delayed removals included); rejects when work stopped on a problem such as a full disk.
   * Woken by state changes and by the end of each retry pass, never by polling.
   */
  settled(): Promise<void> {
    const { catalog } = this;
    return new Promise((resolve, reject) => {
      const decided = (): boolean => {
        if (this.problem !== null) {
          reject(new Error(this.problem));
          return true;
        }
        if (this.state !== 'idle' && this.state !== 'stopped') return false;
        // A retry pass may be scanning a folder that came back (or lost its loop), and what
        // that scan finds is queued only as it goes.
        if (this.retrying !== null) return false;
        const queued =
          catalog.nextJobTime('index') !== undefined || catalog.nextJobTime('remove') !== undefined;
        if (queued && this.state === 'idle') return false;
        resolve();
        return true;
      };
      if (decided()) return;
      const listener = () => {
        if (decided()) this.stateListeners.delete(listener);
      };
      this.stateListeners.add(listener);
    });
  }

  private async watchFolder(folder: FolderRow): Promise<void> {
    await this.watchers.get(folder.id)?.close();
    this.watchers.delete(folder.id);
    const problem = await libraryFolderProblem(this.catalog, folder);
    if (this.state === 'stopped') return;
    if (problem !== null) {
      this.markUnavailable(folder.id, problem);
      return;
    }
    const watcher = new FolderWatcher(this.catalog, folder, this.services.paths.root, this.timing, {
      onQueued: () => this.kick(),
      onTrouble: (reason) => void this.checkFolder(folder.id, reason),
      onQueueFailed: (error) => this.stopOn(error),
      onScanProblems: (problems) => this.addScanProblems(folder.id, problems),
    });
    this.watchers.set(folder.id, watcher);
    // Watching starts before the scan, so nothing that changes in between is missed.
    await watcher.ready();
    await this.reconcile(folder);
  }

  private async reconcile(folder: FolderRow): Promise<void> {
    const result = await reconcileFolder(this.catalog, folder, (photo) =>
      this.services.needsWork(photo),
    );
    if (!result.available) {
      this.markUnavailable(folder.id, result.reason);
      return;
    }
    for (const problem of result.problems)
      this.services.logger.warn(`${problem.path}: ${problem.message}`);
    this.scanProblems.set(folder.id, result.problems);
  }

  /** Found while watching: shown with the folder (still 'ok') and looked at again on retries. */
  private addScanProblems(folderId: number, found: readonly ScanProblem[]): void {
    const known = this.scanProblems.get(folderId) ?? [];
    const added = found.filter((problem) => !known.some(({ path }) => path === problem.path));
    if (added.length === 0) return;
    const problems = [...known, ...added];
    this.scanProblems.set(folderId, problems);
    for (const problem of added) this.services.logger.warn(`${problem.path}: ${problem.message}`);
    try {
      if (this.catalog.getFolder(folderId)?.status !== 'ok') return;
      this.catalog.setFolderStatus(folderId, 'ok', describeScanProblems(problems));
      this.events.onLibraryChanged?.();
    } catch (error) {
      this.stopOn(error);
    }
  }

  private async checkFolder(folderId: number, reason: string): Promise<void> {
    try {
      const folder = this.catalog.getFolder(folderId);
      if (folder === undefined) return;
      const problem = await folderProblem(folder.path);
      if (problem === null) {
        this.services.logger.warn(`watching ${folder.path}: ${reason}`);
        return;
      }
      await this.watchers.get(folderId)?.close();
      this.watchers.delete(folderId);
      this.markUnavailable(folderId, problem);
    } catch (error) {
      // Marking the folder is a catalog write, which a full disk refuses.
      this.stopOn(error);
    }
  }

  private markUnavailable(folderId: number, reason: string): void {
    const folder = this.catalog.getFolder(folderId);
    if (folder === undefined) return;
    if (folder.status !== 'unavailable' || folder.lastError !== reason) {
      this.catalog.setFolderStatus(folderId, 'unavailable', reason);
      this.services.logger.warn(`${folder.path} is unavailable (${reason}); its photos are kept`);
      this.events.onLibraryChanged?.();
    }
  }

  /** Folders that came back are watched again; work stopped by a full disk is tried again. */
  private retryTroubles(): Promise<void> {
    // A retry that takes longer than the interval must not overlap the next (two watchers).
    if (this.state === 'stopped' || this.retrying !== null) return Promise.resolve();
    this.retrying = this.retryPass().finally(() => {
      this.retrying = null;
      this.tellWaiters();
    });
    return this.retrying;
  }

  private async retryPass(): Promise<void> {
    try {
      for (const folder of this.catalog.listFolders()) {
        if (folder.status === 'ok') {
          // An unmounted drive may go without a word from the watcher: look for ourselves.
          const problem = await folderProblem(folder.path);
          if (problem !== null && this.watchers.has(folder.id)) {
            await this.watchers.get(folder.id)!.close();
            this.watchers.delete(folder.id);
            this.markUnavailable(folder.id, problem);
          }
          continue;
        }
        if ((await libraryFolderProblem(this.catalog, folder)) !== null) continue;
        this.catalog.setFolderStatus(folder.id, 'ok', null);
        this.services.logger.info(`${folder.path} is back`);
        await this.watchFolder(folder);
        this.events.onLibraryChanged?.();
      }
      for (const [folderId, problems] of [...this.scanProblems]) {
        const folder = this.catalog.getFolder(folderId);
        if (folder?.status !== 'ok' || !this.watchers.has(folderId)) continue;
        const gone = await Promise.all(problems.map((problem) => scanProblemGone(problem)));
        if (!gone.includes(true)) continue;
        // A folder readable again, a loop removed: scanned anew, which queues what was missed
        // and brings the folder's note up to date.
        await this.watchFolder(folder);
        this.events.onLibraryChanged?.();
      }
      if (this.state === 'blocked') {
        this.problem = null;
        this.enter('idle');
      }
      for (const watcher of this.watchers.values()) watcher.flush();
    } catch (error) {
      // Called from a timer: a throw (a full disk refusing the catalog write) would end the process.
      this.stopOn(error);
      return;
    }
    this.kick();
  }

  /** Work stopped by the machine (a full disk): said in the progress, retried every retryMs. */
  private stopOn(error: unknown): void {
    this.problem = isEnvironmentError(error)
      ? describeEnvironmentError(error)
      : `indexing stopped: ${errorMessage(error)}`;
    this.services.logger.warn(this.problem);
    // A drain in progress finishes its chunk; no new one starts until the problem is gone.
    if (this.state !== 'paused' && this.state !== 'stopped') this.enter('blocked');
    this.publish();
  }

  /** New work, or a state that allows it: a drain starts, or the one running goes round again. */
  private kick(): void {
    if (this.draining !== null) {
      if (this.state === 'indexing') this.again = true;
      return;
    }
    if (this.state !== 'idle' && this.state !== 'waiting') return;
    const abort = new AbortController();
    this.enter('indexing');
    const done = this.drainLoop(abort.signal).finally(() => {
      this.draining = null;
      if (this.state === 'indexing') {
        this.enter(this.catalog.nextJobTime('remove') === undefined ? 'idle' : 'waiting');
      }
      this.publish();
    });
    this.draining = { abort, done };
  }

  private async drainLoop(signal: AbortSignal): Promise<void> {
    do {
      this.again = false;
      const base = { done: this.last.done, failed: this.last.failed };
      try {
        const runner = this.services.jobRunner(await this.embedder(), {
          removalGraceMs: this.timing.removalGraceMs,
          onFolderUnavailable: () => this.events.onLibraryChanged?.(),
        });
        const counts = await runner.drain(signal, (progress) => {
          this.last = this.tracker.snapshot(
            SHOWN_AS[this.state],
            base.done + progress.done,
            base.done + progress.total,
            base.failed + progress.failed,
            progress.currentPath,
            this.problem,
          );
          this.publish();
        });
        for (const { folderId, ...problem } of counts.unreadable) {
          this.addScanProblems(folderId, [problem]);
        }
        const changes = counts.added + counts.updated + counts.moved + counts.failed;
        if (changes + counts.removed > 0) this.events.onLibraryChanged?.();
      } catch (error) {
        // Kept queued; tried again after retryMs, or on resume.
        this.stopOn(error);
        return;
      }
    } while (this.again && !signal.aborted);
    if (this.catalog.countJobs().index === 0) {
      // A finished session: the next burst of work counts from zero again.
      this.last = { ...this.last, done: 0, total: 0, failed: 0, rate: 0, etaSeconds: null };
      this.tracker = new ProgressTracker();
    }
  }

  private async interrupt(): Promise<void> {
    const draining = this.draining;
    draining?.abort.abort();
    await draining?.done;
  }

  /** The worker thread for the current model (restarted when the model changes). */
  private async embedder(): Promise<ImageEmbedder | null> {
    const model = this.services.model;
    if (model === null) return null;
    if (this.options.inferenceWorker === false) return model;
    const key = `${model.key} on ${this.services.providers.join(',')}`;
    if (this.worker?.key !== key) {
      await this.worker?.embedder?.close();
      const embedder = WorkerEmbedder.create(
        {
          dir: model.dir,
          manifest: model.manifest,
          providers: this.services.providers,
          tuning: this.services.tuning,
        },
        this.services.logger,
      );
      if (embedder === null) {
        this.services.logger.warn('no embedding worker in this build: embedding in-process');
      }
      this.worker = { key, embedder };
    }
    return this.worker.embedder ?? model;
  }

  private publish(): IndexingProgress {
    this.last = { ...this.last, state: SHOWN_AS[this.state], problem: this.problem };
    this.events.onProgress?.(this.last);
    return this.last;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

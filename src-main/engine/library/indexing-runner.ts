import type { IndexingProgress } from '../../contract/api.js';
import type { Engine } from '../engine.js';
import { ProgressTracker } from './progress-tracker.js';

interface RunnerEvents {
  onProgress(progress: IndexingProgress): void;
  onLibraryChanged(): void;
}

/**
 * Keeps every library folder indexed in the background for the long-running doors. Pausing
 * stops the current pass; resuming starts a new one, which skips what is already done.
 */
export class IndexingRunner {
  private state: IndexingProgress['state'] = 'idle';
  private current: { abort: AbortController; done: Promise<void> } | null = null;
  private rerun = false;
  private last: IndexingProgress = {
    state: 'idle',
    done: 0,
    total: 0,
    failed: 0,
    rate: 0,
    etaSeconds: null,
    currentPath: null,
  };

  constructor(
    private readonly engine: Engine,
    private readonly events: RunnerEvents,
  ) {}

  progress(): IndexingProgress {
    return { ...this.last, state: this.state };
  }

  /** Starts a pass over all folders; if one is running, another follows it. */
  start(): void {
    if (this.state === 'paused') return;
    if (this.current !== null) {
      this.rerun = true;
      return;
    }
    const abort = new AbortController();
    this.state = 'running';
    const done = this.runPasses(abort.signal).finally(() => {
      this.current = null;
      if (this.state === 'running') this.state = 'idle';
      this.publish(this.last);
    });
    this.current = { abort, done };
  }

  pause(): IndexingProgress {
    this.state = 'paused';
    this.current?.abort.abort();
    return this.publish(this.last);
  }

  resume(): IndexingProgress {
    if (this.state === 'paused') this.state = 'idle';
    this.start();
    return this.progress();
  }

  async stop(): Promise<void> {
    this.current?.abort.abort();
    await this.current?.done;
  }

  private async runPasses(signal: AbortSignal): Promise<void> {
    do {
      this.rerun = false;
      await this.runPass(signal);
    } while (this.rerun && !signal.aborted);
  }

  private async runPass(signal: AbortSignal): Promise<void> {
    const tracker = new ProgressTracker();
    const folders = this.engine.listFolders();
    let base = { done: 0, total: 0, failed: 0 };
    for (const folder of folders) {
      if (signal.aborted) return;
      try {
        const summary = await this.engine.indexFolder(folder.path, {
          signal,
          onProgress: (progress) =>
            this.publish(
              tracker.snapshot(
                this.state,
                base.done + progress.done,
                base.total + progress.total,
                base.failed + progress.failed,
                progress.currentPath,
              ),
            ),
        });
        base = {
          done: base.done + summary.scanned,
          total: base.total + summary.scanned,
          failed: base.failed + summary.failed,
        };
      } catch (error) {
        this.engine.logger.warn(
          `indexing ${folder.path} failed: ${error instanceof Error ? error.message : error}`,
        );
      }
      this.events.onLibraryChanged();
    }
  }

  private publish(progress: IndexingProgress): IndexingProgress {
    this.last = { ...progress, state: this.state };
    this.events.onProgress(this.last);
    return this.last;
  }
}

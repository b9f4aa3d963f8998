import type { IndexingProgress } from '../../contract/api.js';

/** Turns done/total counts into the rate and time left a user wants to see. */
export class ProgressTracker {
  private readonly samples: { at: number; done: number }[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  snapshot(
    state: IndexingProgress['state'],
    done: number,
    total: number,
    failed: number,
    currentPath: string | null,
    problem: string | null,
  ): IndexingProgress {
    const at = this.now();
    this.samples.push({ at, done });
    while (this.samples.length > 2 && this.samples[0]!.at < at - this.windowMs)
      this.samples.shift();
    const oldest = this.samples[0]!;
    const seconds = (at - oldest.at) / 1000;
    const rate = seconds > 0 ? (done - oldest.done) / seconds : 0;
    const etaSeconds = rate > 0 ? Math.round((total - done) / rate) : null;
    return { state, done, total, failed, rate, etaSeconds, currentPath, problem };
  }
}

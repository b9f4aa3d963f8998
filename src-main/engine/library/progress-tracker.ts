import type { IndexingProgress } from '../../contract/api.js';

/**
 * Turns done/total counts into the rate and time left a user wants to see. Photos finish in
 * batches, so the raw rate over any short window swings with where the window falls between
 * two batches; the rate shown is smoothed over time (an exponential moving average), and no
 * time left is given until a few seconds of work have been seen.
 */
export class ProgressTracker {
  private readonly samples: { at: number; done: number }[] = [];
  private smoothedRate: number | null = null;
  private lastAt: number | null = null;

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
    /** How quickly the shown rate follows a change in speed. */
    private readonly smoothingMs = 20_000,
    /** No estimate before this much work has been watched. */
    private readonly warmUpMs = 3_000,
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
    const windowRate = seconds > 0 ? (done - oldest.done) / seconds : 0;
    const elapsed = this.lastAt === null ? 0 : at - this.lastAt;
    this.lastAt = at;
    if (seconds > 0) {
      this.smoothedRate =
        this.smoothedRate === null
          ? windowRate
          : this.smoothedRate +
            (windowRate - this.smoothedRate) * (1 - Math.exp(-elapsed / this.smoothingMs));
    }
    const rate = this.smoothedRate ?? 0;
    const etaSeconds =
      rate > 0 && at - oldest.at >= this.warmUpMs ? Math.round((total - done) / rate) : null;
    return { state, done, total, failed, rate, etaSeconds, currentPath, problem };
  }
}

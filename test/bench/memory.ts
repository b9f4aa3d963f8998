import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

/** Resident set size of this process now, in MiB. */
export function rssMiB(): number {
  return process.memoryUsage.rss() / MIB;
}

/**
 * The kernel's record of this process's largest resident set so far (VmHWM), in MiB: unlike
 * sampling, it cannot miss a short peak. Null where /proc is not available.
 */
export function peakRssMiB(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSamples {
  /** Largest sampled RSS, MiB. */
  peakMiB: number;
  meanMiB: number;
  samples: number;
}

/** Samples the RSS on a timer while something runs; the timer needs the event loop to be free. */
export class RssSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.samples.push(rssMiB());
    this.timer = setInterval(() => this.samples.push(rssMiB()), intervalMs);
  }

  stop(): RssSamples {
    clearInterval(this.timer);
    this.samples.push(rssMiB());
    return {
      peakMiB: Math.max(...this.samples),
      meanMiB: this.samples.reduce((sum, value) => sum + value, 0) / this.samples.length,
      samples: this.samples.length,
    };
  }
}

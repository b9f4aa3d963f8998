import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * How long the thread that answers queries was held, told apart from why. A hold is the time
 * between two turns of the event loop (what a query asked at the worst moment waits to start).
 * On a shared machine a hold is Ferret's own work, or the thread waiting for a core while other
 * processes run: Linux's per-thread scheduler statistics say which (on-CPU time and time
 * waiting in the run queue, in nanoseconds), so each hold is split into the two.
 */
export interface ThreadHolds {
  /** The longest hold, wall clock. */
  longestMs: number;
  /** Of the longest hold: the thread's own CPU time, and its time waiting for a core. */
  longestOwnMs: number | null;
  longestWaitingMs: number | null;
  /**
   * The most CPU time the thread itself ran between two turns: Ferret's longest synchronous
   * span, whatever the machine's load (null where the statistics are not available).
   */
  longestSpanMs: number | null;
  /** Of all the time watched, the share the event loop was busy (not waiting for I/O). */
  loopUtilization: number;
}

/** Starts watching this thread; the function returned stops and reports. */
export function watchThreadHolds(): () => Promise<ThreadHolds> {
  let longest = { wallMs: 0, ownMs: null as number | null, waitingMs: null as number | null };
  let longestSpanMs: number | null = null;
  let watching = true;
  const utilizationAtStart = performance.eventLoopUtilization();
  const loop = (async () => {
    let last = performance.now();
    let lastTimes = schedulerTimes();
    while (watching) {
      await nextTurn();
      const now = performance.now();
      const times = schedulerTimes();
      const own = times && lastTimes && (times.onCpuNs - lastTimes.onCpuNs) / 1e6;
      const waiting = times && lastTimes && (times.waitingNs - lastTimes.waitingNs) / 1e6;
      if (own !== null) longestSpanMs = Math.max(longestSpanMs ?? 0, own);
      if (now - last > longest.wallMs) {
        longest = { wallMs: now - last, ownMs: own, waitingMs: waiting };
      }
      last = now;
      lastTimes = times;
    }
  })();
  return async () => {
    watching = false;
    await loop;
    return {
      longestMs: longest.wallMs,
      longestOwnMs: longest.ownMs,
      longestWaitingMs: longest.waitingMs,
      longestSpanMs,
      loopUtilization: performance.eventLoopUtilization(utilizationAtStart).utilization,
    };
  };
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;

/**
 * Calls `work` once per item and returns each call's wall time, with the slowest call split
 * like a hold: the thread running, and waiting for a core.
 */
export async function splitLatencies<T>(
  items: readonly T[],
  work: (item: T) => unknown,
): Promise<{ samples: number[]; slowest: SplitCall }> {
  const samples: number[] = [];
  let slowest: SplitCall = { wallMs: 0, ownMs: null, waitingMs: null };
  for (const item of items) {
    const before = schedulerTimes();
    const started = performance.now();
    await work(item);
    const wallMs = performance.now() - started;
    const after = schedulerTimes();
    samples.push(wallMs);
    if (wallMs > slowest.wallMs) {
      slowest = {
        wallMs,
        ownMs: before && after && (after.onCpuNs - before.onCpuNs) / 1e6,
        waitingMs: before && after && (after.waitingNs - before.waitingNs) / 1e6,
      };
    }
  }
  return { samples, slowest };
}

export interface SplitCall {
  wallMs: number;
  ownMs: number | null;
  waitingMs: number | null;
}

/** The main thread's on-CPU and run-queue times so far (Linux), or null elsewhere. */
function schedulerTimes(): { onCpuNs: number; waitingNs: number } | null {
  try {
    const [onCpu, waiting] = readFileSync(SCHEDSTAT, 'utf8').split(' ');
    return { onCpuNs: Number(onCpu), waitingNs: Number(waiting) };
  } catch {
    return null;
  }
}

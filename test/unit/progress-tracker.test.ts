import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressTracker } from '../../src-main/engine/library/progress-tracker.js';

/**
 * Photos finish in batches of 16 at uneven times (large and small photos, a busy machine),
 * and progress is sampled every 250 ms as events come: the estimate of the time left.
 */
function run(total: number): (number | null)[] {
  const gaps = [1000, 5000, 2000, 4000, 1500, 3500];
  const batchTimes: number[] = [];
  for (let at = 0, i = 0; at < 120_000; i++) batchTimes.push((at += gaps[i % gaps.length]!));
  let now = 0;
  const tracker = new ProgressTracker(10_000, () => now);
  const etas: (number | null)[] = [];
  for (let tick = 0; tick * 250 <= 90_000; tick++) {
    now = tick * 250;
    const done = Math.min(total, batchTimes.filter((at) => at <= now).length * 16);
    etas.push(tracker.snapshot('running', done, total, 0, null, null).etaSeconds);
  }
  return etas;
}

test('no time left is guessed from the first moments of a run', () => {
  assert.deepEqual(run(2000).slice(0, 12), Array(12).fill(null));
});

test('time left counts down steadily while photos finish in uneven batches', () => {
  const etas = run(2000);
  // From 30 s on, no estimate moves by more than 3 % of itself from the one before.
  let worst = 0;
  for (let i = 121; i < etas.length; i++) {
    const [before, now] = [etas[i - 1]!, etas[i]!];
    worst = Math.max(worst, Math.abs(now - before) / before);
  }
  assert.ok(worst <= 0.03, `the estimate jumped by ${(worst * 100).toFixed(1)} % at once`);
});

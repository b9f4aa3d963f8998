import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backgroundTurn } from '../../src-main/engine/util/background-turns.js';

/**
 * Background jobs (a folder's removal, the duplicate comparison) each hold the thread for a
 * slice at a time; a query that comes in meanwhile must wait for one slice, not for one of
 * each. Turns of the event loop are counted by an immediate that schedules itself again: it
 * runs once per turn, so two slices that see the same count ran in the same turn.
 */
test('background jobs run one slice per turn of the event loop, taking turns', async () => {
  let turn = 0;
  let counting = true;
  const count = (): void => {
    turn++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);

  const slices: { job: string; turn: number }[] = [];
  const job = async (name: string, count: number): Promise<void> => {
    for (let slice = 0; slice < count; slice++) {
      await backgroundTurn();
      slices.push({ job: name, turn });
    }
  };
  await Promise.all([job('removal', 20), job('comparison', 20), job('third', 5)]);
  counting = false;

  assert.equal(slices.length, 45);
  const turns = slices.map((slice) => slice.turn);
  assert.equal(new Set(turns).size, turns.length, `slices shared a turn: ${turns.join(', ')}`);
  // Oldest first: while all three wait, each gets a turn before any gets a second.
  assert.deepEqual(
    slices.slice(0, 6).map((slice) => slice.job),
    ['removal', 'comparison', 'third', 'removal', 'comparison', 'third'],
  );
  // The third's five done, the other two go on alternating.
  assert.deepEqual(
    slices.slice(15).map((slice) => slice.job),
    Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'removal' : 'comparison')),
  );
});

test('a job alone gets a turn at once, and again after others are done', async () => {
  await backgroundTurn();
  await Promise.all([backgroundTurn(), backgroundTurn()]);
  // Nothing left waiting: the next call is not stuck behind a turn that was never scheduled.
  await backgroundTurn();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE_PROGRESS } from '../../src-main/contract/api.js';
import { indexingSummary } from '../../src-renderer/lib/indexing-summary.js';

test('an empty library is not "Up to date" behind a full bar', () => {
  const summary = indexingSummary(IDLE_PROGRESS, 0);
  assert.equal(summary.headline, 'No photos indexed yet');
  assert.equal(summary.fraction, 0);
});

test('a run with nothing counted yet says it is getting ready, not "0 / 0"', () => {
  const summary = indexingSummary({ ...IDLE_PROGRESS, state: 'running' }, 0);
  assert.equal(summary.counts, 'Getting ready…');
  assert.doesNotMatch(summary.counts, /0 \/ 0/);
});

test('a run counts its photos; a finished library says how many', () => {
  const running = indexingSummary({ ...IDLE_PROGRESS, state: 'running', done: 64, total: 150 }, 0);
  assert.deepEqual(running, { headline: 'Indexing', fraction: 64 / 150, counts: '64 / 150' });
  assert.deepEqual(indexingSummary(IDLE_PROGRESS, 1500), {
    headline: 'Up to date',
    fraction: 1,
    counts: '1,500 photos indexed',
  });
});

test('paused or cancelled work shows as incomplete, not "Up to date"', () => {
  const paused = indexingSummary({ ...IDLE_PROGRESS, state: 'paused', done: 64, total: 150 }, 64);
  assert.deepEqual(paused, {
    headline: 'Indexing paused',
    fraction: 64 / 150,
    counts: '64 of 150 indexed',
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clampPan,
  fitScale,
  fitView,
  isFitted,
  MAX_SCALE,
  panBy,
  zoomTo,
} from '../../src-renderer/lib/zoom.js';

const image = { width: 4000, height: 3000 };
const stage = { width: 1000, height: 600 };

test('fit shows the whole image, and never enlarges a small one', () => {
  assert.equal(fitScale(image, stage), 0.2);
  assert.equal(fitScale({ width: 300, height: 200 }, stage), 1);
  assert.ok(isFitted(fitView(image, stage), image, stage));
});

test('zooming about a point keeps what is under it in place', () => {
  const fitted = fitView(image, stage);
  const point = { x: 200, y: -100 };
  const zoomed = zoomTo(fitted, 1, point, image, stage);
  assert.equal(zoomed.scale, 1);
  // The image pixel under the pointer before and after is the same.
  const before = { x: (point.x - fitted.x) / fitted.scale, y: (point.y - fitted.y) / fitted.scale };
  const after = { x: (point.x - zoomed.x) / zoomed.scale, y: (point.y - zoomed.y) / zoomed.scale };
  assert.deepEqual(after, before);
  assert.equal(isFitted(zoomed, image, stage), false);
});

test('zoom stays between fitted and the maximum', () => {
  const fitted = fitView(image, stage);
  assert.equal(zoomTo(fitted, 100, { x: 0, y: 0 }, image, stage).scale, MAX_SCALE);
  assert.equal(zoomTo(fitted, 0.01, { x: 0, y: 0 }, image, stage).scale, 0.2);
});

test('panning stops at the image edge; a fitted image does not move', () => {
  const full = { scale: 1, x: 0, y: 0 };
  assert.deepEqual(panBy(full, 5000, -5000, image, stage), { scale: 1, x: 1500, y: -1200 });
  assert.deepEqual(panBy(fitView(image, stage), 50, 50, image, stage), {
    scale: 0.2,
    x: 0,
    y: 0,
  });
  assert.deepEqual(clampPan({ scale: 1, x: 10, y: 10 }, image, stage), { scale: 1, x: 10, y: 10 });
});

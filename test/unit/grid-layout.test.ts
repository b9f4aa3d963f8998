import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  gridLayout,
  nextSelection,
  scrollToReveal,
  tileOffset,
  visibleRange,
} from '../../src-renderer/lib/grid-layout.js';

/** The virtualised grid's arithmetic; the e2e tests drive the same code in a browser. */

const HUNDRED_THOUSAND = 100_000;

describe('gridLayout and visibleRange', () => {
  test('rows of square tiles fill the width', () => {
    const layout = gridLayout(1000, 10);
    assert.equal(layout.columns, 5);
    assert.equal(layout.tileSize, Math.floor(994 / 5 - 6));
    assert.equal(layout.rows, 2);
    assert.equal(layout.totalHeight, 2 * layout.rowHeight + layout.gap);
    assert.equal(gridLayout(0, 10).columns, 1, 'before the first measurement');
  });

  test('only the rows in view (plus a margin) are rendered, wherever the view is', () => {
    const layout = gridLayout(1000, HUNDRED_THOUSAND);
    const perScreen = Math.ceil(800 / layout.rowHeight) * layout.columns;
    for (const scrollTop of [0, layout.totalHeight / 2, layout.totalHeight - 800]) {
      const { first, end } = visibleRange(layout, HUNDRED_THOUSAND, scrollTop, 800);
      assert.ok(end - first <= perScreen + 5 * layout.columns, `${end - first} at ${scrollTop}`);
      assert.ok(tileOffset(layout, first).y - layout.gap <= scrollTop);
      assert.ok(end === HUNDRED_THOUSAND || tileOffset(layout, end).y >= scrollTop + 800);
    }
    const atEnd = visibleRange(layout, HUNDRED_THOUSAND, layout.totalHeight - 800, 800);
    assert.equal(atEnd.end, HUNDRED_THOUSAND);
  });
});

describe('nextSelection', () => {
  const move = (key: string, current: number) => nextSelection(key, current, 100, 5, 3);

  test('arrows move by one and by a row, clamped to the grid', () => {
    assert.equal(move('ArrowRight', 7), 8);
    assert.equal(move('ArrowLeft', 7), 6);
    assert.equal(move('ArrowDown', 7), 12);
    assert.equal(move('ArrowUp', 7), 2);
    assert.equal(move('ArrowUp', 2), 0);
    assert.equal(move('ArrowDown', 98), 99);
  });

  test('pages, Home and End', () => {
    assert.equal(move('PageDown', 7), 22);
    assert.equal(move('PageUp', 7), 0);
    assert.equal(move('Home', 57), 0);
    assert.equal(move('End', 57), 99);
  });

  test('with nothing selected, the first key picks an end of the grid', () => {
    assert.equal(move('ArrowRight', -1), 0);
    assert.equal(move('ArrowDown', -1), 0);
    assert.equal(move('Home', -1), 0);
    assert.equal(move('End', -1), 99);
    assert.equal(move('ArrowUp', -1), null);
  });

  test('other keys and empty grids are left alone', () => {
    assert.equal(move('a', 3), null);
    assert.equal(move('Enter', 3), null);
    assert.equal(nextSelection('ArrowRight', -1, 0, 5, 3), null);
  });
});

describe('scrollToReveal', () => {
  const layout = gridLayout(1000, HUNDRED_THOUSAND);

  test('scrolls just enough to show the whole tile, or not at all', () => {
    assert.equal(scrollToReveal(layout, 0, 0, 800), 0);
    const last = HUNDRED_THOUSAND - 1;
    const bottom = scrollToReveal(layout, last, 0, 800);
    assert.equal(bottom, tileOffset(layout, last).y + layout.tileSize + layout.gap - 800);
    assert.equal(scrollToReveal(layout, 0, bottom, 800), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DayCount } from '../../src-main/contract/api.js';
import {
  gridLayout,
  nextSelection,
  plainSections,
  scrollToReveal,
  sectionAtY,
  tileOffset,
  visibleHeaders,
  visibleRange,
} from '../../src-renderer/lib/grid-layout.js';
import { scrubberMarks, timelineSections } from '../../src-renderer/lib/timeline.js';

/** The virtualised grid's arithmetic; the e2e tests drive the same code in a browser. */

const HUNDRED_THOUSAND = 100_000;

describe('gridLayout and visibleRange', () => {
  test('rows of square tiles fill the width', () => {
    const layout = gridLayout(1000, plainSections(10));
    assert.equal(layout.columns, 5);
    assert.equal(layout.tileSize, Math.floor(994 / 5 - 6));
    assert.equal(layout.rows, 2);
    assert.equal(layout.totalHeight, 2 * layout.rowHeight + layout.gap);
    assert.equal(gridLayout(0, plainSections(10)).columns, 1, 'before the first measurement');
  });

  test('only the rows in view (plus a margin) are rendered, wherever the view is', () => {
    const layout = gridLayout(1000, plainSections(HUNDRED_THOUSAND));
    const perScreen = Math.ceil(800 / layout.rowHeight) * layout.columns;
    for (const scrollTop of [0, layout.totalHeight / 2, layout.totalHeight - 800]) {
      const { first, end } = visibleRange(layout, scrollTop, 800);
      assert.ok(end - first <= perScreen + 5 * layout.columns, `${end - first} at ${scrollTop}`);
      assert.ok(tileOffset(layout, first).y - layout.gap <= scrollTop);
      assert.ok(end === HUNDRED_THOUSAND || tileOffset(layout, end).y >= scrollTop + 800);
    }
    const atEnd = visibleRange(layout, layout.totalHeight - 800, 800);
    assert.equal(atEnd.end, HUNDRED_THOUSAND);
  });
});

describe('nextSelection', () => {
  // 100 photos in rows of 5: gridLayout's columns at this width.
  const plain = gridLayout(5 * 166 + 6, plainSections(100));
  const move = (key: string, current: number) => nextSelection(key, current, plain, 3);

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
    assert.equal(move('ArrowRight', -1), 0);
    assert.equal(nextSelection('ArrowRight', -1, gridLayout(1000, []), 3), null);
  });
});

describe('scrollToReveal', () => {
  const layout = gridLayout(1000, plainSections(HUNDRED_THOUSAND));

  test('scrolls just enough to show the whole tile, or not at all', () => {
    assert.equal(scrollToReveal(layout, 0, 0, 800), 0);
    const last = HUNDRED_THOUSAND - 1;
    const bottom = scrollToReveal(layout, last, 0, 800);
    assert.equal(bottom, tileOffset(layout, last).y + layout.tileSize + layout.gap - 800);
    assert.equal(scrollToReveal(layout, 0, bottom, 800), 0);
  });
});

/** 100,000 photos over about three years, a few a day, as a camera roll holds them. */
function cameraRoll(): DayCount[] {
  const days: DayCount[] = [];
  let left = HUNDRED_THOUSAND;
  for (let day = 0; left > 0; day++) {
    const photos = Math.min(left, 1 + ((day * 37) % 180));
    left -= photos;
    days.push({
      day: new Date(Date.UTC(2024, 0, 1) - day * 86_400_000).toISOString().slice(0, 10),
      photos,
    });
  }
  return days;
}

describe('the timeline', () => {
  const days = cameraRoll();

  test('sections by month or by day add up to the library, newest first, labelled', () => {
    const months = timelineSections(days, 'month');
    const byDay = timelineSections(days, 'day');
    assert.equal(byDay.length, days.length);
    assert.equal(months[0]!.label, 'January 2024');
    assert.equal(byDay[1]!.label, 'Sun, December 31, 2023');
    for (const sections of [months, byDay]) {
      const total = sections.reduce((sum, section) => sum + section.count, 0);
      assert.equal(total, HUNDRED_THOUSAND);
      sections.forEach((section, i) =>
        assert.equal(section.start, i === 0 ? 0 : sections[i - 1]!.start + sections[i - 1]!.count),
      );
    }
  });

  test('each month starts a new row under its header; nothing overlaps', () => {
    const layout = gridLayout(1000, timelineSections(days, 'month'));
    for (const section of layout.sections) {
      assert.equal(section.tilesTop, section.top + layout.headerHeight);
      const first = tileOffset(layout, section.start);
      assert.deepEqual(first, { x: layout.gap, y: section.tilesTop });
      const last = tileOffset(layout, section.start + section.count - 1);
      assert.ok(last.y + layout.tileSize <= section.bottom);
      assert.equal(sectionAtY(layout, section.top), layout.sections.indexOf(section));
    }
    assert.equal(layout.sections.at(-1)!.bottom, layout.totalHeight);
  });

  test('only the rows and headers in view are rendered, wherever the view is', () => {
    const layout = gridLayout(1000, timelineSections(days, 'day'));
    const perScreen = Math.ceil(800 / layout.rowHeight) * layout.columns;
    for (const scrollTop of [0, layout.totalHeight / 3, layout.totalHeight - 800]) {
      const { first, end } = visibleRange(layout, scrollTop, 800);
      assert.ok(end - first <= perScreen + 5 * layout.columns, `${end - first} at ${scrollTop}`);
      const top = tileOffset(layout, first).y;
      assert.ok(top <= scrollTop + layout.headerHeight + layout.gap, `first tile at ${top}`);
      const below = end === HUNDRED_THOUSAND || tileOffset(layout, end).y >= scrollTop + 800;
      assert.ok(below, `tiles down to the bottom of the view at ${scrollTop}`);
      const headers = visibleHeaders(layout, scrollTop, scrollTop + 800);
      assert.ok(headers.length > 0 && headers.length < 20, `${headers.length} headers`);
    }
  });

  test('the scrubber has every year and month once, where the grid shows them', () => {
    const layout = gridLayout(1000, timelineSections(days, 'day'));
    const marks = scrubberMarks(layout);
    const years = marks.filter((mark) => mark.kind === 'year').map((mark) => mark.key);
    assert.deepEqual(years, [...new Set(days.map((d) => d.day.slice(0, 4)))]);
    const months = marks.filter((mark) => mark.kind === 'month');
    assert.equal(months.length, new Set(days.map((d) => d.day.slice(0, 7))).size);
    for (const mark of months) {
      const section = layout.sections.find((s) => s.key.startsWith(mark.key))!;
      assert.equal(mark.top, section.top, mark.key);
      assert.ok(mark.fraction >= 0 && mark.fraction < 1);
    }
  });

  test('Up and Down keep the column across a section whose last row is short', () => {
    // Rows of 5; a first month of 7 photos (a row of 5 and one of 2), then one of 10.
    const layout = gridLayout(5 * 166 + 6, [
      { key: '2024-02', label: 'February 2024', start: 0, count: 7 },
      { key: '2024-01', label: 'January 2024', start: 7, count: 10 },
    ]);
    assert.equal(layout.columns, 5);
    assert.equal(nextSelection('ArrowDown', 3, layout, 1), 6, 'to the short row, clamped');
    assert.equal(nextSelection('ArrowDown', 6, layout, 1), 8, 'into the next month, column 1');
    assert.equal(nextSelection('ArrowUp', 10, layout, 1), 6, 'back up, clamped');
    assert.equal(nextSelection('ArrowDown', 14, layout, 1), 16, 'the last photo');
  });
});

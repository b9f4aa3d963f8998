/**
 * Geometry of the virtualised photo grid: square tiles in rows that fill the width, in sections
 * (the timeline's months or days) that each start a new row under a header. Search results are
 * one section without a header. Everything is arithmetic on the sections' counts, so a library
 * of 100,000 photos costs a few thousand sections, never a node or a number per photo.
 */

/** A run of consecutive items; `label` null for a section without a header. */
export interface GridSection {
  key: string;
  label: string | null;
  start: number;
  count: number;
}

export interface PlacedSection extends GridSection {
  /** Where its header starts (its first row, when it has none). */
  top: number;
  /** Where its first row of tiles starts. */
  tilesTop: number;
  rows: number;
  bottom: number;
}

export interface GridLayout {
  columns: number;
  tileSize: number;
  gap: number;
  rowHeight: number;
  headerHeight: number;
  sections: PlacedSection[];
  total: number;
  rows: number;
  totalHeight: number;
}

const HEADER_HEIGHT = 40;

/** One section without a header holding `total` items: a plain grid. */
export function plainSections(total: number): GridSection[] {
  return total > 0 ? [{ key: 'all', label: null, start: 0, count: total }] : [];
}

export function gridLayout(
  width: number,
  sections: GridSection[],
  minTile = 160,
  gap = 6,
  headerHeight = HEADER_HEIGHT,
): GridLayout {
  const usable = Math.max(width - gap, minTile);
  const columns = Math.max(1, Math.floor(usable / (minTile + gap)));
  const tileSize = Math.floor(usable / columns - gap);
  const rowHeight = tileSize + gap;
  let y = gap;
  let rows = 0;
  const placed = sections.map((section) => {
    const sectionRows = Math.ceil(section.count / columns);
    const tilesTop = y + (section.label === null ? 0 : headerHeight);
    const bottom = tilesTop + sectionRows * rowHeight;
    const result = { ...section, top: y, tilesTop, rows: sectionRows, bottom };
    y = bottom;
    rows += sectionRows;
    return result;
  });
  const last = placed.at(-1);
  const total = last ? last.start + last.count : 0;
  return {
    columns,
    tileSize,
    gap,
    rowHeight,
    headerHeight,
    sections: placed,
    total,
    rows,
    totalHeight: y,
  };
}

/** The last index in [0, length) whose value is <= target (0 when none is). */
function lastAtOrBefore(length: number, valueAt: (i: number) => number, target: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (valueAt(middle) <= target) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Index of the section holding item `index`. */
function sectionOfItem(layout: GridLayout, index: number): number {
  return lastAtOrBefore(layout.sections.length, (i) => layout.sections[i]!.start, index);
}

/** Index of the section at height `y` of the canvas (its header or its rows). */
export function sectionAtY(layout: GridLayout, y: number): number {
  return lastAtOrBefore(layout.sections.length, (i) => layout.sections[i]!.top, y);
}

/** The first item whose row ends below `y` (at a header: the section's first item). */
function itemAtY(layout: GridLayout, y: number, roundUp: boolean): number {
  const section = layout.sections[sectionAtY(layout, y)];
  if (!section) return 0;
  if (y < section.tilesTop) return section.start;
  const rows = (y - section.tilesTop) / layout.rowHeight;
  const row = roundUp ? Math.ceil(rows) : Math.floor(rows);
  return Math.min(section.start + row * layout.columns, section.start + section.count);
}

/** Item indices [first, end) worth rendering: the rows in view plus a margin either side. */
export function visibleRange(
  layout: GridLayout,
  scrollTop: number,
  viewportHeight: number,
  marginRows = 2,
): { first: number; end: number } {
  const margin = marginRows * layout.rowHeight;
  return {
    first: itemAtY(layout, Math.max(0, scrollTop - margin), false),
    end: itemAtY(layout, scrollTop + viewportHeight + margin, true),
  };
}

/** The sections with a header whose header or rows are in [top, bottom). */
export function visibleHeaders(layout: GridLayout, top: number, bottom: number): PlacedSection[] {
  if (layout.sections.length === 0) return [];
  const from = sectionAtY(layout, top);
  const to = sectionAtY(layout, bottom);
  return layout.sections.slice(from, to + 1).filter((section) => section.label !== null);
}

export function tileOffset(layout: GridLayout, index: number): { x: number; y: number } {
  const section = layout.sections[sectionOfItem(layout, index)];
  const within = index - (section?.start ?? 0);
  const column = within % layout.columns;
  const row = Math.floor(within / layout.columns);
  return {
    x: layout.gap + column * (layout.tileSize + layout.gap),
    y: (section?.tilesTop ?? layout.gap) + row * layout.rowHeight,
  };
}

/** One row down (+1) or up (-1) from `index`, keeping its column where the next row has it. */
function stepRow(layout: GridLayout, index: number, direction: 1 | -1): number {
  const sectionIndex = sectionOfItem(layout, index);
  const section = layout.sections[sectionIndex]!;
  const within = index - section.start;
  const column = within % layout.columns;
  const row = Math.floor(within / layout.columns) + direction;
  if (row >= 0 && row < section.rows) {
    return Math.min(
      section.start + row * layout.columns + column,
      section.start + section.count - 1,
    );
  }
  const next = layout.sections[sectionIndex + direction];
  if (!next) return direction === 1 ? layout.total - 1 : 0;
  const nextRow = direction === 1 ? 0 : next.rows - 1;
  return Math.min(next.start + nextRow * layout.columns + column, next.start + next.count - 1);
}

/** Where an arrow/Home/End/Page key moves the selection; null for keys the grid ignores. */
export function nextSelection(
  key: string,
  current: number,
  layout: GridLayout,
  pageRows: number,
): number | null {
  const total = layout.total;
  if (total === 0) return null;
  if (current < 0) {
    if (key === 'End') return total - 1;
    return ['ArrowRight', 'ArrowDown', 'Home'].includes(key) ? 0 : null;
  }
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, current - 1);
    case 'ArrowRight':
      return Math.min(total - 1, current + 1);
    case 'Home':
      return 0;
    case 'End':
      return total - 1;
    case 'ArrowUp':
    case 'ArrowDown':
    case 'PageUp':
    case 'PageDown': {
      const direction = key === 'ArrowUp' || key === 'PageUp' ? -1 : 1;
      const steps = key.startsWith('Page') ? pageRows : 1;
      let next = current;
      for (let step = 0; step < steps; step++) next = stepRow(layout, next, direction);
      return next;
    }
    default:
      return null;
  }
}

/**
 * The scrollTop that brings an item's row fully into view (unchanged when it already is),
 * below the sticky header that covers the top of the view when the grid has headers.
 */
export function scrollToReveal(
  layout: GridLayout,
  index: number,
  scrollTop: number,
  viewportHeight: number,
): number {
  const { y } = tileOffset(layout, index);
  const covered = layout.sections[0]?.label != null ? layout.headerHeight : 0;
  if (y - covered < scrollTop) return Math.max(0, y - layout.gap - covered);
  const bottom = y + layout.tileSize + layout.gap;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return scrollTop;
}

/** Geometry of the virtualised photo grid: square tiles in rows that fill the width. */
export interface GridLayout {
  columns: number;
  tileSize: number;
  gap: number;
  rowHeight: number;
  rows: number;
  totalHeight: number;
}

export function gridLayout(width: number, total: number, minTile = 160, gap = 6): GridLayout {
  const usable = Math.max(width - gap, minTile);
  const columns = Math.max(1, Math.floor(usable / (minTile + gap)));
  const tileSize = Math.floor(usable / columns - gap);
  const rowHeight = tileSize + gap;
  const rows = Math.ceil(total / columns);
  return { columns, tileSize, gap, rowHeight, rows, totalHeight: rows * rowHeight + gap };
}

/** Item indices [first, end) worth rendering: the rows in view plus a margin either side. */
export function visibleRange(
  layout: GridLayout,
  total: number,
  scrollTop: number,
  viewportHeight: number,
  marginRows = 2,
): { first: number; end: number } {
  const firstRow = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - marginRows);
  const endRow = Math.ceil((scrollTop + viewportHeight) / layout.rowHeight) + marginRows;
  return {
    first: Math.min(total, firstRow * layout.columns),
    end: Math.min(total, endRow * layout.columns),
  };
}

export function tileOffset(layout: GridLayout, index: number): { x: number; y: number } {
  const column = index % layout.columns;
  const row = Math.floor(index / layout.columns);
  return {
    x: layout.gap + column * (layout.tileSize + layout.gap),
    y: layout.gap + row * layout.rowHeight,
  };
}

/** Where an arrow/Home/End/Page key moves the selection; null for keys the grid ignores. */
export function nextSelection(
  key: string,
  current: number,
  total: number,
  columns: number,
  pageRows: number,
): number | null {
  if (total === 0) return null;
  if (current < 0) {
    if (key === 'End') return total - 1;
    return ['ArrowRight', 'ArrowDown', 'Home'].includes(key) ? 0 : null;
  }
  const steps: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -columns,
    ArrowDown: columns,
    PageUp: -columns * pageRows,
    PageDown: columns * pageRows,
    Home: -Infinity,
    End: Infinity,
  };
  const step = steps[key];
  if (step === undefined) return null;
  return Math.min(total - 1, Math.max(0, current + step));
}

/** The scrollTop that brings an item's row fully into view (unchanged when it already is). */
export function scrollToReveal(
  layout: GridLayout,
  index: number,
  scrollTop: number,
  viewportHeight: number,
): number {
  const { y } = tileOffset(layout, index);
  if (y < scrollTop) return y - layout.gap;
  const bottom = y + layout.tileSize + layout.gap;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return scrollTop;
}

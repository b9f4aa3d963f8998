/** The thumbnail sizes the zoom steps through: the smallest a tile may be, in CSS pixels. */
export const TILE_SIZES = [96, 128, 160, 220, 300] as const;
export type TileSize = (typeof TILE_SIZES)[number];

const DEFAULT: TileSize = 160;
const KEY = 'ferret.tileSize';

/** The size one step larger (1) or smaller (-1), held at the ends. */
export function nextTileSize(current: TileSize, direction: 1 | -1): TileSize {
  const index = TILE_SIZES.indexOf(current) + direction;
  return TILE_SIZES[Math.min(TILE_SIZES.length - 1, Math.max(0, index))]!;
}

/** The size the user chose last time (kept by the page, per door), else the default. */
export function savedTileSize(): TileSize {
  const saved = Number(globalThis.localStorage?.getItem(KEY));
  return TILE_SIZES.find((size) => size === saved) ?? DEFAULT;
}

export function saveTileSize(size: TileSize): void {
  globalThis.localStorage?.setItem(KEY, String(size));
}

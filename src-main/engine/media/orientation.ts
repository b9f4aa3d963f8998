/** EXIF orientation: how the stored pixels must be turned and mirrored to look right. */
export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** The tag's value when it is a valid orientation, else null (absent or out of range). */
export function parseOrientation(value: number | undefined): Orientation | null {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8
    ? (value as Orientation)
    : null;
}

/** Orientations 5-8 turn the picture a quarter: the shown width is the stored height. */
export function swapsAxes(orientation: Orientation): boolean {
  return orientation >= 5;
}

/**
 * Where the pixel shown at (x, y) lies in the stored pixels, for a picture shown
 * `shownWidth` x `shownHeight`.
 */
export function shownToStored(
  orientation: Orientation,
  x: number,
  y: number,
  shownWidth: number,
  shownHeight: number,
): [number, number] {
  const right = shownWidth - 1 - x;
  const bottom = shownHeight - 1 - y;
  switch (orientation) {
    case 1:
      return [x, y];
    case 2:
      return [right, y];
    case 3:
      return [right, bottom];
    case 4:
      return [x, bottom];
    case 5:
      return [y, x];
    case 6:
      return [y, right];
    case 7:
      return [bottom, right];
    case 8:
      return [bottom, x];
  }
}

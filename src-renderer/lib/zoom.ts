/**
 * The viewer's zoom and pan: a scale (1 = one image pixel per screen pixel) and the offset of
 * the image's centre from the stage's centre, in screen pixels.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

/** The most the viewer magnifies: 8 screen pixels per image pixel. */
export const MAX_SCALE = 8;

/** The scale that shows the whole image in the stage, never larger than its own size. */
export function fitScale(image: Size, stage: Size): number {
  if (image.width <= 0 || image.height <= 0 || stage.width <= 0 || stage.height <= 0) return 1;
  return Math.min(1, stage.width / image.width, stage.height / image.height);
}

export function fitView(image: Size, stage: Size): View {
  return { scale: fitScale(image, stage), x: 0, y: 0 };
}

/** Whether the view shows the whole image as fitted (zoomed out as far as it goes). */
export function isFitted(view: View, image: Size, stage: Size): boolean {
  return view.scale <= fitScale(image, stage) + 1e-6;
}

/**
 * The view scaled to `scale` (kept between fitted and MAX_SCALE) about `point`, a position
 * relative to the stage's centre: what is under the pointer stays under it.
 */
export function zoomTo(
  view: View,
  scale: number,
  point: { x: number; y: number },
  image: Size,
  stage: Size,
): View {
  const next = Math.min(MAX_SCALE, Math.max(fitScale(image, stage), scale));
  const ratio = next / view.scale;
  return clampPan(
    {
      scale: next,
      x: point.x - (point.x - view.x) * ratio,
      y: point.y - (point.y - view.y) * ratio,
    },
    image,
    stage,
  );
}

/** Moves the image by (dx, dy), no further than keeps it covering the stage where it can. */
export function panBy(view: View, dx: number, dy: number, image: Size, stage: Size): View {
  return clampPan({ ...view, x: view.x + dx, y: view.y + dy }, image, stage);
}

/** An image smaller than the stage along an axis is centred on it; a larger one may not leave a gap. */
export function clampPan(view: View, image: Size, stage: Size): View {
  const limit = (imageSide: number, stageSide: number) =>
    Math.max(0, (imageSide * view.scale - stageSide) / 2);
  const clamp = (value: number, max: number) => Math.min(max, Math.max(-max, value));
  return {
    scale: view.scale,
    x: clamp(view.x, limit(image.width, stage.width)),
    y: clamp(view.y, limit(image.height, stage.height)),
  };
}

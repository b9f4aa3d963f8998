import { decode, openImage, render, upright } from './image-source.js';

/**
 * Formats every browser engine the app runs in shows as they are (sharp's names). A HEIC, a
 * TIFF or a camera RAW is not among them: the viewer gets a display JPEG made from it instead.
 */
const BROWSER_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'gif', 'avif']);

/** The longest side of a display JPEG: a 4K screen's width, so zooming in still looks sharp. */
export const DISPLAY_MAX_SIDE = 3840;

/**
 * Whether a photo needs a display copy for a browser to show it: `format` is what the catalog
 * recorded (a RAW's extension for a camera RAW, whose preview may itself be a JPEG but is
 * inside a file no browser opens).
 */
export function needsDisplayCopy(format: string | null): boolean {
  return format === null || !BROWSER_FORMATS.has(format);
}

/**
 * The photo as a viewer shows it (upright, colour-managed to sRGB), as a JPEG no larger than
 * DISPLAY_MAX_SIDE: made by the same decode path as indexing (libheif for a HEIC, the largest
 * embedded JPEG for a RAW). Throws PhotoDecodeError when the file no longer decodes.
 */
export async function makeDisplayJpeg(bytes: Buffer, fileName: string): Promise<Buffer> {
  const source = await openImage(bytes, fileName);
  const pipeline = upright(await decode(source, 'display'), source)
    .resize(DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    // JPEG has no transparency: a transparent HEIC or TIFF is shown on white, as on a page.
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .jpeg({ quality: 88 });
  return render(pipeline.toBuffer());
}

import type { PhotoMetadata } from './metadata.js';

/** Why a file could not be turned into a photo; the library stores it and the UI explains it. */
export type PhotoDecodeReason =
  'empty' | 'not-an-image' | 'corrupt' | 'too-large' | 'unreadable' | 'no-preview';

/** The only error the media layer throws for bad input; the message is one line for a person. */
export class PhotoDecodeError extends Error {
  override readonly name = 'PhotoDecodeError';

  /** What could still be read about the photo (a RAW's camera and date), for the catalog. */
  readonly known: Partial<PhotoMetadata>;

  constructor(
    readonly reason: PhotoDecodeReason,
    message: string,
    options?: ErrorOptions & { known?: Partial<PhotoMetadata> },
  ) {
    super(message, options);
    this.known = options?.known ?? {};
  }
}

/** libvips's own decompression-bomb guard (0x3FFF squared, about 268 megapixels). */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** Whether a picture of this declared size is refused before decoding, and why. */
export function tooManyPixels(width: number, height: number): PhotoDecodeError | null {
  if (width * height <= MAX_INPUT_PIXELS) return null;
  const limit = Math.round(MAX_INPUT_PIXELS / 1e6);
  return new PhotoDecodeError(
    'too-large',
    `image too large: ${width}x${height} pixels exceeds the ${limit} megapixel limit`,
  );
}

/** The first non-blank line of a decoder's message: errors are told in one line. */
export function firstLine(message: string): string {
  return (
    message
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'unknown decoder error'
  );
}

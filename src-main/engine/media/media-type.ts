import sharp from 'sharp';

/** What a browser is told each image format sharp recognises is; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/**
 * The content type of an image file, from its bytes (the header only): never from its name, so
 * an HTML page or an SVG named .jpg is not an image here. Null when the bytes are no image a
 * photo viewer should be handed.
 */
export async function sniffImageType(bytes: Buffer): Promise<string | null> {
  try {
    const { format, compression } = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (format === 'heif') return compression === 'av1' ? 'image/avif' : 'image/heic';
    return CONTENT_TYPES[format] ?? null;
  } catch {
    return null;
  }
}

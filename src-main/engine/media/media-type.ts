import sharp from 'sharp';

/** What a browser is told each image format sharp recognises is; anything else is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
};

/** Leading bytes of each container a photo comes in, by sharp's name for its format. */
const SIGNATURES: readonly [format: string, offset: number, bytes: Buffer][] = [
  ['jpeg', 0, Buffer.from([0xff, 0xd8, 0xff])],
  ['png', 0, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ['gif', 0, Buffer.from('GIF8', 'latin1')],
  ['webp', 8, Buffer.from('WEBP', 'latin1')],
  ['tiff', 0, Buffer.from('II*\0', 'latin1')],
  ['tiff', 0, Buffer.from('MM\0*', 'latin1')],
  ['tiff', 0, Buffer.from('II+\0', 'latin1')], // BigTIFF
  ['tiff', 0, Buffer.from('MM\0+', 'latin1')],
  ['heif', 4, Buffer.from('ftyp', 'latin1')], // ISO-BMFF: HEIC, HEIF, AVIF
];

/**
 * The photo container the bytes begin with ('jpeg', 'png', 'gif', 'webp', 'tiff', 'heif'),
 * 'svg' for an SVG drawing, else null. Looked at before libvips sees the bytes: it has loaders
 * for much that is no photo (SVG through librsvg and libxml2, which parse entities and
 * references; PDF; CSV and matrix text), and none of them may read a file from a photo folder.
 */
export function containerFormat(bytes: Buffer): string | null {
  for (const [format, offset, signature] of SIGNATURES) {
    if (bytes.subarray(offset, offset + signature.length).equals(signature)) return format;
  }
  const start = bytes.subarray(0, 4096).toString('utf8').trimStart();
  return start.startsWith('<') && /<svg[\s>]/i.test(start) ? 'svg' : null;
}

/**
 * The content type of an image file, from its bytes (the header only): never from its name, so
 * an HTML page or an SVG named .jpg is not an image here. Null when the bytes are no image a
 * photo viewer should be handed.
 */
export async function sniffImageType(bytes: Buffer): Promise<string | null> {
  const container = containerFormat(bytes);
  if (container === null || container === 'svg') return null;
  try {
    const { format, compression } = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (format === 'heif') return compression === 'av1' ? 'image/avif' : 'image/heic';
    return CONTENT_TYPES[format] ?? null;
  } catch {
    return null;
  }
}

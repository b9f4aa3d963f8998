import path from 'node:path';

/**
 * File extensions (lower case, no dot) of the formats the bundled libvips decodes. HEIC is left
 * out: sharp's prebuilt libvips decodes AVIF but not HEVC-coded HEIF. GIF is left out on purpose:
 * it is animation and clip art far more often than photographs.
 */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'avif'] as const;

const extensionSet: ReadonlySet<string> = new Set(IMAGE_EXTENSIONS);

/** Whether a path names a photo Ferret indexes; hidden files (e.g. macOS `._IMG.jpg`) never do. */
export function isImagePath(filePath: string): boolean {
  const name = path.basename(filePath);
  if (name.startsWith('.')) return false;
  return extensionSet.has(path.extname(name).slice(1).toLowerCase());
}

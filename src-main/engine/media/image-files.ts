import path from 'node:path';
import { RAW_FORMATS } from '../../contract/api.js';

/**
 * File extensions (lower case, no dot) of the photos Ferret indexes: what the bundled libvips
 * decodes (GIF by its first frame), HEIC/HEIF (decoded with libheif compiled to WebAssembly,
 * since sharp's prebuilt libvips decodes AVIF but not HEVC) and camera RAW.
 */
export const IMAGE_EXTENSIONS = [
  'jpg',
  'jpeg',
  'png',
  'webp',
  'tif',
  'tiff',
  'avif',
  'gif',
  'heic',
  'heif',
  'hif',
  ...RAW_FORMATS,
] as const;

const extensionSet: ReadonlySet<string> = new Set(IMAGE_EXTENSIONS);
const rawExtensionSet: ReadonlySet<string> = new Set(RAW_FORMATS);

function extensionOf(filePath: string): string {
  return path.extname(filePath).slice(1).toLowerCase();
}

/** Whether a path names a photo Ferret indexes; hidden files (e.g. macOS `._IMG.jpg`) never do. */
export function isImagePath(filePath: string): boolean {
  const name = path.basename(filePath);
  if (name.startsWith('.')) return false;
  return extensionSet.has(extensionOf(name));
}

/**
 * The RAW format a path names (its extension: `cr2`, `nef`…), or null for any other file. The
 * extension is what marks a camera RAW: many are TIFF files that would otherwise be read as one.
 */
export function rawFormatOf(filePath: string): string | null {
  const extension = extensionOf(filePath);
  return rawExtensionSet.has(extension) ? extension : null;
}

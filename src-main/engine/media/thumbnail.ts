import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { decode, openImage, render, upright } from './image-source.js';
import type { ImageSource } from './image-source.js';

export const THUMBNAIL_MAX_SIDE = 400;

/** A WebP of the photo as a viewer shows it (oriented, colour-managed), longest side `maxSide`. */
export async function makeThumbnail(
  bytes: Buffer,
  maxSide: number = THUMBNAIL_MAX_SIDE,
  fileName = '',
): Promise<Buffer> {
  return thumbnailFrom(await openImage(bytes, fileName), maxSide);
}

export async function thumbnailFrom(source: ImageSource, maxSide: number): Promise<Buffer> {
  const pipeline = upright(await decode(source, 'display'), source)
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    // Effort 2 of 6 encodes in half the time of the default for files about 2% larger.
    .webp({ quality: 80, effort: 2 });
  return render(pipeline.toBuffer());
}

/** `<dir>/<first two hex digits>/<hash>.webp`: thumbnails are shared by identical photos. */
export function thumbnailPath(dir: string, contentHash: string): string {
  if (!/^[0-9a-f]{64}$/.test(contentHash)) {
    throw new Error(`not a sha256 content hash: ${JSON.stringify(contentHash)}`);
  }
  return path.join(dir, contentHash.slice(0, 2), `${contentHash}.webp`);
}

/** Writes the thumbnail so that readers never see a half-written file; returns its path. */
export async function writeThumbnail(
  dir: string,
  contentHash: string,
  thumbnail: Buffer,
): Promise<string> {
  const target = thumbnailPath(dir, contentHash);
  await mkdir(path.dirname(target), { recursive: true });
  // Not flushed to disk: a thumbnail lost to a power cut is made again (ferret check --repair).
  await writeFileAtomic(target, thumbnail, { durable: false });
  return target;
}

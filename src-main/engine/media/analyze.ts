import { openImage } from './image-source.js';
import type { ImageSource } from './image-source.js';
import { metadataFrom } from './metadata.js';
import type { PhotoMetadata } from './metadata.js';
import { clipSource, clipTensorFrom } from './preprocess.js';
import type { ClipImageSpec } from './preprocess.js';
import { THUMBNAIL_MAX_SIDE, thumbnailFrom } from './thumbnail.js';

export interface PhotoAnalysis {
  metadata: PhotoMetadata;
  /** The image tower's input, [3, size, size]. */
  tensor: Float32Array;
  /** WebP thumbnail. */
  thumbnail: Buffer;
}

/**
 * Everything indexing needs from one photo's bytes. The header is read once and, where the
 * colours allow, the pixels are decoded once into a reduced copy that both the tensor and the
 * thumbnail are made from; otherwise each is its own pipeline that decodes only as much as it
 * needs (JPEG/WebP shrink-on-load).
 */
export async function analyzePhoto(
  bytes: Buffer,
  spec: ClipImageSpec,
  thumbnailMaxSide: number = THUMBNAIL_MAX_SIDE,
): Promise<PhotoAnalysis> {
  const source = await openImage(bytes);
  const [metadata, reduced] = await Promise.all([metadataFrom(source), clipSource(source, spec)]);
  const [tensor, thumbnail] = await Promise.all([
    clipTensorFrom(reduced, spec),
    thumbnailFrom(servesThumbnail(reduced, thumbnailMaxSide) ? reduced : source, thumbnailMaxSide),
  ]);
  return { metadata, tensor, thumbnail };
}

/** Whether a copy still has every pixel a thumbnail of `maxSide` needs. */
function servesThumbnail(copy: ImageSource, maxSide: number): boolean {
  if (copy.pixels === undefined) return true;
  const { width, height } = copy.header;
  return (
    Math.max(copy.pixels.width, copy.pixels.height) >= Math.min(maxSide, Math.max(width, height))
  );
}

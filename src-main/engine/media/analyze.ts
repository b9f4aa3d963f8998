import { openImage } from './image-source.js';
import { metadataFrom } from './metadata.js';
import type { PhotoMetadata } from './metadata.js';
import { clipTensorFrom } from './preprocess.js';
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
 * Everything indexing needs from one photo's bytes. The header is read once; the tensor and the
 * thumbnail are two pipelines that run side by side, each decoding only as much as its output
 * needs (JPEG/WebP shrink-on-load), since they differ in colour handling and in size.
 */
export async function analyzePhoto(
  bytes: Buffer,
  spec: ClipImageSpec,
  thumbnailMaxSide: number = THUMBNAIL_MAX_SIDE,
): Promise<PhotoAnalysis> {
  const source = await openImage(bytes);
  const [metadata, tensor, thumbnail] = await Promise.all([
    metadataFrom(source),
    clipTensorFrom(source, spec),
    thumbnailFrom(source, thumbnailMaxSide),
  ]);
  return { metadata, tensor, thumbnail };
}

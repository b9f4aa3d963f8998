import { PhotoDecodeError } from './errors.js';
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
 * Everything indexing needs from one photo's bytes (`fileName` tells a camera RAW). The header
 * is read once and, where the colours allow, the pixels are decoded once into a reduced copy
 * that both the tensor and the thumbnail are made from; otherwise each is its own pipeline that
 * decodes only as much as it needs (JPEG/WebP shrink-on-load). When the pixels fail, the error
 * carries the metadata that was read, so the catalog keeps the photo's date and camera.
 */
export async function analyzePhoto(
  bytes: Buffer,
  spec: ClipImageSpec,
  fileName = '',
  thumbnailMaxSide: number = THUMBNAIL_MAX_SIDE,
): Promise<PhotoAnalysis> {
  const source = await openImage(bytes, fileName);
  const metadata = await metadataFrom(source);
  try {
    const reduced = await clipSource(source, spec);
    const [tensor, thumbnail] = await Promise.all([
      clipTensorFrom(reduced, spec),
      thumbnailFrom(
        servesThumbnail(reduced, thumbnailMaxSide) ? reduced : source,
        thumbnailMaxSide,
      ),
    ]);
    return { metadata, tensor, thumbnail };
  } catch (error) {
    if (!(error instanceof PhotoDecodeError)) throw error;
    throw new PhotoDecodeError(error.reason, error.message, { cause: error, known: metadata });
  }
}

/** Whether a copy still has every pixel a thumbnail of `maxSide` needs. */
function servesThumbnail(copy: ImageSource, maxSide: number): boolean {
  if (copy.pixels === undefined) return true;
  const { width, height } = copy.header;
  return (
    Math.max(copy.pixels.width, copy.pixels.height) >= Math.min(maxSide, Math.max(width, height))
  );
}

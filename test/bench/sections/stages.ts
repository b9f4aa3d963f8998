import path from 'node:path';
import sharp from 'sharp';
import { ClipModel } from '../../../src-main/engine/embedder/clip-model.js';
import {
  MODEL_MANIFEST_FILE,
  readModelManifest,
  type ModelManifest,
} from '../../../src-main/engine/embedder/manifest.js';
import { analyzePhoto } from '../../../src-main/engine/media/analyze.js';
import { sha256OfBytes } from '../../../src-main/engine/util/sha256.js';
import { MAX_INPUT_PIXELS } from '../../../src-main/engine/media/errors.js';
import { openImage } from '../../../src-main/engine/media/image-source.js';
import { metadataFrom } from '../../../src-main/engine/media/metadata.js';
import { readPhotoFile } from '../../../src-main/engine/media/photo-file.js';
import {
  clipSource,
  clipTensorFrom,
  type ClipImageSpec,
} from '../../../src-main/engine/media/preprocess.js';
import { writeThumbnail } from '../../../src-main/engine/media/thumbnail.js';
import { mapConcurrent } from '../../../src-main/engine/util/concurrency.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { similarity } from '../../../src-main/engine/util/vectors.js';
import { perSecond } from '../stats.js';

/**
 * The indexing pipeline's stages timed on their own, on the same photos and the same cores as
 * the end-to-end run, so that the pipeline's overhead is a ratio.
 */

export interface Throughput {
  photos: number;
  ms: number;
  photosPerSecond: number;
}

function throughput(photos: number, ms: number): Throughput {
  return { photos, ms, photosPerSecond: perSecond(photos, ms) };
}

export function manifestIn(modelDir: string): ModelManifest {
  return readModelManifest(path.join(modelDir, MODEL_MANIFEST_FILE));
}

export function openModel(modelDir: string, intraOpThreads: number): ClipModel {
  return new ClipModel(modelDir, manifestIn(modelDir), {
    providers: ['cpu'],
    logger: silentLogger,
    tuning: { intraOpThreads },
  });
}

/**
 * Everything the indexer does to a photo before the model, with the indexer's concurrency:
 * read, content hash, header and EXIF, the CLIP tensor and the thumbnail (from one reduced
 * decode where the colours allow), thumbnail written. Without `thumbnailsDir`, the same minus the thumbnail,
 * to show what thumbnails cost. Returns the tensors, ready for the model.
 */
export async function decodeAlone(
  photos: readonly string[],
  spec: ClipImageSpec,
  concurrency: number,
  thumbnailsDir: string | null,
): Promise<{ throughput: Throughput; tensors: Float32Array[] }> {
  const started = performance.now();
  const tensors: Float32Array[] = [];
  const prepare = async (photo: string) => {
    const bytes = await readPhotoFile(photo);
    const contentHash = sha256OfBytes(bytes);
    if (thumbnailsDir === null) {
      const source = await openImage(bytes);
      const [, reduced] = await Promise.all([metadataFrom(source), clipSource(source, spec)]);
      return clipTensorFrom(reduced, spec);
    }
    const analyzed = await analyzePhoto(bytes, spec);
    await writeThumbnail(thumbnailsDir, contentHash, analyzed.thumbnail);
    return analyzed.tensor;
  };
  for await (const tensor of mapConcurrent(photos, concurrency, prepare)) tensors.push(tensor);
  return { throughput: throughput(photos.length, performance.now() - started), tensors };
}

export interface ModelRunFigures {
  batchSize: number;
  intraOpThreads: number;
  /** Creating the image tower's session. */
  openMs: number;
  throughput: Throughput;
}

export interface ModelAloneResult {
  figures: ModelRunFigures;
  /** The vectors of `tensors`, in order (for comparing models). */
  vectors: Float32Array[];
}

/**
 * The image tower alone on ready tensors, in batches, cycling through `tensors` until `photos`
 * have been embedded. One batch runs untimed first: onnxruntime sizes its buffers on the first
 * run.
 */
export async function modelAlone(
  modelDir: string,
  tensors: readonly Float32Array[],
  options: { batchSize: number; intraOpThreads: number; photos: number },
): Promise<ModelAloneResult> {
  const { batchSize, intraOpThreads, photos } = options;
  const model = openModel(modelDir, intraOpThreads);
  try {
    const opening = performance.now();
    await model.warmUp({ image: true });
    const openMs = performance.now() - opening;
    const batchAt = (start: number, size: number) =>
      Array.from({ length: size }, (_, i) => tensors[(start + i) % tensors.length]!);
    await model.embedImages(batchAt(0, batchSize));
    const vectors: Float32Array[] = [];
    const started = performance.now();
    for (let done = 0; done < photos; done += batchSize) {
      const batch = await model.embedImages(batchAt(done, Math.min(batchSize, photos - done)));
      vectors.push(...batch);
    }
    const ms = performance.now() - started;
    return {
      figures: { batchSize, intraOpThreads, openMs, throughput: throughput(photos, ms) },
      vectors: vectors.slice(0, tensors.length),
    };
  } finally {
    await model.close();
  }
}

export interface NaiveResult {
  throughput: Throughput;
  /** Time spent before the model (read, hash, full decode, preprocess, thumbnail). */
  decodeMs: number;
  modelMs: number;
}

/**
 * What a first implementation does: one photo at a time, decoded at full size, then the same
 * preprocessing and thumbnail, then the model on a batch of one. The full-size decode is
 * forced by decoding to an uncompressed TIFF first, which the engine's own preprocessing then
 * reads (a TIFF cannot be shrunk on load); writing it is a copy of the pixels.
 */
export async function naiveBaseline(
  photos: readonly string[],
  modelDir: string,
  intraOpThreads: number,
  thumbnailsDir: string,
): Promise<NaiveResult> {
  const model = openModel(modelDir, intraOpThreads);
  try {
    await model.warmUp({ image: true });
    let decodeMs = 0;
    let modelMs = 0;
    for (const photo of photos) {
      const decoding = performance.now();
      const bytes = await readPhotoFile(photo);
      const fullSize = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, ignoreIcc: true })
        .autoOrient()
        .tiff({ compression: 'none' })
        .toBuffer();
      const analyzed = await analyzePhoto(fullSize, model.manifest.image);
      await writeThumbnail(thumbnailsDir, sha256OfBytes(bytes), analyzed.thumbnail);
      const embedding = performance.now();
      decodeMs += embedding - decoding;
      await model.embedImages([analyzed.tensor]);
      modelMs += performance.now() - embedding;
    }
    return { throughput: throughput(photos.length, decodeMs + modelMs), decodeMs, modelMs };
  } finally {
    await model.close();
  }
}

/** Cosine of each pair of unit vectors. */
export function cosines(a: readonly Float32Array[], b: readonly Float32Array[]): number[] {
  if (a.length !== b.length) throw new Error(`${a.length} vectors against ${b.length}`);
  return a.map((vector, row) => similarity(vector, b[row]!));
}

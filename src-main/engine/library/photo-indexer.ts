import type { Catalog } from '../catalog/catalog.js';
import { analyzePhoto } from '../media/analyze.js';
import { sha256OfBytes } from '../util/sha256.js';
import { PhotoDecodeError } from '../media/errors.js';
import { readPhotoFile } from '../media/photo-file.js';
import type { PhotoMetadata } from '../media/metadata.js';
import type { ClipImageSpec } from '../media/preprocess.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { Logger } from '../util/logger.js';
import type { VectorStore } from '../vector-store.js';
import { errorCode, fileIsGone, isEnvironmentError } from './folder-availability.js';
import type { ScannedFile } from './scan.js';
import { saveThumbnail } from './thumbnail-store.js';
import { errorMessage } from '../../contract/format.js';

/** Turns preprocessed image tensors into vectors: the model itself, or a worker running it. */
export interface ImageEmbedder {
  embedImages(tensors: readonly Float32Array[]): Promise<Float32Array[]>;
}

/** The model's image tower and where its vectors go; absent while no model is installed. */
export interface EmbeddingTarget {
  embedder: ImageEmbedder;
  vectors: VectorStore;
  /** Told when new vectors are in the index (near-duplicate grouping compares them). */
  onIndexed?: () => void;
}

/** A file to bring into the catalog, and the library folder it belongs to. */
export interface IndexingTarget extends ScannedFile {
  folderId: number;
}

/**
 * What became of a file. 'vanished': it was gone before it could be read. 'retry': another
 * file of the same batch claimed the moved photo first (two copies of a moved file), so this
 * one must be looked at again.
 */
export type IndexingOutcome = 'unchanged' | 'failed' | 'moved' | 'stored' | 'vanished' | 'retry';

export interface IndexerOptions {
  catalog: Catalog;
  thumbnailsDir: string;
  embedding: EmbeddingTarget | null;
  /** How photos are prepared for the image tower (the bundled model's, while none is installed). */
  imageSpec: ClipImageSpec;
  logger: Logger;
  /** Photos per inference call: larger batches use the cores better, up to a point. */
  batchSize?: number;
  /** Photos decoded ahead of the model, so decoding and inference overlap. */
  decodeConcurrency?: number;
  /**
   * Called inside the transaction that records a file's outcome, so whatever the caller does
   * here (finishing the file's queued job) commits together with the photo and its vector.
   */
  onRecorded?: (file: IndexingTarget, outcome: IndexingOutcome, movedFrom: string | null) => void;
}

/**
 * How far a run of the indexing pipeline is: the counts behind the user's IndexingProgress
 * (which adds state, rate and time left; see progress-tracker.ts).
 */
export interface PipelineProgress {
  done: number;
  /** Done plus what is still to do (while a queue drains, it grows as new work arrives). */
  total: number;
  failed: number;
  currentPath: string | null;
}

export interface IndexingCounts {
  added: number;
  updated: number;
  moved: number;
  unchanged: number;
  failed: number;
  embedded: number;
  failures: { path: string; message: string }[];
}

export function emptyCounts(): IndexingCounts {
  return { added: 0, updated: 0, moved: 0, unchanged: 0, failed: 0, embedded: 0, failures: [] };
}

type Prepared =
  | { kind: 'unchanged'; file: IndexingTarget }
  | { kind: 'vanished'; file: IndexingTarget }
  | {
      kind: 'failed';
      file: IndexingTarget;
      message: string;
      contentHash: string | null;
      /** What could be read despite the error (a RAW without a preview: its camera, date). */
      known?: Partial<PhotoMetadata>;
    }
  | { kind: 'moved'; file: IndexingTarget; photoId: number; from: string }
  | {
      kind: 'decoded';
      file: IndexingTarget;
      existingId: number | null;
      contentHash: string;
      metadata: PhotoMetadata;
      tensor: Float32Array;
    };

type Decoded = Extract<Prepared, { kind: 'decoded' }>;
/** An environment error (a full disk) while preparing: the run stops. */
type Stopped = { kind: 'stopped'; file: IndexingTarget; error: unknown };

/**
 * Brings a set of files into the catalog: reads, hashes, decodes, thumbnails and embeds the new
 * or changed ones, and recognises moved ones by their content so they keep their vector. A bad
 * file is recorded with its error and never stops the run; a full disk or a vanished drive
 * (an environment error) stops it without recording anything against the photos.
 */
export class PhotoIndexer {
  private readonly batchSize: number;
  private readonly decodeConcurrency: number;

  constructor(private readonly options: IndexerOptions) {
    this.batchSize = options.batchSize ?? 16;
    this.decodeConcurrency = options.decodeConcurrency ?? 4;
  }

  async indexFiles(
    files: readonly IndexingTarget[],
    onProgress: (progress: PipelineProgress) => void = () => {},
    signal?: AbortSignal,
  ): Promise<IndexingCounts> {
    const counts = emptyCounts();
    const progress: PipelineProgress = {
      done: 0,
      total: files.length,
      failed: 0,
      currentPath: null,
    };
    const pending: Decoded[] = [];
    const report = (file: IndexingTarget) => {
      progress.done++;
      progress.failed = counts.failed;
      progress.currentPath = file.path;
      onProgress({ ...progress });
    };

    // mapConcurrent's work must not reject: a rejection it never awaits (the loop below stopped
    // on another error) would end the process. A full disk comes back as a value, thrown here.
    for await (const prepared of mapConcurrent(files, this.decodeConcurrency, (file) =>
      this.prepare(file).catch((error: unknown): Stopped => ({ kind: 'stopped', file, error })),
    )) {
      if (prepared.kind === 'stopped') throw prepared.error;
      if (signal?.aborted) break;
      if (prepared.kind === 'decoded') {
        pending.push(prepared);
        if (pending.length >= this.batchSize) {
          await this.store(pending.splice(0), counts, report);
        }
        continue;
      }
      this.record(prepared, counts);
      report(prepared.file);
    }
    if (!signal?.aborted) await this.store(pending.splice(0), counts, report);
    return counts;
  }

  /** Writes what needs no model, each file in its own short transaction. */
  private record(prepared: Exclude<Prepared, Decoded>, counts: IndexingCounts): void {
    const { catalog, onRecorded } = this.options;
    catalog.transaction(() => {
      let outcome: IndexingOutcome = prepared.kind;
      switch (prepared.kind) {
        case 'unchanged':
          counts.unchanged++;
          break;
        case 'vanished':
          break;
        case 'failed':
          this.recordFailure(prepared);
          counts.failed++;
          counts.failures.push({ path: prepared.file.path, message: prepared.message });
          break;
        case 'moved':
          if (catalog.getPhoto(prepared.photoId)?.path !== prepared.from) {
            outcome = 'retry';
            break;
          }
          catalog.movePhoto(prepared.photoId, prepared.file.path, prepared.file.folderId);
          catalog.updateFileStat(prepared.photoId, prepared.file.size, prepared.file.mtimeMs);
          counts.moved++;
          break;
      }
      onRecorded?.(prepared.file, outcome, prepared.kind === 'moved' ? prepared.from : null);
    });
  }

  private async prepare(file: IndexingTarget): Promise<Prepared> {
    const { catalog, embedding } = this.options;
    const existing = catalog.getPhotoByPath(file.path);
    const needsVector = (photoId: number) => embedding !== null && !embedding.vectors.has(photoId);
    if (
      existing !== undefined &&
      existing.size === file.size &&
      existing.mtimeMs === file.mtimeMs &&
      (existing.status === 'error' || (existing.status === 'indexed' && !needsVector(existing.id)))
    ) {
      return { kind: 'unchanged', file };
    }
    let bytes: Buffer;
    try {
      bytes = await readPhotoFile(file.path);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { kind: 'vanished', file };
      if (isEnvironmentError(error)) throw error;
      return { kind: 'failed', file, message: errorMessage(error), contentHash: null };
    }
    const contentHash = sha256OfBytes(bytes);
    if (existing === undefined) {
      // The same content under a path that is gone: the photo was renamed or moved.
      const original = catalog
        .findPhotosByHash(contentHash)
        .find((photo) => photo.status === 'indexed' && fileIsGone(photo.path));
      if (original !== undefined) {
        return { kind: 'moved', file, photoId: original.id, from: original.path };
      }
    }
    let analyzed;
    try {
      analyzed = await analyzePhoto(bytes, this.options.imageSpec, file.path);
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      const known = error instanceof PhotoDecodeError ? error.known : {};
      return { kind: 'failed', file, message: errorMessage(error), contentHash, known };
    }
    // Outside the photo's try: a thumbnail that cannot be written is the library's problem.
    await saveThumbnail(this.options.thumbnailsDir, contentHash, analyzed.thumbnail);
    return {
      kind: 'decoded',
      file,
      existingId: existing?.id ?? null,
      contentHash,
      metadata: analyzed.metadata,
      tensor: analyzed.tensor,
    };
  }

  /** Embeds a batch, then writes each photo row with its vector in one transaction. */
  private async store(
    batch: Decoded[],
    counts: IndexingCounts,
    report: (file: IndexingTarget) => void,
  ): Promise<void> {
    if (batch.length === 0) return;
    const { catalog, embedding, logger, onRecorded } = this.options;
    let vectors: Float32Array[] | null = null;
    if (embedding !== null) {
      try {
        vectors = await embedding.embedder.embedImages(batch.map((photo) => photo.tensor));
      } catch (error) {
        // The model failing is not the photos' fault: they stay indexed without a vector and
        // are embedded on the next run.
        logger.warn(`embedding ${batch.length} photos failed: ${errorMessage(error)}`);
      }
    }
    const embedded = catalog.transaction(() =>
      batch.flatMap((photo, i) => {
        const photoId = catalog.upsertPhoto({
          path: photo.file.path,
          folderId: photo.file.folderId,
          size: photo.file.size,
          mtimeMs: photo.file.mtimeMs,
          contentHash: photo.contentHash,
          ...photo.metadata,
          status: 'indexed',
          lastError: null,
        });
        onRecorded?.(photo.file, 'stored', null);
        const vector = vectors?.[i];
        if (vector === undefined) return [];
        return [{ photoId, vector: embedding!.vectors.writeToCatalog(photoId, vector) }];
      }),
    );
    embedding?.vectors.addToVectorIndex(embedded);
    if (embedded.length > 0) embedding?.onIndexed?.();
    for (const photo of batch) {
      if (photo.existingId === null) counts.added++;
      else counts.updated++;
    }
    counts.embedded += embedded.length;
    batch.forEach((photo) => report(photo.file));
  }

  private recordFailure(failed: Extract<Prepared, { kind: 'failed' }>): void {
    this.options.catalog.upsertPhoto({
      ...failed.known,
      path: failed.file.path,
      folderId: failed.file.folderId,
      size: failed.file.size,
      mtimeMs: failed.file.mtimeMs,
      contentHash: failed.contentHash,
      status: 'error',
      lastError: failed.message,
    });
  }
}

import { existsSync } from 'node:fs';
import type { Catalog } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import { analyzePhoto } from '../media/analyze.js';
import { hashBytes } from '../media/content-hash.js';
import { readPhotoFile } from '../media/photo-file.js';
import type { PhotoMetadata } from '../media/metadata.js';
import type { ClipImageSpec } from '../media/preprocess.js';
import { writeThumbnail } from '../media/thumbnail.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { Logger } from '../util/logger.js';
import type { VectorStore } from '../vector-store.js';
import type { ScannedFile } from './scan.js';

/** The model's image tower and where its vectors go; absent while no model is installed. */
export interface EmbeddingTarget {
  model: ClipModel;
  vectors: VectorStore;
}

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
}

export interface IndexProgress {
  done: number;
  total: number;
  failed: number;
  currentPath: string | null;
}

export interface IndexCounts {
  added: number;
  updated: number;
  moved: number;
  unchanged: number;
  failed: number;
  embedded: number;
  failures: { path: string; message: string }[];
}

type Prepared =
  | { kind: 'unchanged'; file: ScannedFile }
  | { kind: 'failed'; file: ScannedFile; message: string; contentHash: string | null }
  | { kind: 'moved'; file: ScannedFile; photoId: number }
  | {
      kind: 'decoded';
      file: ScannedFile;
      existingId: number | null;
      contentHash: string;
      metadata: PhotoMetadata;
      tensor: Float32Array;
    };

type Decoded = Extract<Prepared, { kind: 'decoded' }>;

/**
 * Brings a set of files into the catalog: reads, hashes, decodes, thumbnails and embeds the new
 * or changed ones, and recognises moved ones by their content so they keep their vector. A bad
 * file is recorded with its error and never stops the run.
 */
export class PhotoIndexer {
  private readonly batchSize: number;
  private readonly decodeConcurrency: number;

  constructor(private readonly options: IndexerOptions) {
    this.batchSize = options.batchSize ?? 16;
    this.decodeConcurrency = options.decodeConcurrency ?? 4;
  }

  async indexFiles(
    folderId: number,
    files: readonly ScannedFile[],
    onProgress: (progress: IndexProgress) => void = () => {},
    signal?: AbortSignal,
  ): Promise<IndexCounts> {
    const counts: IndexCounts = {
      added: 0,
      updated: 0,
      moved: 0,
      unchanged: 0,
      failed: 0,
      embedded: 0,
      failures: [],
    };
    const progress: IndexProgress = { done: 0, total: files.length, failed: 0, currentPath: null };
    const pending: Decoded[] = [];
    const report = (file: ScannedFile) => {
      progress.done++;
      progress.failed = counts.failed;
      progress.currentPath = file.path;
      onProgress({ ...progress });
    };

    for await (const prepared of mapConcurrent(files, this.decodeConcurrency, (file) =>
      this.prepare(file),
    )) {
      if (signal?.aborted) break;
      switch (prepared.kind) {
        case 'unchanged':
          counts.unchanged++;
          report(prepared.file);
          break;
        case 'failed':
          this.recordFailure(folderId, prepared);
          counts.failed++;
          counts.failures.push({ path: prepared.file.path, message: prepared.message });
          report(prepared.file);
          break;
        case 'moved':
          this.options.catalog.movePhoto(prepared.photoId, prepared.file.path, folderId);
          this.options.catalog.updateFileStat(
            prepared.photoId,
            prepared.file.size,
            prepared.file.mtimeMs,
          );
          counts.moved++;
          report(prepared.file);
          break;
        case 'decoded':
          pending.push(prepared);
          if (pending.length >= this.batchSize) {
            await this.store(folderId, pending.splice(0), counts, report);
          }
          break;
      }
    }
    await this.store(folderId, pending.splice(0), counts, report);
    return counts;
  }

  private async prepare(file: ScannedFile): Promise<Prepared> {
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
      return { kind: 'failed', file, message: errorMessage(error), contentHash: null };
    }
    const contentHash = hashBytes(bytes);
    if (existing === undefined) {
      const original = catalog
        .findPhotosByHash(contentHash)
        .find((photo) => photo.status === 'indexed' && !existsSync(photo.path));
      if (original !== undefined) return { kind: 'moved', file, photoId: original.id };
    }
    try {
      const analyzed = await analyzePhoto(bytes, this.options.imageSpec);
      await writeThumbnail(this.options.thumbnailsDir, contentHash, analyzed.thumbnail);
      return {
        kind: 'decoded',
        file,
        existingId: existing?.id ?? null,
        contentHash,
        metadata: analyzed.metadata,
        tensor: analyzed.tensor,
      };
    } catch (error) {
      return { kind: 'failed', file, message: errorMessage(error), contentHash };
    }
  }

  /** Embeds a batch, then writes each photo row with its vector in one transaction. */
  private async store(
    folderId: number,
    batch: Decoded[],
    counts: IndexCounts,
    report: (file: ScannedFile) => void,
  ): Promise<void> {
    if (batch.length === 0) return;
    const { catalog, embedding, logger } = this.options;
    let vectors: Float32Array[] | null = null;
    if (embedding !== null) {
      try {
        vectors = await embedding.model.embedImages(batch.map((photo) => photo.tensor));
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
          folderId,
          size: photo.file.size,
          mtimeMs: photo.file.mtimeMs,
          contentHash: photo.contentHash,
          ...photo.metadata,
          status: 'indexed',
          lastError: null,
        });
        if (photo.existingId === null) counts.added++;
        else counts.updated++;
        const vector = vectors?.[i];
        if (vector === undefined) return [];
        embedding!.vectors.writeToCatalog(photoId, vector);
        return [{ photoId, vector }];
      }),
    );
    embedding?.vectors.addToIndex(embedded);
    counts.embedded += embedded.length;
    batch.forEach((photo) => report(photo.file));
  }

  private recordFailure(folderId: number, failed: Extract<Prepared, { kind: 'failed' }>): void {
    this.options.catalog.upsertPhoto({
      path: failed.file.path,
      folderId,
      size: failed.file.size,
      mtimeMs: failed.file.mtimeMs,
      contentHash: failed.contentHash,
      status: 'error',
      lastError: failed.message,
    });
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

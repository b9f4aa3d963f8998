import { existsSync } from 'node:fs';
import type { PhotoRow } from '../catalog/catalog.js';
import type { LibraryServices } from './library-services.js';
import { analyzePhoto } from '../media/analyze.js';
import { readPhotoFile } from '../media/photo-file.js';
import { THUMBNAIL_MAX_SIDE, makeThumbnail, thumbnailPath } from '../media/thumbnail.js';
import { mapConcurrent } from '../util/concurrency.js';
import type { VectorIndexDifferences } from '../vector-index/vector-index.js';
import { fileIsGone, isEnvironmentError } from './folder-availability.js';
import { LibraryLock } from '../library-lock.js';
import { saveThumbnail, strayTemporaryFiles } from './thumbnail-store.js';
import { errorMessage } from '../../contract/format.js';

/** Photos recorded as failed that are read again at once, to see whether they still fail. */
const RECHECK_CONCURRENCY = 4;

export interface CheckReport {
  /** True when the catalog, the vector index, the thumbnails and the disk agree. */
  consistent: boolean;
  photos: number;
  /** The active model's vectors in the catalog, and in the index; null without a model. */
  vectors: number | null;
  vectorIndexSize: number | null;
  vectorIndexDifferences: VectorIndexDifferences | null;
  /** Indexed photos without a vector from the active model. */
  photosWithoutVector: number[];
  /** Catalogued photos whose files are gone (in folders that can be read). */
  missingFiles: string[];
  /** Folders that cannot be read now: their photos are kept and not checked against the disk. */
  unavailableFolders: string[];
  missingThumbnails: number[];
  /**
   * Photos recorded as unreadable whose files now decode: the error was not the photo's (a
   * thumbnails folder that could not be written, before Ferret told the two apart) or is fixed.
   */
  staleErrors: number[];
  /**
   * Temporary files of preview writes a killed process left (the next writer's opening removes
   * them, `check --repair` included). Not looked for while another process writes the library,
   * since its writes in flight look the same.
   */
  strayTemporaryFiles: string[];
  /** Work still queued (left by a stop or a crash). */
  pendingJobs: { index: number; remove: number };
}

export interface RepairReport {
  before: CheckReport;
  after: CheckReport;
  vectorIndexSynced: { added: number; updated: number; removed: number } | null;
  thumbnailsWritten: number;
  thumbnailFailures: { path: string; message: string }[];
}

/**
 * Compares the catalog (the source of truth) with everything derived from it and the disk,
 * once the vector index has been read (or rebuilt): an index still opening holds nothing yet.
 */
export async function checkLibrary(services: LibraryServices): Promise<CheckReport> {
  const { catalog, vectors } = services;
  catalog.assertSound();
  await vectors?.whenSettled();
  const folders = catalog.listFolders();
  const unavailable = new Set(folders.filter((f) => f.status === 'unavailable').map((f) => f.id));
  const report: CheckReport = {
    consistent: false,
    photos: 0,
    vectors: null,
    vectorIndexSize: vectors?.size ?? null,
    vectorIndexDifferences: vectors?.compareVectorIndexWithCatalog() ?? null,
    photosWithoutVector: [],
    missingFiles: [],
    unavailableFolders: folders.filter((f) => unavailable.has(f.id)).map((f) => f.path),
    missingThumbnails: [],
    staleErrors: [],
    strayTemporaryFiles: LibraryLock.heldByAnother(services.paths.lock)
      ? []
      : await strayTemporaryFiles(services.paths),
    pendingJobs: catalog.countJobs(),
  };
  if (vectors !== null) report.vectors = catalog.countVectors(vectors.modelId);
  const failed: PhotoRow[] = [];
  for (const folder of folders) {
    for (const photo of catalog.photosInFolder(folder.id)) {
      report.photos++;
      const gone = !unavailable.has(folder.id) && fileIsGone(photo.path);
      if (gone) report.missingFiles.push(photo.path);
      if (photo.status === 'error' && !gone && !unavailable.has(folder.id)) failed.push(photo);
      if (photo.status !== 'indexed') continue;
      if (vectors !== null && vectors.get(photo.id) === undefined) {
        report.photosWithoutVector.push(photo.id);
      }
      if (
        photo.contentHash !== null &&
        !existsSync(thumbnailPath(services.paths.thumbnailsDir, photo.contentHash))
      ) {
        report.missingThumbnails.push(photo.id);
      }
    }
  }
  for await (const recovered of mapConcurrent(failed, RECHECK_CONCURRENCY, (photo) =>
    decodesNow(photo, services),
  )) {
    if (recovered !== null) report.staleErrors.push(recovered);
  }
  report.staleErrors.sort((a, b) => a - b);
  const differences = report.vectorIndexDifferences;
  report.consistent =
    (differences === null ||
      differences.missing.length + differences.different.length + differences.extra.length === 0) &&
    report.photosWithoutVector.length === 0 &&
    report.missingFiles.length === 0 &&
    report.missingThumbnails.length === 0 &&
    report.staleErrors.length === 0 &&
    report.strayTemporaryFiles.length === 0 &&
    report.pendingJobs.index + report.pendingJobs.remove === 0;
  return report;
}

/** The photo's id when its file, recorded as failed, reads and decodes now; else null. */
async function decodesNow(photo: PhotoRow, services: LibraryServices): Promise<number | null> {
  try {
    await analyzePhoto(await readPhotoFile(photo.path), services.imageSpec, photo.path);
    return photo.id;
  } catch {
    return null;
  }
}

/**
 * Restores consistency: the index is rebuilt from the catalog's vectors, missing thumbnails
 * are made again, photos whose files are gone are queued for removal, and photos without a
 * vector or with a stale error for indexing, and the queue is worked off. Then checks again.
 */
export async function repairLibrary(services: LibraryServices): Promise<RepairReport> {
  const before = await checkLibrary(services);
  const { catalog, vectors } = services;
  const vectorIndexSynced = (await vectors?.syncVectorIndexWithCatalog()) ?? null;
  const thumbnailFailures: RepairReport['thumbnailFailures'] = [];
  let thumbnailsWritten = 0;
  for (const photoId of before.missingThumbnails) {
    const photo = catalog.getPhoto(photoId);
    if (photo?.contentHash == null || !existsSync(photo.path)) continue;
    try {
      const thumbnail = await makeThumbnail(
        await readPhotoFile(photo.path),
        THUMBNAIL_MAX_SIDE,
        photo.path,
      );
      await saveThumbnail(services.paths.thumbnailsDir, photo.contentHash, thumbnail);
      thumbnailsWritten++;
    } catch (error) {
      // The library's own folder failing stops the repair: every other thumbnail would too.
      if (isEnvironmentError(error)) throw error;
      thumbnailFailures.push({ path: photo.path, message: errorMessage(error) });
    }
  }
  const requeue = (paths: string[], kind: 'index' | 'remove') =>
    catalog.enqueueJobs(
      paths.flatMap((path) => {
        const photo = catalog.getPhotoByPath(path);
        return photo ? [{ path, folderId: photo.folderId, kind, priority: photo.mtimeMs }] : [];
      }),
    );
  requeue(before.missingFiles, 'remove');
  // A stale error is read again only once its recorded size no longer matches the file's.
  catalog.transaction(() => before.staleErrors.forEach((id) => catalog.forgetFileSize(id)));
  requeue(
    [...before.photosWithoutVector, ...before.staleErrors].flatMap(
      (id) => catalog.getPhoto(id)?.path ?? [],
    ),
    'index',
  );
  await services
    .jobRunner(services.model, { removalGraceMs: 0 })
    .drain(new AbortController().signal);
  return {
    before,
    after: await checkLibrary(services),
    vectorIndexSynced,
    thumbnailsWritten,
    thumbnailFailures,
  };
}

import type { AddedFolder, ExecutionProviderName } from '../../contract/api.js';
import type { Catalog, PhotoRow } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import type { SessionTuning } from '../embedder/providers.js';
import type { LibraryPaths } from '../library-paths.js';
import type { ClipImageSpec } from '../media/preprocess.js';
import type { Logger } from '../util/logger.js';
import type { VectorStore } from '../vector-store.js';
import type { WatcherCatalog } from './folder-watcher.js';
import type { JobRunner } from './job-runner.js';
import type { ImageEmbedder } from './photo-indexer.js';
import type { ReconcileCatalog } from './reconcile.js';

/**
 * The catalog as the live library uses it: the folders (listed, looked at, marked unavailable)
 * and the persisted job queue. Photos and vectors are written only by the job runner and the
 * engine's folder operations, which the live library calls through its services.
 */
export type LiveCatalog = Pick<
  Catalog,
  'listFolders' | 'getFolder' | 'setFolderStatus' | 'nextJobTime' | 'countJobs' | 'clearJobs'
> &
  WatcherCatalog &
  ReconcileCatalog;

/**
 * What the live library needs from the engine that owns it. Declared here, below the engine,
 * so it depends on what it uses and not on the Engine facade (which satisfies it).
 */
export interface LiveLibraryServices {
  readonly paths: LibraryPaths;
  readonly catalog: LiveCatalog;
  readonly logger: Logger;
  /** The active model; null while no model is installed. */
  readonly model: ClipModel | null;
  /** How the model's sessions run, so a worker thread can open the same. */
  readonly providers: ExecutionProviderName[];
  readonly tuning: (SessionTuning & { batchSize?: number; decodeConcurrency?: number }) | undefined;
  addFolder(folderPath: string): Promise<AddedFolder>;
  removeFolder(folderId: number): Promise<{ removedPhotos: number }>;
  /** Whether a catalogued photo still needs the indexer. */
  needsWork(photo: PhotoRow): boolean;
  /** A worker for the persisted queue, embedding with `embedder`. */
  jobRunner(
    embedder: ImageEmbedder | null,
    options: {
      removalGraceMs: number;
      onFolderUnavailable?: (folderId: number, reason: string) => void;
    },
  ): JobRunner;
}

/**
 * What check and repair need besides: they compare the whole catalog (photos, vectors) with
 * the vector index and the thumbnails, and rewrite what is derived from it.
 */
export interface LibraryServices extends LiveLibraryServices {
  readonly catalog: Catalog;
  /** The active model's vectors; null while no model is installed. */
  readonly vectors: VectorStore | null;
  /** How photos are prepared for the image tower (the bundled model's, while none is installed). */
  readonly imageSpec: ClipImageSpec;
}

import type { AddedFolder, ExecutionProviderName } from '../../contract/api.js';
import type { Catalog, PhotoRow } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import type { SessionTuning } from '../embedder/providers.js';
import type { LibraryPaths } from '../library-paths.js';
import type { Logger } from '../util/logger.js';
import type { VectorStore } from '../vector-store.js';
import type { JobRunner } from './job-runner.js';
import type { ImageEmbedder } from './photo-indexer.js';

/**
 * What the library's keepers (the live library, check and repair) need from the engine that
 * owns them. Declared here, below the engine, so they depend on what they use and not on the
 * Engine facade (which satisfies it).
 */
export interface LibraryServices {
  readonly paths: LibraryPaths;
  readonly catalog: Catalog;
  readonly logger: Logger;
  /** The active model and its vectors; null while no model is installed. */
  readonly model: ClipModel | null;
  readonly vectors: VectorStore | null;
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

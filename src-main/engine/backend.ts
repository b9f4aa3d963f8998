import type {
  ApiBackend,
  EngineEvent,
  IndexingProgress,
  Method,
  ParsedRequestOf,
  ResponseTypes,
} from '../contract/api.js';
import type { Engine } from './engine.js';
import { fetchModel } from './embedder/model-store.js';
import { thumbnailPath } from './media/thumbnail.js';
import { IndexingRunner } from './library/indexing-runner.js';
import { UserError } from './util/user-error.js';

/** Desktop actions only the Electron shell can perform; other doors leave them out. */
export interface DesktopActions {
  openPath(file: string): Promise<boolean>;
  showInFolder(file: string): Promise<boolean>;
}

type Handlers = { [M in Method]: (args: ParsedRequestOf<M>) => Promise<ResponseTypes[M]> };

/**
 * The engine as the doors see it: one handler per contract method, events for progress, and
 * media files only for photos that belong to the library.
 */
export function createBackend(
  engine: Engine,
  desktop?: DesktopActions,
): ApiBackend & { close(): Promise<void> } {
  const listeners = new Set<(event: EngineEvent) => void>();
  const emit = (event: EngineEvent) => listeners.forEach((listener) => listener(event));
  const runner = new IndexingRunner(engine, {
    onProgress: (progress: IndexingProgress) => emit({ type: 'indexing', progress }),
    onLibraryChanged: () => emit({ type: 'library-changed' }),
  });

  const photoPath = (photoId: number) => {
    const photo = engine.catalog.getPhoto(photoId);
    if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
    return photo.path;
  };

  const handlers: Handlers = {
    getStatus: async () => engine.status(runner.progress()),
    listPhotos: async ({ offset, limit }) => engine.listPhotos(offset, limit),
    getPhoto: async ({ photoId }) => {
      const photo = engine.getPhoto(photoId);
      if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
      return photo;
    },
    searchText: ({ query, limit }) => engine.searchText(query, limit),
    findSimilar: async ({ photoId, limit }) => engine.findSimilar(photoId, limit),
    listFolders: async () => engine.listFolders(),
    addFolder: async ({ path }) => {
      const folder = await engine.addFolder(path);
      runner.start();
      emit({ type: 'library-changed' });
      return folder;
    },
    removeFolder: async ({ folderId }) => {
      await runner.stop();
      const result = engine.removeFolder(folderId);
      emit({ type: 'library-changed' });
      runner.start();
      return result;
    },
    pauseIndexing: async () => runner.pause(),
    resumeIndexing: async () => runner.resume(),
    fetchModel: async () => {
      await fetchModel({
        manifest: engine.bundledManifest,
        dir: engine.modelDir,
        onProgress: (progress) => emit({ type: 'model-download', progress }),
      });
      const info = await engine.loadModel();
      runner.start();
      return info;
    },
    useModelFolder: async ({ path }) => {
      const info = await engine.useModelFolder(path);
      runner.start();
      return info;
    },
    getSettings: async () => ({ providers: engine.providers }),
    updateSettings: async ({ providers }) => {
      if (providers !== undefined) await engine.setProviders(providers);
      return { providers: engine.providers };
    },
    openPhoto: async ({ photoId }) => ({
      opened: (await desktop?.openPath(photoPath(photoId))) ?? false,
    }),
    showPhotoInFolder: async ({ photoId }) => ({
      shown: (await desktop?.showInFolder(photoPath(photoId))) ?? false,
    }),
  };

  return {
    handle: (method, args) => (handlers[method] as (args: unknown) => Promise<never>)(args),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async mediaFile(kind, photoId) {
      const photo = engine.catalog.getPhoto(photoId);
      if (photo === undefined || engine.catalog.folderForPath(photo.path) === undefined)
        return null;
      if (kind === 'photo') return photo.path;
      return photo.contentHash
        ? thumbnailPath(engine.paths.thumbnailsDir, photo.contentHash)
        : null;
    },
    close: () => runner.stop(),
  };
}

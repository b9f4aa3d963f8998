import type {
  ApiBackend,
  EngineEvent,
  Method,
  ParsedRequestOf,
  ResponseTypes,
} from '../contract/api.js';
import { errorMessage } from '../contract/format.js';
import type { Engine } from './engine.js';
import { fetchModel } from './embedder/model-store.js';
import { thumbnailPath } from './media/thumbnail.js';
import { LiveLibrary, type LiveLibraryOptions } from './library/live-library.js';
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
  liveOptions?: LiveLibraryOptions,
): ApiBackend & { close(): Promise<void> } {
  const listeners = new Set<(event: EngineEvent) => void>();
  const emit = (event: EngineEvent) => listeners.forEach((listener) => listener(event));
  const library = new LiveLibrary(
    engine,
    {
      onProgress: (progress) => emit({ type: 'indexing', progress }),
      onLibraryChanged: () => emit({ type: 'library-changed' }),
    },
    liveOptions,
  );
  // The library reconciles and watches in the background; a folder that cannot be read is a
  // status the user sees, never a failure to start.
  const started = library.start().catch((error: unknown) => {
    engine.logger.warn(`the live library did not start: ${errorMessage(error)}`);
  });
  // Building the text tower's session takes most of a second: done now, the first search
  // answers at once. A failure here shows again, with its reason, on that search.
  void started
    .then(() => engine.model?.warmUp({ text: true }))
    .catch((error: unknown) => {
      engine.logger.warn(`the text encoder did not load: ${errorMessage(error)}`);
    });

  const photoPath = (photoId: number) => {
    const photo = engine.catalog.getPhoto(photoId);
    if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
    return photo.path;
  };

  const handlers: Handlers = {
    getStatus: async () => engine.status(library.progress()),
    listPhotos: async ({ offset, limit }) => engine.listPhotos(offset, limit),
    listMonths: async () => engine.listMonths(),
    getPhoto: async ({ photoId }) => {
      const photo = engine.getPhoto(photoId);
      if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
      return photo;
    },
    searchText: ({ query, limit }) => engine.searchText(query, limit),
    findSimilar: async ({ photoId, limit }) => engine.findSimilar(photoId, limit),
    listFolders: async () => engine.listFolders(),
    addFolder: async ({ path }) => {
      const folder = await library.addFolder(path);
      emit({ type: 'library-changed' });
      return folder;
    },
    removeFolder: async ({ folderId }) => {
      const result = await library.removeFolder(folderId);
      emit({ type: 'library-changed' });
      return result;
    },
    pauseIndexing: async () => library.pause(),
    resumeIndexing: async () => library.resume(),
    cancelIndexing: () => library.cancel(),
    fetchModel: async () => {
      await fetchModel({
        manifest: engine.bundledManifest,
        dir: engine.modelDir,
        onProgress: (progress) => emit({ type: 'model-download', progress }),
      });
      const info = await engine.loadModel();
      await library.refresh();
      return info;
    },
    useModelFolder: async ({ path }) => {
      const info = await engine.useModelFolder(path);
      await library.refresh();
      return info;
    },
    listBundledModels: () => engine.listBundledModels(),
    selectBundledModel: async ({ id }) => {
      const info = await engine.selectBundledModel(id);
      // Queues the photos that lack this model's vectors, when it is there to embed them.
      await library.refresh();
      return info;
    },
    getSettings: async () => ({ providers: engine.providers }),
    updateSettings: async ({ providers }) => {
      if (providers !== undefined) {
        await engine.setProviders(providers);
        await library.refresh();
      }
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
    close: async () => {
      await started;
      await library.stop();
    },
  };
}

import path from 'node:path';
import type {
  ApiBackend,
  EngineEvent,
  ExecutionProviderName,
  FolderInfo,
  IndexingProgress,
  MediaBytes,
  MediaKind,
  Method,
  ModelDownloadProgress,
  ModelInfo,
  ParsedRequestOf,
  ResponseTypes,
  SearchResults,
} from '../contract/api.js';
import { UserError } from '../contract/errors.js';
import { errorMessage } from '../contract/format.js';
import { Engine, type EngineOptions, type IndexingResult } from './engine.js';
import type { SearchOptions } from './search/photo-search.js';
import { fetchModel, verifyModelFolder, type ModelFileCheck } from './embedder/model-store.js';
import { defaultProviderOrder, runtimeInfo } from './embedder/providers.js';
import { TextTokenizer } from './embedder/tokenizer.js';
import { checkLibrary, repairLibrary } from './library/library-check.js';
import type { CheckReport, RepairReport } from './library/library-check.js';
import { LiveLibrary, type LiveLibraryOptions } from './library/live-library.js';
import { readPhotoFile } from './media/photo-file.js';
import { clipTensor, tensorToBytes } from './media/preprocess.js';
import { givenPath } from './util/given-path.js';
import { defaultLogDir, LOG_FILE_NAME } from './util/log-file.js';

/**
 * The one service interface of the engine: every door (the CLI, `ferret serve`, the Electron
 * engine host) opens a `Backend` and nothing else of the engine (the lint rule in
 * eslint.config.js holds them to it). The contract's methods go through `handle`, so the CLI
 * answers exactly what the app does; the few things only the CLI offers (a one-shot index,
 * check and repair, diagnostics) are methods of their own here.
 */

export type { CheckReport, IndexingResult, ModelFileCheck, RepairReport };
export { ModelUnavailableError } from './embedder/model-store.js';
export { MODEL_MANIFEST_FILE } from './embedder/manifest.js';
export { defaultLibraryDir } from './library-paths.js';
export { defaultLogDir, LogFile } from './util/log-file.js';

/** Desktop actions only the Electron shell can perform; other doors leave them out. */
export interface DesktopActions {
  openPath(file: string): Promise<boolean>;
  showInFolder(file: string): Promise<boolean>;
}

export interface BackendOptions extends EngineOptions {
  /** Warnings and notes go nowhere (the CLI's --json), whatever `logger` says. */
  quiet?: boolean;
  desktop?: DesktopActions;
  live?: LiveLibraryOptions;
}

/** What `ferret doctor` reports: the runtime, its providers and the model files' checksums. */
export interface DoctorReport {
  onnxruntime: Record<string, string>;
  availableProviders: { name: string; bundled: boolean }[];
  providerOrder: ExecutionProviderName[];
  platformDefaultOrder: ExecutionProviderName[];
  runningProvider: string | null;
  providerProblem: string | null;
  model: ModelInfo;
  modelDir: string;
  files: ModelFileCheck[];
  /** Where the desktop app writes this run's log. */
  desktopLogFile: string;
}

/** A bundled model downloaded by `fetchBundledModel`. */
export interface FetchedModel {
  id: string;
  name: string;
  dir: string;
  /** Whether it is the selected model (then it is loaded, and `info` says how it stands). */
  selected: boolean;
  info: ModelInfo | null;
}

type Handlers = { [M in Method]: (args: ParsedRequestOf<M>) => Promise<ResponseTypes[M]> };

/** How often a long-lived door hears how the vector index is doing while it is not ready. */
const INDEX_STATUS_EVERY_MS = 1000;

export class Backend implements ApiBackend {
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly library: LiveLibrary;
  private live: Promise<void> | null = null;
  private vectorIndexWatch: NodeJS.Timeout | undefined;
  private readonly handlers: Handlers;

  /** Over an engine someone else opened and closes (tests, benchmarks); see `Backend.open`. */
  constructor(
    private readonly engine: Engine,
    private readonly options: Pick<BackendOptions, 'desktop' | 'live'> & {
      ownsEngine?: boolean;
    } = {},
  ) {
    this.library = new LiveLibrary(
      engine,
      {
        onProgress: (progress) => this.emit({ type: 'indexing', progress }),
        onLibraryChanged: () => this.emit({ type: 'library-changed' }),
      },
      options.live,
    );
    this.handlers = this.contractHandlers();
  }

  /** Opens the library (and its model, when there is one) for a door. */
  static async open(options: BackendOptions): Promise<Backend> {
    const { quiet, desktop, live, ...engineOptions } = options;
    const engine = await Engine.open({
      ...engineOptions,
      ...(quiet ? { logger: { info: () => {}, warn: () => {} } } : {}),
    });
    return new Backend(engine, { desktop, live, ownsEngine: true });
  }

  get libraryDir(): string {
    return this.engine.paths.root;
  }

  /** The folder the model is read from (or would be, once fetched). */
  get modelDir(): string {
    return this.engine.modelDir;
  }

  /** The active model, or the selected bundled one that search is waiting for. */
  modelInfo(): ModelInfo {
    return this.engine.modelInfo();
  }

  handle<M extends Method>(method: M, args: ParsedRequestOf<M>): Promise<ResponseTypes[M]> {
    return (this.handlers[method] as (args: unknown) => Promise<ResponseTypes[M]>)(args);
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  media(kind: MediaKind, photoId: number): Promise<MediaBytes | null> {
    return this.engine.media(kind, photoId);
  }

  /**
   * Keeps the library up to date in the background (the app, `ferret serve`, `ferret watch`):
   * folders are reconciled with the disk and watched. A folder that cannot be read is a status
   * the user sees, never a failure to start.
   */
  startLiveLibrary(): Promise<void> {
    // A rebuild of the vector index takes minutes on a large library: the app shows its progress.
    let vectorIndexReported = false;
    this.vectorIndexWatch ??= setInterval(() => {
      const status = this.engine.vectors?.status() ?? null;
      if (status !== null && (status.state !== 'ready' || !vectorIndexReported)) {
        this.emit({ type: 'vector-index', status });
        vectorIndexReported = status.state === 'ready';
      }
    }, INDEX_STATUS_EVERY_MS);
    this.live ??= this.library.start().catch((error: unknown) => {
      this.engine.logger.warn(`the live library did not start: ${errorMessage(error)}`);
    });
    return this.live;
  }

  async stopLiveLibrary(): Promise<void> {
    clearInterval(this.vectorIndexWatch);
    this.vectorIndexWatch = undefined;
    await this.live;
    await this.library.stop();
    this.live = null;
  }

  /**
   * For doors that answer searches for a while (the app, `ferret serve`): building the text
   * tower's session takes most of a second, so it is built now, in a worker thread unless the
   * live library embeds in-process (Engine.warmUpTextSearch), and the first search answers at
   * once. A failure here shows again, with its reason, on that search.
   */
  warmUpSearch(): void {
    void Promise.resolve(this.live)
      .then(() => this.engine.warmUpTextSearch(this.options.live?.inferenceWorker !== false))
      .catch((error: unknown) => {
        this.engine.logger.warn(`the text encoder did not load: ${errorMessage(error)}`);
      });
  }

  /** Resolves once the live library has nothing left to do; rejects when it stopped on a problem. */
  async untilIdle(): Promise<void> {
    await this.live;
    await this.library.settled();
  }

  indexingProgress(): IndexingProgress {
    return this.library.progress();
  }

  /**
   * `ferret index`: adds a folder (if new) and works off everything it needs, in the
   * foreground, without watching.
   */
  indexFolder(
    folderPath: string,
    options: { onProgress?: (progress: IndexingProgress) => void; signal?: AbortSignal } = {},
  ): Promise<IndexingResult> {
    return this.engine.indexFolder(folderPath, options);
  }

  /** `ferret folders add --polling`: watch by polling (network shares). */
  async addFolder(folderPath: string, options: { polling?: boolean } = {}): Promise<FolderInfo> {
    const folder = await this.handle('addFolder', { path: folderPath });
    if (options.polling !== undefined) {
      this.engine.catalog.setFolderPolling(folder.id, options.polling);
    }
    return folder;
  }

  /** `ferret folders remove <path>`: the library folder a path names (links followed). */
  findFolder(folderPath: string): Promise<FolderInfo | undefined> {
    return this.engine.findFolder(folderPath);
  }

  /** Photos like an image file: its stored vector when it is in the library, else embedded now. */
  findSimilarToFile(file: string, options: SearchOptions): Promise<SearchResults> {
    return this.engine.findSimilarToFile(file, options);
  }

  /** `ferret status`: a damaged catalog is refused with what is damaged (see Catalog.assertSound). */
  assertCatalogSound(): void {
    this.engine.catalog.assertSound();
  }

  /** Compares the library as a whole: waits for the vector index to be read (or rebuilt). */
  checkLibrary(): Promise<CheckReport> {
    return checkLibrary(this.engine);
  }

  repairLibrary(): Promise<RepairReport> {
    return repairLibrary(this.engine);
  }

  /** Resolves once the saved vector index is read, or found unusable and being rebuilt. */
  async vectorIndexOpened(): Promise<void> {
    await this.engine.vectors?.whenOpened();
  }

  /** Downloads a bundled model (the selected one by default) and loads it when it is selected. */
  async fetchBundledModel(
    id: string | undefined,
    onProgress: (progress: ModelDownloadProgress) => void,
  ): Promise<FetchedModel> {
    const manifest = id === undefined ? this.engine.bundledManifest : this.engine.bundledModel(id);
    const dir = this.engine.downloadFolder(manifest);
    await fetchModel({ manifest, dir, onProgress });
    const selected = manifest.id === this.engine.bundledManifest.id;
    const info = selected ? await this.engine.loadModel() : null;
    return { id: manifest.id, name: manifest.name, dir, selected, info };
  }

  async doctor(): Promise<DoctorReport> {
    const model = this.engine.model;
    const files = model ? await verifyModelFolder(model.dir, model.manifest) : [];
    let runningProvider: string | null = null;
    let providerProblem: string | null = null;
    if (model) {
      try {
        await model.warmUp({ image: true });
        runningProvider = model.provider;
      } catch (error) {
        providerProblem = errorMessage(error);
      }
    }
    const runtime = runtimeInfo();
    return {
      onnxruntime: runtime.versions,
      availableProviders: runtime.providers,
      providerOrder: this.engine.providers,
      platformDefaultOrder: defaultProviderOrder(),
      runningProvider,
      providerProblem,
      model: this.engine.modelInfo(),
      modelDir: this.engine.modelDir,
      files,
      desktopLogFile: path.join(defaultLogDir(), LOG_FILE_NAME),
    };
  }

  /** The token ids the text tower receives (`ferret debug tokenize`). */
  tokenize(text: string): number[] {
    const manifest = this.engine.bundledManifest;
    const tokenizer =
      this.engine.model?.textTokenizer() ??
      (manifest.text
        ? TextTokenizer.fromFile(path.join(this.modelDir, manifest.text.tokenizer), manifest.text)
        : null);
    if (tokenizer === null) throw new UserError(`${manifest.name} has no text tower`);
    return tokenizer.encode(text);
  }

  /** The image tower's input for a file, as little-endian float32 CHW bytes. */
  async imageTensor(file: string): Promise<{ bytes: Buffer; shape: number[] }> {
    const spec = (this.engine.model?.manifest ?? this.engine.bundledManifest).image;
    const bytes = await readPhotoFile(givenPath(file));
    return {
      bytes: tensorToBytes(await clipTensor(bytes, spec, file)),
      shape: [3, spec.size, spec.size],
    };
  }

  async close(): Promise<void> {
    await this.stopLiveLibrary();
    if (this.options.ownsEngine) await this.engine.close();
  }

  private emit(event: EngineEvent): void {
    this.listeners.forEach((listener) => listener(event));
  }

  private photoPath(photoId: number): string {
    const photo = this.engine.catalog.getPhoto(photoId);
    if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
    return photo.path;
  }

  private contractHandlers(): Handlers {
    const { engine, library } = this;
    const desktop = this.options.desktop;
    return {
      getStatus: async () => engine.status(library.progress()),
      listPhotos: async ({ offset, limit, filter, order }) =>
        engine.listPhotos(offset, limit, { filter, order }),
      listMonths: async () => engine.listMonths(),
      listDays: async () => engine.listDays(),
      listUnreadablePhotos: async () => engine.listUnreadablePhotos(),
      getPhoto: async ({ photoId }) => {
        const photo = engine.getPhoto(photoId);
        if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
        return photo;
      },
      getPhotoDetails: ({ photoId }) => engine.photoDetails(photoId),
      searchText: ({ query, ...options }) => engine.searchText(query, options),
      findSimilar: async ({ photoId, ...options }) => engine.findSimilar(photoId, options),
      findSimilarToPicture: ({ picture, ...options }) =>
        engine.findSimilarToPicture(
          Buffer.from(picture.buffer, picture.byteOffset, picture.byteLength),
          options,
        ),
      listCameras: async () => engine.listCameras(),
      findSimilarToPhotos: async ({ photoIds, limit, step }) =>
        engine.findSimilarToPhotos(photoIds, { limit, step }),
      listFolders: async () => engine.listFolders(),
      addFolder: async ({ path }) => {
        const folder = await library.addFolder(path);
        this.emit({ type: 'library-changed' });
        return folder;
      },
      removeFolder: async ({ folderId }) => {
        const result = await library.removeFolder(folderId);
        this.emit({ type: 'library-changed' });
        return result;
      },
      pauseIndexing: async () => library.pause(),
      resumeIndexing: async () => library.resume(),
      cancelIndexing: () => library.cancel(),
      fetchModel: async () => {
        const fetched = await this.fetchBundledModel(undefined, (progress) =>
          this.emit({ type: 'model-download', progress }),
        );
        await library.refresh();
        return fetched.info ?? engine.modelInfo();
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
      getSettings: async () => engine.settings(),
      updateSettings: async ({ providers }) => {
        if (providers !== undefined) {
          await engine.setProviders(providers);
          await library.refresh();
        }
        return engine.settings();
      },
      openPhoto: async ({ photoId }) => ({
        opened: (await desktop?.openPath(this.photoPath(photoId))) ?? false,
      }),
      showPhotoInFolder: async ({ photoId }) => ({
        shown: (await desktop?.showInFolder(this.photoPath(photoId))) ?? false,
      }),
      moveToTrash: async ({ photoIds }) => {
        const result = await engine.moveToTrash(photoIds);
        if (result.trashed.length > 0) this.emit({ type: 'library-changed' });
        return result;
      },
      listDuplicates: ({ tier }) => engine.listDuplicates(tier),
    };
  }
}

/**
 * A backend over an engine the caller opened and closes, with the live library started, as
 * the app runs it (tests and benchmarks).
 */
export function createBackend(
  engine: Engine,
  desktop?: DesktopActions,
  live?: LiveLibraryOptions,
): Backend {
  const backend = new Backend(engine, { desktop, live });
  void backend.startLiveLibrary();
  backend.warmUpSearch();
  return backend;
}

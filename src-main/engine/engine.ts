import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type {
  AddedFolder,
  BundledModel,
  ExecutionProviderName,
  BrowseOrder,
  CameraCount,
  FolderInfo,
  IndexingProgress,
  LibraryStatus,
  MediaBytes,
  MediaKind,
  ModelInfo,
  ModelProblem,
  MonthCount,
  DuplicateReport,
  DuplicateTier,
  TrashResult,
  DayCount,
  PhotoDetails,
  PhotoFilter,
  PhotoPage,
  PhotoSummary,
  SearchResults,
  Settings,
  SimilarResults,
} from '../contract/api.js';
import { SqliteCatalog, type Catalog } from './catalog/catalog.js';
import { duplicateReport } from './duplicates/duplicate-report.js';
import { NearDuplicates } from './duplicates/near-duplicates.js';
import { ClipModel } from './embedder/clip-model.js';
import {
  BUNDLED_MODELS_DIR,
  DEFAULT_MODEL_ID,
  downloadBytes,
  modelKey,
  ModelManifestError,
  readBundledManifests,
  type ModelManifest,
} from './embedder/manifest.js';
import { findModelFolder, ModelUnavailableError } from './embedder/model-store.js';
import { prepareModelGraphs } from './embedder/prepared-graph.js';
import { defaultProviderOrder } from './embedder/providers.js';
import type { SessionTuning } from './embedder/providers.js';
import { LibraryLock } from './library-lock.js';
import { libraryPaths, type LibraryPaths } from './library-paths.js';
import { describeFsError } from './library/folder-availability.js';
import type { PhotoRow } from './catalog/catalog.js';
import { JobRunner } from './library/job-runner.js';
import type { ImageEmbedder, IndexingCounts } from './library/photo-indexer.js';
import { ProgressTracker } from './library/progress-tracker.js';
import { DisplayCache } from './library/display-cache.js';
import { WorkerEmbedder } from './library/worker-embedder.js';
import { readLibraryMedia } from './library/media-access.js';
import { reconcileFolder } from './library/reconcile.js';
import { movePhotosToTrash } from './library/trash.js';
import { removeStrayTemporaryFiles, removeUnusedPreviews } from './library/thumbnail-store.js';
import { NO_CAPTURE_SETTINGS, readCaptureSettings } from './media/metadata.js';
import type { ClipImageSpec } from './media/preprocess.js';
import type { ScanProblem } from './library/scan.js';
import { PhotoSearch, type SearchOptions, type TextEmbedder } from './search/photo-search.js';
import { UserError } from '../contract/errors.js';
import { fullPathFromUser } from './util/given-path.js';
import { isPathInside } from './util/path-inside.js';
import { toPhotoSummary } from './search/photo-summary.js';
import { whyNoPhotos } from './search/empty-filter.js';
import { hasConditions, photoConditions } from './catalog/photo-filter.js';

/** The list of unreadable photos is for reading, not paging: the first this many by path. */
const UNREADABLE_LIST_LIMIT = 1000;
import { stderrLogger, type Logger } from './util/logger.js';
import { backgroundTurn } from './util/background-turns.js';
import { HnswVectorStore, type VectorStore } from './vector-store.js';

export interface EngineOptions {
  libraryDir: string;
  /** A model folder (with ferret-model.json); by default the selected bundled model's own. */
  modelDir?: string;
  providers?: ExecutionProviderName[];
  logger?: Logger;
  /** better-sqlite3's addon for this runtime, when it is not the one in node_modules. */
  sqliteBinding?: string;
  tuning?: SessionTuning & { batchSize?: number; decodeConcurrency?: number };
  /**
   * 'write' (the default) holds the library's lock while open; 'read' takes no lock and writes
   * nothing (the catalog is opened read-only, the index is never saved), so it works beside a
   * running writer, on a full disk and on a read-only library.
   */
  access?: 'read' | 'write';
}

export interface IndexingResult extends IndexingCounts {
  folder: FolderInfo;
  scanned: number;
  removed: number;
  scanProblems: ScanProblem[];
  /** Why photos were recorded without vectors, when no model is installed. */
  modelProblem: ModelProblem | null;
}

interface LoadedModel {
  model: ClipModel;
  /** The text tower search runs: the model itself, or a worker thread running it. */
  texts: TextEmbedder;
  vectors: VectorStore;
  search: PhotoSearch;
  duplicates: NearDuplicates;
}

/**
 * Photos removed per transaction when a folder goes, and how long a slice of them holds the
 * thread. At a million photos a transaction of 50 takes 10-15 ms of the thread (each photo
 * leaves a dozen indexes); a slice ends before a transaction that the last one says would
 * overrun it. The write-ahead log is copied into the catalog file in slices of its own.
 */
const REMOVAL_CHUNK = 50;
const REMOVAL_SLICE_MS = 40;
const REMOVAL_SLICE_CHUNKS = 40;
/**
 * Transactions of a removal between two copies of the write-ahead log into the catalog file:
 * about 1,000 pages of log at a million photos (SQLite's own interval), so that each copy's
 * flush to disk carries several transactions.
 */
const REMOVAL_CHECKPOINT_CHUNKS = 3;

/** Settings kept in the catalog, so every door sees the same choices. */
const PROVIDERS_SETTING = 'providers';
const MODEL_DIR_SETTING = 'modelDir';
const BUNDLED_MODEL_SETTING = 'bundledModel';

/**
 * The engine behind every door (CLI, `ferret serve`, the Electron shell): one library folder
 * holding the catalog, the vector indexes and the thumbnails, and at most one active model.
 * Works without a model too: photos are catalogued and the status says what search needs.
 */
export class Engine {
  private loaded: LoadedModel | null = null;
  /** Whether search runs the text tower in a worker thread (`warmUpTextSearch`). */
  private textsInWorker = false;
  private closing = false;
  private modelProblem: ModelProblem | null = null;
  private displayCache: DisplayCache | null = null;
  /** The models Ferret can download, one manifest each. */
  private readonly bundledModels: readonly ModelManifest[] = readBundledManifests();
  private readonly defaultManifest: ModelManifest;

  private constructor(
    readonly paths: LibraryPaths,
    readonly catalog: Catalog,
    readonly logger: Logger,
    private readonly options: EngineOptions,
    private readonly lock: LibraryLock | null,
  ) {
    const found = this.bundledModels.find((manifest) => manifest.id === DEFAULT_MODEL_ID);
    if (found === undefined) {
      throw new ModelManifestError(`${BUNDLED_MODELS_DIR}: no ${DEFAULT_MODEL_ID}.json`);
    }
    this.defaultManifest = found;
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const paths = libraryPaths(options.libraryDir);
    // A library not made yet cannot be read: it is made (nothing to lose, nobody to race).
    const readOnly = options.access === 'read' && existsSync(paths.catalog);
    let lock: LibraryLock | null = null;
    if (!readOnly) {
      const existing = await fs.stat(paths.root).catch(() => null);
      if (existing !== null && !existing.isDirectory()) {
        throw new UserError(`${paths.root} is a file, not a library folder (see --library)`);
      }
      const cannotUse = (error: unknown) =>
        new UserError(`cannot use ${paths.root} as the library: ${describeFsError(error)}`);
      await fs.mkdir(paths.root, { recursive: true }).catch((error: unknown) => {
        throw cannotUse(error);
      });
      try {
        lock = LibraryLock.acquire(paths.lock);
      } catch (error) {
        // "Already in use" says so itself; a folder that cannot be written is the library's.
        throw error instanceof UserError ? error : cannotUse(error);
      }
    }
    try {
      // Holding the lock, no other process is writing a preview: any temporary file is one
      // that a killed process left.
      if (lock !== null) await removeStrayTemporaryFiles(paths);
      const catalog = SqliteCatalog.open(paths.catalog, {
        readOnly,
        sqliteBinding: options.sqliteBinding,
      });
      const engine = new Engine(paths, catalog, options.logger ?? stderrLogger, options, lock);
      await engine.loadModel();
      return engine;
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** True when opened for reading only: nothing is written, no lock is held. */
  get readOnly(): boolean {
    return this.lock === null;
  }

  /**
   * The folder the model is read from: --model-dir, then the folder the user chose, then the
   * selected bundled model's download folder.
   */
  get modelDir(): string {
    return (
      this.options.modelDir ??
      (this.catalog.getSetting(MODEL_DIR_SETTING) as string | undefined) ??
      path.join(this.paths.modelsDir, this.bundledManifest.id)
    );
  }

  get providers(): ExecutionProviderName[] {
    return (
      this.options.providers ??
      (this.catalog.getSetting(PROVIDERS_SETTING) as ExecutionProviderName[] | undefined) ??
      defaultProviderOrder()
    );
  }

  /** How photos are prepared for the image tower (the bundled model's, while none is installed). */
  get imageSpec(): ClipImageSpec {
    return (this.loaded?.model.manifest ?? this.bundledManifest).image;
  }

  get model(): ClipModel | null {
    return this.loaded?.model ?? null;
  }

  get vectors(): VectorStore | null {
    return this.loaded?.vectors ?? null;
  }

  /** The selected bundled model: the one `fetchModel` downloads into `modelDir`. */
  get bundledManifest(): ModelManifest {
    const id = this.catalog.getSetting(BUNDLED_MODEL_SETTING) as string | undefined;
    // A model that a later version no longer ships gives way to the default, not to nothing.
    return this.bundledModels.find((manifest) => manifest.id === id) ?? this.defaultManifest;
  }

  /** The bundled model with this id; an unknown id is refused with the ids there are. */
  bundledModel(id: string): ModelManifest {
    const manifest = this.bundledModels.find((candidate) => candidate.id === id);
    if (manifest === undefined) {
      const known = this.bundledModels.map((candidate) => candidate.id).join(', ');
      throw new UserError(`no bundled model "${id}" (one of: ${known})`);
    }
    return manifest;
  }

  /**
   * Where a bundled model is downloaded to: the selected one goes where the engine reads its
   * model from (so --model-dir and a chosen folder are filled as before), others to their own.
   */
  downloadFolder(manifest: ModelManifest): string {
    return manifest.id === this.bundledManifest.id
      ? this.modelDir
      : path.join(this.paths.modelsDir, manifest.id);
  }

  async listBundledModels(): Promise<BundledModel[]> {
    const selected = this.bundledManifest.id;
    return Promise.all(
      this.bundledModels.map(async (manifest): Promise<BundledModel> => {
        const found = await findModelFolder(this.downloadFolder(manifest));
        return {
          id: manifest.id,
          name: manifest.name,
          supportsText: manifest.text !== undefined,
          downloadBytes: downloadBytes(manifest),
          // A folder holding some other model (a generated test model, say) does not count.
          installed: !('problem' in found) && modelKey(found.manifest) === modelKey(manifest),
          selected: manifest.id === selected,
        };
      }),
    );
  }

  /**
   * Makes a bundled model the one in use, read from its download folder (a model folder chosen
   * earlier is forgotten), and loads it when it is there. Vectors are kept per model, so those
   * of the previous model stay for a switch back.
   */
  async selectBundledModel(id: string): Promise<ModelInfo> {
    const manifest = this.bundledModel(id);
    this.refuseWhileModelDirGiven('use a bundled model');
    this.catalog.transaction(() => {
      this.catalog.setSetting(BUNDLED_MODEL_SETTING, manifest.id);
      this.catalog.deleteSetting(MODEL_DIR_SETTING);
    });
    return this.loadModel();
  }

  /** (Re)loads the model from `modelDir`; a missing model is a state, not an error. */
  async loadModel(): Promise<ModelInfo> {
    await this.loaded?.duplicates.close();
    await this.loaded?.vectors.close();
    await this.loaded?.texts.close();
    await this.loaded?.model.close();
    this.loaded = null;
    const found = await findModelFolder(this.modelDir);
    if ('problem' in found) {
      this.modelProblem = found.problem;
      return this.modelInfo();
    }
    await prepareModelGraphs(found.dir, found.manifest, this.logger);
    const model = new ClipModel(found.dir, found.manifest, {
      providers: this.providers,
      logger: this.logger,
      tuning: this.options.tuning,
    });
    const vectors = HnswVectorStore.open({
      readOnly: this.readOnly,
      catalog: this.catalog,
      vectorIndexDir: this.paths.vectorIndexDir,
      modelKey: model.key,
      dimensions: found.manifest.dimensions,
      logger: this.logger,
    });
    const { nearIdentical } = found.manifest.relevance;
    const duplicates = new NearDuplicates(
      this.catalog,
      vectors,
      // A model whose scores mean nothing (a random-weight test model) says -1: no near tier.
      nearIdentical > -1 ? nearIdentical : null,
      this.readOnly,
      this.logger,
    );
    // Photos embedded before (an older Ferret, another model's turn) are compared once the
    // index can answer for all of them: the groups "from scratch", one neighbour query per photo.
    void vectors.whenInLine().then(() => duplicates.compare());
    const texts = this.textEmbedder(model);
    const search = new PhotoSearch(this.catalog, model, texts, vectors);
    this.loaded = { model, texts, vectors, search, duplicates };
    this.modelProblem = null;
    return this.modelInfo();
  }

  /**
   * For doors that answer searches for a while (the app, `ferret serve`): opens the text tower
   * and its tokenizer ahead of the first query, in a worker thread unless `inWorker` is false
   * (or this build has no worker script). onnxruntime builds a session without giving the
   * thread back (about half a second for a text tower) and the tokenizer takes 0.3 s more:
   * in a worker, the thread that answers queries is never held for that. Later models follow.
   */
  async warmUpTextSearch(inWorker: boolean): Promise<void> {
    // A door may ask as it closes the engine: no worker may start after close() began. The
    // swap below is synchronous, so close() sees (and closes) the embedder search uses.
    if (this.closing) return;
    const loaded = this.loaded;
    if (this.textsInWorker !== inWorker) {
      this.textsInWorker = inWorker;
      if (loaded !== null) {
        const texts = this.textEmbedder(loaded.model);
        const search = new PhotoSearch(this.catalog, loaded.model, texts, loaded.vectors);
        this.loaded = { ...loaded, texts, search };
        if (loaded.texts !== loaded.model) await loaded.texts.close();
      }
    }
    if (this.closing || !this.loaded?.model.supportsText) return;
    await this.loaded.texts.warmUp({ text: true });
  }

  private textEmbedder(model: ClipModel): TextEmbedder {
    if (!this.textsInWorker || !model.supportsText) return model;
    const worker = WorkerEmbedder.create(
      {
        dir: model.dir,
        manifest: model.manifest,
        providers: this.providers,
        tuning: this.options.tuning,
      },
      this.logger,
    );
    return worker ?? model;
  }

  async useModelFolder(dir: string): Promise<ModelInfo> {
    this.refuseWhileModelDirGiven('use another model folder');
    const found = await findModelFolder(fullPathFromUser(dir));
    if ('problem' in found) throw new ModelUnavailableError(found.problem);
    this.catalog.setSetting(MODEL_DIR_SETTING, found.dir);
    return this.loadModel();
  }

  /**
   * A model folder given at start (--model-dir) holds for the whole run: choosing another model
   * would be recorded and then ignored, so it is refused with the way out.
   */
  private refuseWhileModelDirGiven(wanted: string): void {
    const given = this.options.modelDir;
    if (given === undefined) return;
    throw new UserError(
      `Ferret was started with the model folder ${given} (--model-dir); start it without --model-dir to ${wanted}`,
    );
  }

  /** The choices the app shows in its settings, and which of them were fixed at start. */
  settings(): Settings {
    return {
      providers: this.providers,
      modelFolder: (this.catalog.getSetting(MODEL_DIR_SETTING) as string | undefined) ?? null,
      startedWith: {
        modelFolder: this.options.modelDir ?? null,
        providers: this.options.providers ?? null,
      },
    };
  }

  async setProviders(providers: ExecutionProviderName[]): Promise<void> {
    // As with the model folder: --providers would win over the order saved here.
    if (this.options.providers !== undefined) {
      throw new UserError(
        `Ferret was started with --providers ${this.options.providers.join(',')}; start it without --providers to choose them in settings`,
      );
    }
    this.catalog.setSetting(PROVIDERS_SETTING, providers);
    await this.loadModel();
  }

  modelInfo(): ModelInfo {
    const manifest = this.loaded?.model.manifest ?? this.bundledManifest;
    return {
      present: this.loaded !== null,
      id: manifest.id,
      name: manifest.name,
      // The model in this thread, or the worker running search's text tower.
      provider: this.loaded ? (this.loaded.model.provider ?? this.loaded.texts.provider) : null,
      supportsText: manifest.text !== undefined,
      downloadBytes: downloadBytes(manifest),
      relevance: manifest.relevance,
      problem: this.modelProblem,
    };
  }

  /**
   * Adds a library folder given by its full path (`~` is the user's home). A folder inside one
   * already in the library is refused (its photos are there already); a folder that holds
   * library folders takes them in, keeping their photos, ids and vectors.
   */
  async addFolder(folderPath: string): Promise<AddedFolder> {
    const absolute = fullPathFromUser(folderPath);
    let stat;
    try {
      stat = await fs.stat(absolute);
    } catch {
      throw new UserError(`${absolute} does not exist`);
    }
    if (!stat.isDirectory()) throw new UserError(`${absolute} is not a folder`);
    const real = await fs.realpath(absolute);
    const existing = this.catalog.listFolders();
    const outer = existing.find((folder) => isPathInside(real, folder.path));
    if (outer !== undefined) {
      throw new UserError(
        `${real} is already in the library: it lies inside ${outer.path}, whose photos include its own`,
      );
    }
    const inner = existing.filter((folder) => isPathInside(folder.path, real));
    const folder = this.catalog.transaction(() => {
      const added = this.catalog.addFolder(real);
      for (const child of inner) this.catalog.absorbFolder(child.id, added.id);
      return added;
    });
    return { ...this.folderInfo(folder.id), absorbed: inner.map((child) => child.path) };
  }

  /**
   * Removes the folder with its photos and their vectors, in chunks between which queries are
   * answered: a folder of 100,000 photos never holds the thread for long.
   */
  async removeFolder(folderId: number): Promise<{ removedPhotos: number }> {
    if (this.catalog.getFolder(folderId) === undefined) return { removedPhotos: 0 };
    let removedPhotos = 0;
    // Gathered as a set while the photos go: building it from a list of 100,000 at the end
    // took 58 ms of the thread in one turn, beside the last chunk and the folder's own row.
    const contents = new Set<string | null>();
    // SQLite copies the write-ahead log into the file in the commit that passes 1,000 pages of
    // it, every third or fourth transaction here: 30-40 ms of the thread and the disk's flush
    // on top of a slice. Deferred while the folder goes, the copy is a slice of its own.
    const endDeferral = this.catalog.deferCheckpoints();
    try {
      let chunksSinceCheckpoint = 0;
      for (;;) {
        await backgroundTurn();
        if (chunksSinceCheckpoint >= REMOVAL_CHECKPOINT_CHUNKS) {
          this.catalog.checkpoint();
          chunksSinceCheckpoint = 0;
          continue;
        }
        const sliceEnd = performance.now() + REMOVAL_SLICE_MS;
        let removed: number[];
        let chunks = 0;
        let chunkMs: number;
        do {
          const chunkStart = performance.now();
          removed = this.catalog.transaction(() => {
            const photos = this.catalog.removePhotosInFolder(folderId, REMOVAL_CHUNK);
            if (photos.length > 0) this.loaded?.vectors.noteRemovedFromCatalog();
            for (const photo of photos) contents.add(photo.contentHash);
            return photos.map((photo) => photo.id);
          });
          this.loaded?.vectors.removeFromVectorIndex(removed);
          removedPhotos += removed.length;
          chunksSinceCheckpoint++;
          chunkMs = performance.now() - chunkStart;
        } while (
          removed.length > 0 &&
          ++chunks < REMOVAL_SLICE_CHUNKS &&
          performance.now() + chunkMs < sliceEnd
        );
        if (removed.length === 0) break;
      }
    } finally {
      endDeferral();
    }
    // Not saved here: writing a large index holds the thread for seconds. The generation
    // counter tells the next start to catch the saved index up if none comes before.
    removedPhotos += this.catalog.removeFolder(folderId);
    await removeUnusedPreviews(this.catalog, this.paths, contents);
    return { removedPhotos };
  }

  /**
   * The library folder a path names, matched the way addFolder records it (links followed), so
   * a folder added through a symbolic link is found by that link too; undefined for none.
   */
  async findFolder(folderPath: string): Promise<FolderInfo | undefined> {
    const absolute = fullPathFromUser(folderPath);
    const real = await fs.realpath(absolute).catch(() => absolute);
    return this.listFolders().find((folder) => folder.path === real || folder.path === absolute);
  }

  listFolders(): FolderInfo[] {
    return this.catalog.listFolders().map((folder) => ({
      id: folder.id,
      path: folder.path,
      photos: folder.photos,
      status: folder.status,
      error: folder.lastError,
    }));
  }

  private folderInfo(folderId: number): FolderInfo {
    const folder = this.listFolders().find((candidate) => candidate.id === folderId);
    if (folder === undefined) throw new UserError(`no library folder with id ${folderId}`);
    return folder;
  }

  /**
   * Adds a folder (if new) and brings the catalog in line with it: new and changed photos are
   * indexed, moved ones keep their vectors, and photos no longer on disk leave the catalog.
   * Goes through the same persisted queue as the live library, so an interrupted run resumes.
   */
  async indexFolder(
    folderPath: string,
    options: { onProgress?: (progress: IndexingProgress) => void; signal?: AbortSignal } = {},
  ): Promise<IndexingResult> {
    const folder = await this.addFolder(folderPath);
    const reconciled = await reconcileFolder(
      this.catalog,
      this.catalog.getFolder(folder.id)!,
      (photo) => this.needsWork(photo),
    );
    if (!reconciled.available) throw new UserError(`${folder.path}: ${reconciled.reason}`);
    const runner = this.jobRunner(this.loaded?.model ?? null, { removalGraceMs: 0 });
    const tracker = new ProgressTracker();
    const counts = await runner.drain(options.signal ?? new AbortController().signal, (progress) =>
      options.onProgress?.(
        tracker.snapshot(
          'running',
          reconciled.unchanged + progress.done,
          reconciled.unchanged + progress.total,
          progress.failed,
          progress.currentPath,
          null,
        ),
      ),
    );
    await this.loaded?.duplicates.compare();
    const { removed, ...indexingCounts } = counts;
    return {
      ...indexingCounts,
      unchanged: indexingCounts.unchanged + reconciled.unchanged,
      folder: this.folderInfo(folder.id),
      scanned: reconciled.scanned,
      removed,
      scanProblems: reconciled.problems,
      modelProblem: this.modelProblem,
    };
  }

  /** Whether a catalogued photo still needs the indexer: it lacks the active model's vector. */
  needsWork(photo: PhotoRow): boolean {
    return photo.status === 'indexed' && this.loaded !== null && !this.loaded.vectors.has(photo.id);
  }

  /** A worker for the persisted queue, embedding with `embedder` (the model, or a worker thread). */
  jobRunner(
    embedder: ImageEmbedder | null,
    options: {
      removalGraceMs: number;
      onFolderUnavailable?: (folderId: number, reason: string) => void;
    },
  ): JobRunner {
    return new JobRunner({
      catalog: this.catalog,
      thumbnailsDir: this.paths.thumbnailsDir,
      displayDir: this.paths.displayDir,
      embedding:
        this.loaded && embedder
          ? {
              embedder,
              vectors: this.loaded.vectors,
              onIndexed: () => void this.loaded?.duplicates.compare(),
            }
          : null,
      imageSpec: this.imageSpec,
      logger: this.logger,
      batchSize: this.options.tuning?.batchSize,
      decodeConcurrency: this.options.tuning?.decodeConcurrency,
      ...options,
    });
  }

  /** What a worker thread needs to open the same model as this engine. */
  get tuning(): EngineOptions['tuning'] {
    return this.options.tuning;
  }

  async searchText(query: string, options: SearchOptions): Promise<SearchResults> {
    return this.requireSearch().byText(query, options);
  }

  findSimilar(photoId: number, options: SearchOptions): Promise<SimilarResults> {
    return this.requireSearch().similarToPhoto(photoId, options);
  }

  findSimilarToPhotos(photoIds: number[], options: SearchOptions): Promise<SearchResults> {
    return this.requireSearch().similarToPhotos(photoIds, options);
  }

  async findSimilarToFile(file: string, options: SearchOptions): Promise<SearchResults> {
    return this.requireSearch().similarToFile(file, options);
  }

  findSimilarToPicture(picture: Buffer, options: SearchOptions): Promise<SearchResults> {
    return this.requireSearch().similarToPicture(picture, options);
  }

  /**
   * The duplicate groups, once every photo embedded so far is compared with its neighbours
   * (nothing to do when indexing kept up; a library opened read-only says what is left).
   */
  async listDuplicates(tier?: DuplicateTier): Promise<DuplicateReport> {
    await this.loaded?.duplicates.compare();
    return duplicateReport(this.catalog, this.loaded, tier);
  }

  /** Moves photos to the operating system's trash; the catalog and index drop them at once. */
  async moveToTrash(photoIds: readonly number[]): Promise<TrashResult> {
    if (this.readOnly) throw new UserError('this library is open for reading only');
    const result = await movePhotosToTrash(
      { catalog: this.catalog, vectors: this.loaded?.vectors ?? null, previews: this.paths },
      photoIds,
    );
    void this.loaded?.duplicates.compare();
    return result;
  }

  private requireSearch(): PhotoSearch {
    if (this.loaded === null) {
      throw this.modelProblem
        ? new ModelUnavailableError(this.modelProblem)
        : new UserError('search needs a model');
    }
    return this.loaded.search;
  }

  /** A photo or its thumbnail for a door to serve, by the one rule in readLibraryMedia. */
  media(kind: MediaKind, photoId: number): Promise<MediaBytes | null> {
    this.displayCache ??= new DisplayCache(this.paths.displayDir, { writable: !this.readOnly });
    const { thumbnailsDir } = this.paths;
    return readLibraryMedia(
      this.catalog,
      { thumbnailsDir, display: this.displayCache },
      kind,
      photoId,
    );
  }

  listUnreadablePhotos(): PhotoSummary[] {
    return this.catalog
      .unreadablePhotos(UNREADABLE_LIST_LIMIT)
      .map((photo) => toPhotoSummary(photo, false));
  }

  getPhoto(photoId: number): PhotoSummary | undefined {
    const photo = this.catalog.getPhoto(photoId);
    return photo && toPhotoSummary(photo, this.loaded?.vectors.has(photoId) ?? false);
  }

  /**
   * Everything the viewer's info panel shows. The file is looked at now, so a photo whose file
   * went away while Ferret was closed says so instead of showing a broken image.
   */
  async photoDetails(photoId: number): Promise<PhotoDetails> {
    const row = this.catalog.getPhoto(photoId);
    if (row === undefined) throw new UserError(`no photo with id ${photoId}`);
    const photo = toPhotoSummary(row, this.loaded?.vectors.has(photoId) ?? false);
    const date = row.takenAt
      ? { value: row.takenAt, source: 'exif' as const }
      : { value: new Date(row.mtimeMs).toISOString(), source: 'file' as const };
    const stat = await fs.stat(row.path).catch(() => null);
    const missing = stat?.isFile() ? null : this.whyMissing(row.folderId, row.path);
    const capture =
      missing === null && row.status === 'indexed'
        ? await readCaptureSettings(row.path, row.format)
        : NO_CAPTURE_SETTINGS;
    return { photo, fileBytes: stat?.isFile() ? stat.size : null, date, ...capture, missing };
  }

  private whyMissing(folderId: number, file: string): string {
    const folder = this.catalog.getFolder(folderId);
    if (folder?.status === 'unavailable') {
      return `Its folder ${folder.path} cannot be reached (${folder.lastError ?? 'unavailable'}): is the drive plugged in?`;
    }
    return `The file is no longer at ${file}: it was moved or deleted.`;
  }

  /** A page of photos by date, only those that pass the filter when one is given. */
  listPhotos(
    offset: number,
    limit: number,
    options: { filter?: PhotoFilter; order?: BrowseOrder } = {},
  ): PhotoPage {
    const conditions = options.filter && photoConditions(options.filter);
    const { total, items } = this.catalog.listPhotos(offset, limit, {
      conditions,
      order: options.order,
    });
    return {
      total,
      items: items.map((photo) =>
        toPhotoSummary(photo, this.loaded?.vectors.has(photo.id) ?? false),
      ),
      noPhotosBecause:
        total === 0 && conditions !== undefined && hasConditions(conditions)
          ? whyNoPhotos(this.catalog, conditions)
          : null,
    };
  }

  listCameras(): CameraCount[] {
    return this.catalog.listCameras();
  }

  listMonths(): MonthCount[] {
    return this.catalog.listMonths();
  }

  listDays(): DayCount[] {
    return this.catalog.listDays();
  }

  status(indexing: LibraryStatus['indexing']): LibraryStatus {
    const counts = this.catalog.countByStatus();
    return {
      photos: counts.indexed + counts.error,
      indexed: counts.indexed,
      embedded: this.loaded?.vectors.size ?? 0,
      errors: counts.error,
      formats: this.catalog.countByFormat(),
      folders: this.listFolders(),
      model: this.modelInfo(),
      indexing,
      vectorIndex: this.loaded?.vectors.status() ?? null,
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      await this.loaded?.duplicates.close();
      await this.loaded?.vectors.close();
      await this.loaded?.texts.close();
      await this.loaded?.model.close();
      this.catalog.close();
    } finally {
      this.lock?.release();
    }
  }
}

import type {
  BundledModel,
  CameraCount,
  PhotoFilter,
  PhotoOrder,
  EngineEvent,
  ExecutionProviderName,
  FerretApi,
  LibraryStatus,
  ModelInfo,
  ModelDownloadProgress,
  PhotoSummary,
  SearchResults,
  Settings,
} from '../../src-main/contract/api.js';
import { MAX_PICTURE_BYTES } from '../../src-main/contract/api.js';
import { downloadFailure, errorMessage, formatCount, pictureTooLarge } from './format.js';
import { modelProblemText } from './model-problem.js';
import { LibrarySource, ResultSource } from './photo-source.svelte.js';
import type { PhotoSource } from './photo-source.svelte.js';
import { throttle } from './throttle.js';

export type View =
  | { kind: 'library' }
  | { kind: 'search'; query: string }
  | { kind: 'similar'; photoId: number }
  /** Find similar for a picture from outside the library; `preview` is its blob: URL. */
  | { kind: 'picture'; picture: File; preview: string }
  | { kind: 'similar-to-selection'; photoIds: number[] };

export interface Results {
  state: 'loading' | 'ready' | 'error';
  /** The engine's answer; null while loading or after an error. */
  answer: SearchResults | null;
  /** Find similar: the photo the hits are similar to (pinned above them). */
  query: PhotoSummary | null;
  error: string | null;
}

export interface Notice {
  id: number;
  message: string;
  tone: 'error' | 'info';
}

const REFRESH_INTERVAL_MS = 1000;
/** Matches fetched per search: the count shown is the engine's, this only bounds the grid. */
const RESULT_LIMIT = 500;
const NOTICE_MS = 6000;

/** Everything the window shows, kept in step with the engine through calls and events. */
export class AppState {
  readonly api: FerretApi;
  readonly library: LibrarySource;

  status = $state<LibraryStatus | null>(null);
  statusError = $state<string | null>(null);
  settings = $state<Settings | null>(null);
  bundledModels = $state<BundledModel[] | null>(null);
  view = $state<View>({ kind: 'library' });
  /** The Duplicates section is shown instead of the photos. */
  duplicatesOpen = $state(false);
  results = $state<Results | null>(null);
  downloads = $state<Record<string, ModelDownloadProgress>>({});
  fetchingModel = $state(false);
  notices = $state<Notice[]>([]);
  /**
   * False while the engine cannot be reached (the server stopped, the engine's process died);
   * the door reconnects by itself.
   */
  connected = $state(true);
  /** Desktop: why the engine's process stopped, until it is restarted. */
  engineStopped = $state<string | null>(null);
  /** What every list (the grid, search, find similar) is narrowed to; {} for everything. */
  filter = $state<PhotoFilter>({});
  /** How lists are ordered; the library, which has no scores, takes 'relevance' as newest. */
  order = $state<PhotoOrder>('relevance');
  /** Why the last filter asked for was refused (a wrong date), until the next one is applied. */
  filterError = $state<string | null>(null);
  /** The library's cameras, for the camera filter; loaded when the filter panel opens. */
  cameras = $state<CameraCount[] | null>(null);

  /** What the grid shows for the current view. */
  readonly source: PhotoSource = $derived.by(() => {
    if (this.view.kind === 'library' || this.results === null) return this.library;
    const pinned = this.results.query?.id;
    // The query photo is pinned above the grid, so it is not repeated among its neighbours.
    const hits = this.results.answer?.hits ?? [];
    return new ResultSource(hits.filter((hit) => hit.photo.id !== pinned));
  });

  #requestSerial = 0;
  #noticeSerial = 0;
  readonly #refresh = throttle(() => {
    this.library.refresh();
    void this.loadStatus();
  }, REFRESH_INTERVAL_MS);

  constructor(api: FerretApi) {
    this.api = api;
    this.library = new LibrarySource(api);
  }

  /**
   * Opens a view as a new step of the page's history, so that the app's Back button and the
   * browser's (or a mouse's back button) return to the view before: a search, the photos
   * similar to one of its results, and back to the search.
   */
  go(view: View): void {
    const state = { view: $state.snapshot(view) };
    // Typing refines the search on screen rather than adding a step per pause.
    if (view.kind === 'search' && this.view.kind === 'search') history.replaceState(state, '');
    else history.pushState(state, '');
    void this.#show(view);
  }

  /** The view before this one (the page's history holds them). */
  back(): void {
    history.back();
  }

  #show(view: View): Promise<void> {
    switch (view.kind) {
      case 'library':
        this.showLibrary();
        return Promise.resolve();
      case 'search':
        return this.search(view.query);
      case 'similar':
        return this.findSimilar(view.photoId);
      case 'similar-to-selection':
        return this.findSimilarToPhotos(view.photoIds);
      case 'picture':
        return this.findSimilarToPicture(view.picture);
    }
  }

  /** Load the first state and follow engine events; returns the stop function. */
  start(): () => void {
    history.replaceState({ view: { kind: 'library' } }, '');
    const onPopState = (event: PopStateEvent) => {
      const state = event.state as { view?: View } | null;
      void this.#show(state?.view ?? { kind: 'library' });
    };
    addEventListener('popstate', onPopState);
    const unsubscribe = this.api.onEvent((event) => this.#onEvent(event));
    const unwatch = this.api.onConnection((connected) => {
      this.connected = connected;
      // What changed while away is fetched again once back.
      if (connected) this.#refresh();
    });
    void this.loadStatus();
    void this.loadSettings();
    return () => {
      removeEventListener('popstate', onPopState);
      unsubscribe();
      unwatch();
      this.#refresh.cancel();
    };
  }

  async loadStatus(): Promise<void> {
    try {
      this.status = await this.api.call('getStatus', {});
      this.statusError = null;
    } catch (error) {
      this.statusError = errorMessage(error);
    }
  }

  /** Which models can be downloaded, and which are here: asked for when settings open. */
  async loadBundledModels(): Promise<void> {
    const models = await this.#act(() => this.api.call('listBundledModels', {}));
    if (models) this.bundledModels = models;
  }

  #onEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'indexing':
        if (this.status) this.status.indexing = event.progress;
        // Progress means photos were catalogued: show them as they come, not only at the end.
        this.#refresh();
        break;
      case 'library-changed':
        this.#refresh();
        break;
      case 'model-download':
        this.downloads[event.progress.file] = event.progress;
        break;
      case 'engine-stopped':
        this.engineStopped = event.reason;
        break;
      case 'vector-index':
        if (this.status) this.status.vectorIndex = event.status;
        break;
    }
  }

  async restartEngine(): Promise<void> {
    const restarted = await this.#act(async () => {
      await this.api.desktop?.('restartEngine', {});
      return true;
    });
    if (restarted === null) return;
    this.engineStopped = null;
    this.#refresh();
  }

  notify(message: string, tone: Notice['tone'] = 'error'): void {
    const id = ++this.#noticeSerial;
    this.notices.push({ id, message, tone });
    setTimeout(() => this.dismiss(id), NOTICE_MS);
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }

  /** Run a user action; its error becomes a notice, and the result (or null) is returned. */
  async #act<T>(action: () => Promise<T>): Promise<T | null> {
    try {
      return await action();
    } catch (error) {
      this.notify(errorMessage(error));
      return null;
    }
  }

  /** The filter as the engine takes it: absent when nothing is filtered. */
  get activeFilter(): PhotoFilter | undefined {
    return Object.keys(this.filter).length === 0 ? undefined : $state.snapshot(this.filter);
  }

  async loadCameras(): Promise<void> {
    const cameras = await this.#act(() => this.api.call('listCameras', {}));
    if (cameras) this.cameras = cameras;
  }

  /**
   * Narrows every list to the filter. The engine checks it first, so a wrong date or a
   * backwards range is said in words and the lists stay as they were; returns whether it took.
   */
  async applyFilter(filter: PhotoFilter): Promise<boolean> {
    const wanted = Object.keys(filter).length === 0 ? undefined : filter;
    try {
      await this.api.call('listPhotos', { offset: 0, limit: 1, ...(wanted && { filter: wanted }) });
    } catch (error) {
      this.filterError = errorMessage(error);
      return false;
    }
    this.filterError = null;
    this.filter = filter;
    await this.#showAgain();
    return true;
  }

  async setOrder(order: PhotoOrder): Promise<void> {
    this.order = order;
    await this.#showAgain();
  }

  /** The current view again, under the filter and order now set. */
  async #showAgain(): Promise<void> {
    this.library.show(this.activeFilter, this.order === 'oldest' ? 'oldest' : 'newest');
    if (this.view.kind === 'search') await this.search(this.view.query);
    else if (this.view.kind === 'similar') await this.findSimilar(this.view.photoId);
    else if (this.view.kind === 'picture') await this.findSimilarToPicture(this.view.picture);
  }

  showDuplicates(): void {
    this.duplicatesOpen = true;
  }

  showLibrary(): void {
    this.#requestSerial++;
    this.#setView({ kind: 'library' });
    this.results = null;
  }

  /**
   * The one place the view changes: a picture's preview URL is let go with its view, and the
   * Duplicates section gives way to the photos.
   */
  #setView(view: View): void {
    this.duplicatesOpen = false;
    const leaving = this.view;
    if (
      leaving.kind === 'picture' &&
      (view.kind !== 'picture' || view.preview !== leaving.preview)
    ) {
      URL.revokeObjectURL(leaving.preview);
    }
    this.view = view;
  }

  async search(query: string, step = 0): Promise<void> {
    const trimmed = query.trim();
    if (trimmed === '') {
      this.showLibrary();
      return;
    }
    this.#setView({ kind: 'search', query: trimmed });
    await this.#loadResults(async () => ({
      answer: await this.api.call('searchText', {
        query: trimmed,
        limit: RESULT_LIMIT,
        step,
        ...this.#filterAndOrder(),
      }),
      query: null,
    }));
  }

  async findSimilar(photoId: number, step = 0): Promise<void> {
    this.#setView({ kind: 'similar', photoId });
    await this.#loadResults(async () => {
      const { query, ...answer } = await this.api.call('findSimilar', {
        photoId,
        limit: RESULT_LIMIT,
        step,
        ...this.#filterAndOrder(),
      });
      return { answer, query };
    });
  }

  /**
   * Find similar for a picture that is not in the library (dropped, pasted or chosen). A picture
   * that cannot be used (too large, not an image) is refused with a notice and the view stays
   * as it was; the picture is sent as bytes and nothing of it is kept but in this page.
   */
  async findSimilarToPicture(picture: File, step = 0): Promise<void> {
    if (picture.size > MAX_PICTURE_BYTES) {
      this.notify(pictureTooLarge(picture.name || 'The picture', picture.size));
      return;
    }
    const serial = ++this.#requestSerial;
    let answer: SearchResults;
    try {
      const bytes = new Uint8Array(await picture.arrayBuffer());
      answer = await this.api.call('findSimilarToPicture', {
        picture: bytes,
        limit: RESULT_LIMIT,
        step,
        ...this.#filterAndOrder(),
      });
    } catch (error) {
      if (serial === this.#requestSerial) {
        const reason = errorMessage(error);
        this.notify(picture.name ? `${picture.name}: ${reason}` : reason);
      }
      return;
    }
    if (serial !== this.#requestSerial) return;
    const current = this.view;
    const preview =
      current.kind === 'picture' && current.picture === picture
        ? current.preview
        : URL.createObjectURL(picture);
    // A step of the history too, so that Back leaves it; the picture itself is not kept there,
    // so Forward comes back to the library instead.
    if (current.kind !== 'picture' || current.picture !== picture) {
      history.pushState({ view: null }, '');
    }
    this.#setView({ kind: 'picture', picture, preview });
    this.results = { state: 'ready', answer, query: null, error: null };
  }

  #filterAndOrder(): { filter?: PhotoFilter; order: PhotoOrder } {
    const filter = this.activeFilter;
    return { ...(filter && { filter }), order: this.order };
  }

  /** Photos like several at once (the engine averages their vectors). */
  async findSimilarToPhotos(photoIds: number[], step = 0): Promise<void> {
    this.#setView({ kind: 'similar-to-selection', photoIds });
    await this.#loadResults(async () => ({
      answer: await this.api.call('findSimilarToPhotos', { photoIds, limit: RESULT_LIMIT, step }),
      query: null,
    }));
  }

  /**
   * Moves the photos' files to the system trash (the engine's one call, which also drops them
   * from the catalog); results on screen drop them at once.
   */
  async moveToTrash(photos: PhotoSummary[]): Promise<boolean> {
    const result = await this.#act(() =>
      this.api.call('moveToTrash', { photoIds: photos.map((photo) => photo.id) }),
    );
    if (result === null) return false;
    const answer = this.results?.answer;
    if (answer && this.results) {
      const hits = answer.hits.filter((hit) => !result.trashed.includes(hit.photo.id));
      this.results = { ...this.results, answer: { ...answer, hits } };
    }
    const moved = result.trashed.length;
    if (moved > 0) {
      this.notify(
        `Moved ${formatCount(moved)} ${moved === 1 ? 'photo' : 'photos'} to the trash`,
        'info',
      );
    }
    for (const failure of result.failed)
      this.notify(`Could not move to the trash: ${failure.reason}`);
    return result.failed.length === 0;
  }

  /** The same query one threshold step looser: weaker matches join the strong ones. */
  async showMore(): Promise<void> {
    const step = (this.results?.answer?.step ?? 0) + 1;
    if (this.view.kind === 'search') await this.search(this.view.query, step);
    else if (this.view.kind === 'similar') await this.findSimilar(this.view.photoId, step);
    else if (this.view.kind === 'picture') await this.findSimilarToPicture(this.view.picture, step);
    else if (this.view.kind === 'similar-to-selection') {
      await this.findSimilarToPhotos(this.view.photoIds, step);
    }
  }

  async #loadResults(load: () => Promise<{ answer: SearchResults; query: PhotoSummary | null }>) {
    const serial = ++this.#requestSerial;
    this.results = {
      state: 'loading',
      answer: null,
      query: this.results?.query ?? null,
      error: null,
    };
    try {
      const { answer, query } = await load();
      if (serial === this.#requestSerial) {
        this.results = { state: 'ready', answer, query, error: null };
      }
    } catch (error) {
      if (serial === this.#requestSerial) {
        this.results = { state: 'error', answer: null, query: null, error: errorMessage(error) };
      }
    }
  }

  listUnreadable(): Promise<PhotoSummary[] | null> {
    return this.#act(() => this.api.call('listUnreadablePhotos', {}));
  }

  async openPhoto(photo: PhotoSummary): Promise<void> {
    const result = await this.#act(() => this.api.call('openPhoto', { photoId: photo.id }));
    if (result && !result.opened) this.notify(`Could not open ${photo.name}`);
  }

  async showInFolder(photo: PhotoSummary): Promise<void> {
    const result = await this.#act(() => this.api.call('showPhotoInFolder', { photoId: photo.id }));
    if (result && !result.shown) this.notify(`Could not show ${photo.name} in its folder`);
  }

  async addFolder(path: string): Promise<boolean> {
    const folder = await this.#act(() => this.api.call('addFolder', { path }));
    if (folder) {
      const absorbed = folder.absorbed.join(', ');
      this.notify(
        absorbed === ''
          ? `Added ${folder.path}`
          : `Added ${folder.path}. It holds ${absorbed}, already in the library: those photos are kept, now under the new folder.`,
        'info',
      );
    }
    await this.loadStatus();
    return folder !== null;
  }

  async removeFolder(folderId: number): Promise<void> {
    // The grid follows the library-changed event the removal sends.
    await this.#act(() => this.api.call('removeFolder', { folderId }));
    await this.loadStatus();
  }

  async setIndexingPaused(paused: boolean): Promise<void> {
    const progress = await this.#act(() =>
      this.api.call(paused ? 'pauseIndexing' : 'resumeIndexing', {}),
    );
    if (progress && this.status) this.status.indexing = progress;
  }

  async cancelIndexing(): Promise<void> {
    const progress = await this.#act(() => this.api.call('cancelIndexing', {}));
    if (progress && this.status) this.status.indexing = progress;
  }

  async fetchModel(): Promise<void> {
    this.fetchingModel = true;
    this.downloads = {};
    let model: ModelInfo | null = null;
    try {
      model = await this.api.call('fetchModel', {});
    } catch (error) {
      // The panel shows the details; the notice says what it means.
      this.notify(downloadFailure(errorMessage(error)).summary);
    }
    this.fetchingModel = false;
    if (model?.problem) this.notify(modelProblemText(model.problem));
    await this.#afterModelChange();
  }

  async useModelFolder(path: string): Promise<boolean> {
    const model = await this.#act(() => this.api.call('useModelFolder', { path }));
    if (model?.problem) this.notify(modelProblemText(model.problem));
    await this.#afterModelChange();
    return model !== null && model.present;
  }

  /** What the status and the model list say changes with the model. */
  #afterModelChange(): Promise<unknown> {
    return Promise.all([this.loadStatus(), this.loadBundledModels(), this.loadSettings()]);
  }

  /** A model that is not downloaded yet is selected all the same: its Download button follows. */
  async selectBundledModel(id: string): Promise<boolean> {
    const model = await this.#act(() => this.api.call('selectBundledModel', { id }));
    await this.#afterModelChange();
    return model !== null;
  }

  /** Stores the provider order and reloads the model with it; false when it was refused. */
  async setProviders(providers: ExecutionProviderName[]): Promise<boolean> {
    const settings = await this.#act(() => this.api.call('updateSettings', { providers }));
    if (settings) this.settings = settings;
    await this.loadStatus();
    return settings !== null;
  }

  async loadSettings(): Promise<void> {
    const settings = await this.#act(() => this.api.call('getSettings', {}));
    if (settings) this.settings = settings;
  }
}

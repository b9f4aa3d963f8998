/**
 * The one contract for everything that crosses a process boundary between the renderer and
 * the engine: the Electron preload/IPC and the `ferret serve` HTTP API both carry exactly
 * these calls and events. Types only, with no dependencies, so the renderer's bundle carries
 * nothing of it; contract/schemas.ts holds the zod schemas that validate requests on the
 * engine side (the engine is trusted, the renderer is not) and is checked against these types
 * at compile time.
 */

export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'coreml', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/**
 * The most of a search text any door reads; the rest is cut. CLIP reads 77 tokens, which no
 * sensible query needs more than a few hundred characters for; far longer text only costs
 * the tokenizer. The search box holds no more, and says so when it is full.
 */
export const MAX_QUERY_LENGTH = 1000;

/**
 * The largest picture Find similar takes from outside the library (dropped, pasted or chosen in
 * the app, uploaded to `ferret serve`): far above any photo from a phone or a camera's JPEG,
 * and a bound on the memory one search can take.
 */
export const MAX_PICTURE_BYTES = 100 * 1000 * 1000;

/** How a result list is ordered: by score (searches only), or by the date taken. */
export const PHOTO_ORDERS = ['relevance', 'newest', 'oldest'] as const;
export type PhotoOrder = (typeof PHOTO_ORDERS)[number];
/** Browsing has no score to order by. */
export type BrowseOrder = Exclude<PhotoOrder, 'relevance'>;

export const ORIENTATIONS = ['portrait', 'landscape'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];

/**
 * Narrows any photo list (browsing, text search, find similar); every part given must hold.
 * Dates are the grid's date: taken, else the file's time.
 */
export interface PhotoFilter {
  /** First day, as 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD': a year or month starts on its first day. */
  from?: string;
  /** Last day, same forms: a year or month ends on its last day ('2019' to '2019' is 2019). */
  to?: string;
  /** A full folder path: the photos in it and in its subfolders. */
  folder?: string;
  /** Part of the camera's make and model ("Apple", "iPhone 12", "Canon EOS"), any case. */
  camera?: string;
  /** File types, as `formats` in the status names them (jpeg, heic, cr2, …); jpg and tif too. */
  types?: string[];
  orientation?: Orientation;
  /** true: only photos with a GPS position; false: only those without. */
  hasLocation?: boolean;
}

/** A camera in the library, as its photos record it. */
export interface CameraCount {
  make: string | null;
  model: string | null;
  photos: number;
}

/** A method that takes no arguments. */
export type NoArgs = Record<string, never>;

/** What a caller passes to each method (a `limit` may be left out: 60). */
export interface RequestTypes {
  getStatus: NoArgs;
  /** offset >= 0, 1 <= limit <= 1000; newest first unless `order` says otherwise. */
  listPhotos: { offset: number; limit: number; filter?: PhotoFilter; order?: BrowseOrder };
  listMonths: NoArgs;
  listDays: NoArgs;
  getPhoto: { photoId: number };
  /** The photos that could not be read, with why (at most the first 1,000 by path). */
  listUnreadablePhotos: NoArgs;
  getPhotoDetails: { photoId: number };
  /**
   * query: not empty once trimmed; past 1000 characters it is cut. 1 <= limit <= 500.
   * step: how far down the model's thresholds to go, 0 to 20 (default 0, only clear matches);
   * each "Show more" asks for the next; past the last step, the last applies.
   * filter: only photos that pass it; order: best first (default) or by date.
   */
  searchText: {
    query: string;
    limit?: number;
    step?: number;
    filter?: PhotoFilter;
    order?: PhotoOrder;
  };
  findSimilar: {
    photoId: number;
    limit?: number;
    step?: number;
    filter?: PhotoFilter;
    order?: PhotoOrder;
  };
  /**
   * Find similar for a picture that is not in the library: its bytes (1 to MAX_PICTURE_BYTES),
   * whose type the engine reads from the bytes themselves. Nothing of it is stored.
   */
  findSimilarToPicture: {
    picture: Uint8Array;
    limit?: number;
    step?: number;
    filter?: PhotoFilter;
    order?: PhotoOrder;
  };
  /** Photos like several at once (the mean of their vectors); 1 to 10,000 photo ids. */
  findSimilarToPhotos: { photoIds: number[]; limit?: number; step?: number };
  /** The cameras the library's photos record, most photos first (for the camera filter). */
  listCameras: NoArgs;
  listFolders: NoArgs;
  addFolder: { path: string };
  removeFolder: { folderId: number };
  pauseIndexing: NoArgs;
  resumeIndexing: NoArgs;
  cancelIndexing: NoArgs;
  fetchModel: NoArgs;
  useModelFolder: { path: string };
  listBundledModels: NoArgs;
  /** A model id: lowercase letters, digits, ".", "_" and "-". */
  selectBundledModel: { id: string };
  getSettings: NoArgs;
  updateSettings: { providers?: ExecutionProviderName[] };
  openPhoto: { photoId: number };
  showPhotoInFolder: { photoId: number };
  /** 1 to 1000 photos, moved to the operating system's trash (never deleted for good). */
  moveToTrash: { photoIds: number[] };
  /** tier: only exact copies, or only near-duplicates; both when left out. */
  listDuplicates: { tier?: DuplicateTier };
}

export type Method = keyof RequestTypes;
/** What a caller passes (defaults may be left out). */
export type RequestOf<M extends Method> = RequestTypes[M];
/** What a handler receives after validation: defaults filled in. */
export type ParsedRequestOf<M extends Method> = M extends
  'searchText' | 'findSimilar' | 'findSimilarToPicture' | 'findSimilarToPhotos'
  ? Required<Omit<RequestTypes[M], 'filter'>> &
      Pick<RequestTypes[M], Extract<'filter', keyof RequestTypes[M]>>
  : RequestTypes[M];

/** A catalogued photo: indexed (its metadata and thumbnail read), or not readable. */
export type PhotoStatus = 'indexed' | 'error';

export type MediaKind = 'thumbnail' | 'photo';

/** A photo or thumbnail as the engine hands it to a door to serve. */
export interface MediaBytes {
  bytes: Uint8Array;
  /** Sniffed from the bytes, not taken from the file name. */
  contentType: string;
  modifiedMs: number;
}

/**
 * Camera RAW formats (their lower-case extensions, which is what the catalog records as their
 * format). Ferret shows a RAW through the largest JPEG the camera embedded in it; the grid
 * marks a RAW's tile with its format, so a RAW and the JPEG of the same shot, side by side,
 * are told apart.
 */
export const RAW_FORMATS = ['dng', 'cr2', 'cr3', 'nef', 'arw', 'raf', 'orf', 'rw2', 'pef'] as const;

export interface PhotoSummary {
  id: number;
  path: string;
  name: string;
  /** jpeg, png, webp, tiff, gif, avif, heic or a RAW_FORMATS entry; null when never read. */
  format: string | null;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  gps: { latitude: number; longitude: number } | null;
  status: PhotoStatus;
  error: string | null;
  /** Whether a vector from the active model exists for this photo. */
  embedded: boolean;
}

/** Photos in one month by the grid's date (taken, else the file's time), as listPhotos orders them. */
export interface MonthCount {
  /** 'YYYY-MM'. */
  month: string;
  photos: number;
}

/** Photos on one day by the grid's date, as listPhotos orders them. */
export interface DayCount {
  /** 'YYYY-MM-DD'. */
  day: string;
  photos: number;
}

/** What the viewer's info panel shows: the catalog's record, and what is read from the file now. */
export interface PhotoDetails {
  photo: PhotoSummary;
  /** Size of the file on disk now; null when it cannot be read. */
  fileBytes: number | null;
  /**
   * When the photo was taken: the camera's date (EXIF) when it wrote one, else the file's
   * modification date, and which of the two it is.
   */
  date: { value: string; source: 'exif' | 'file' };
  lens: string | null;
  exposure: PhotoExposure;
  /** Why the file cannot be shown (gone, or its drive is unplugged); null when it is there. */
  missing: string | null;
}

export interface PhotoExposure {
  /** The f-number, e.g. 2.8. */
  aperture: number | null;
  /** Seconds, e.g. 0.004 for 1/250 s. */
  shutterSeconds: number | null;
  iso: number | null;
  /** Millimetres, as the lens reports it. */
  focalLength: number | null;
}

export interface SearchHit {
  photo: PhotoSummary;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
  /** Find similar: the same picture again (resized, re-encoded, cropped); never for text. */
  nearIdentical: boolean;
}

/** The photos that match a query: only those above the model's threshold for its kind. */
export interface SearchResults {
  /** The first `limit` matches, best first. */
  hits: SearchHit[];
  /** How many photos match (counted up to a cap: see `totalCapped`). */
  total: number;
  /** More than `total` photos match: counting stopped there. */
  totalCapped: boolean;
  /** The threshold step this answer used, and the cosine a photo needed to reach. */
  step: number;
  threshold: number;
  /** Whether a looser step exists ("Show more"). */
  canShowMore: boolean;
  /** Why the filter leaves no photo at all to search, in words; null when some pass it. */
  noPhotosBecause: string | null;
}

/** A page of photos, and how many there are in all (those that pass the filter, if any). */
export interface PhotoPage {
  total: number;
  items: PhotoSummary[];
  /** Why the filter leaves no photo at all, in words; null when some pass it (or none given). */
  noPhotosBecause: string | null;
}

export interface SimilarResults extends SearchResults {
  /** The photo the others are similar to. */
  query: PhotoSummary;
}

/**
 * What counts as a match for a model, per kind of query (cosines; thresholds strictest
 * first). Kept in the model's manifest.
 */
export interface Relevance {
  /** Text → photo; absent for a model without a text tower. */
  text?: number[];
  /** Photo → similar photos. */
  similar: number[];
  /** Photo → the same picture again: the near-identical (duplicate) tier. */
  nearIdentical: number;
}

/** Photos moved to the trash, and those that could not be, each with its reason. */
export interface TrashResult {
  trashed: number[];
  failed: { photoId: number; reason: string }[];
  /** The size of the files moved. */
  freedBytes: number;
}

/**
 * 'exact': the same file content (same SHA-256) in more than one place. 'near': the same
 * picture again (resized, re-encoded, lightly edited), by the active model's near-identical
 * threshold.
 */
export type DuplicateTier = 'exact' | 'near';

export interface DuplicateMember {
  photo: PhotoSummary;
  /** The file's size as catalogued. */
  fileBytes: number;
  /** The suggested one to keep; the others are suggested for the trash. */
  keeper: boolean;
}

/** Photos that are copies of one another, the suggested keeper first. */
export interface DuplicateGroup {
  /** 'exact' when every member has the same content; 'near' otherwise. */
  tier: DuplicateTier;
  members: DuplicateMember[];
  /** What moving every member but the keeper to the trash frees. */
  reclaimableBytes: number;
}

export interface DuplicateReport {
  /** The groups that free the most first. */
  groups: DuplicateGroup[];
  reclaimableBytes: number;
  /**
   * The cosine two photos' vectors reach to count as near-duplicates (the model's
   * near-identical threshold); null when there is no model, or its scores mean nothing.
   */
  nearThreshold: number | null;
  /** Embedded photos not yet compared with their neighbours (their groups may be missing). */
  uncompared: number;
}

export interface FolderInfo {
  id: number;
  path: string;
  photos: number;
  /** 'ok', or why the folder cannot be read right now (unplugged drive, permissions). */
  status: 'ok' | 'unavailable';
  error: string | null;
}

/** A folder just added; it took in the library folders it contains, if there were any. */
export interface AddedFolder extends FolderInfo {
  /** Library folders inside the new one that it replaced (their photos kept, now its own). */
  absorbed: string[];
}

export interface ModelInfo {
  present: boolean;
  id: string;
  name: string;
  /** The execution provider the sessions run on, once loaded. */
  provider: ExecutionProviderName | null;
  supportsText: boolean;
  /** Size of the model's download, when the manifest says. */
  downloadBytes: number | null;
  /** The model's match thresholds. */
  relevance: Relevance;
  /** Why no model is loaded; null when one is. */
  problem: ModelProblem | null;
}

/** A model Ferret can download: one of the manifests shipped with it. */
export interface BundledModel {
  id: string;
  name: string;
  supportsText: boolean;
  downloadBytes: number | null;
  /** Whether its files are complete in the folder `fetchModel` would download it to. */
  installed: boolean;
  /** The one `fetchModel` downloads and the engine loads (unless a model folder was chosen). */
  selected: boolean;
}

/**
 * Why no model is loaded, as data rather than words: each door says it its own way (the CLI
 * names the command that fixes it, the app offers its Download and folder buttons).
 */
export type ModelProblem =
  | { code: 'not-installed'; dir: string }
  | { code: 'unreadable'; dir: string; detail: string }
  | { code: 'incomplete'; dir: string; files: ModelFileProblem[] };

export interface ModelFileProblem {
  path: string;
  status: 'missing' | 'wrong-size';
}

export interface IndexingProgress {
  state: 'idle' | 'running' | 'paused';
  done: number;
  total: number;
  failed: number;
  /** Photos per second over the recent window. */
  rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  currentPath: string | null;
  /** Why indexing cannot go on right now (a full disk), or null. */
  problem: string | null;
}

export const IDLE_PROGRESS: IndexingProgress = {
  state: 'idle',
  done: 0,
  total: 0,
  failed: 0,
  rate: 0,
  etaSeconds: null,
  currentPath: null,
  problem: null,
};

export interface LibraryStatus {
  photos: number;
  indexed: number;
  embedded: number;
  errors: number;
  /**
   * Photos per format (jpeg, png, webp, tiff, gif, avif, heic, or a camera RAW's extension such
   * as cr2), most first; a file too broken to tell its format is left out.
   */
  formats: FormatCount[];
  folders: FolderInfo[];
  model: ModelInfo;
  indexing: IndexingProgress;
  /** The active model's vector index; null without a model. */
  vectorIndex: VectorIndexStatus | null;
}

/**
 * The vector index behind search: 'loading' its file, or 'rebuilding' it from the catalog
 * (missing or damaged), when searches are exact and slower meanwhile; `done` of `total`
 * vectors while rebuilding.
 */
export interface VectorIndexStatus {
  state: 'ready' | 'loading' | 'rebuilding';
  /** Why it is rebuilt, in words that follow "the index is" (e.g. 'missing'). */
  reason: string | null;
  done: number;
  total: number;
}

export interface FormatCount {
  format: string;
  photos: number;
}

export interface ModelDownloadProgress {
  file: string;
  /** Bytes on disk so far; while 'verifying', those of an earlier download being checked. */
  receivedBytes: number;
  totalBytes: number | null;
  state: 'downloading' | 'verifying' | 'done' | 'failed';
  error: string | null;
}

export interface Settings {
  providers: ExecutionProviderName[];
  /** The model folder chosen in the app, used instead of a bundled model's; null when none is. */
  modelFolder: string | null;
  /**
   * What Ferret was started with (`--model-dir`, `--providers`): it holds for the whole run
   * over anything chosen in the app, so the app cannot change it and says so; null when not given.
   */
  startedWith: { modelFolder: string | null; providers: ExecutionProviderName[] | null };
}

export interface ResponseTypes {
  getStatus: LibraryStatus;
  listPhotos: PhotoPage;
  /** The timeline: photos per month in the grid's order (newest first); offsets add up. */
  listMonths: MonthCount[];
  /** The timeline zoomed in: photos per day in the grid's order (newest first). */
  listDays: DayCount[];
  getPhoto: PhotoSummary;
  listUnreadablePhotos: PhotoSummary[];
  getPhotoDetails: PhotoDetails;
  searchText: SearchResults;
  findSimilar: SimilarResults;
  findSimilarToPicture: SearchResults;
  listCameras: CameraCount[];
  /** The selection itself is left out of the hits. */
  findSimilarToPhotos: SearchResults;
  listFolders: FolderInfo[];
  addFolder: AddedFolder;
  removeFolder: { removedPhotos: number };
  pauseIndexing: IndexingProgress;
  resumeIndexing: IndexingProgress;
  /** Drops the queued indexing; removals still happen and watching goes on. */
  cancelIndexing: IndexingProgress;
  fetchModel: ModelInfo;
  useModelFolder: ModelInfo;
  listBundledModels: BundledModel[];
  selectBundledModel: ModelInfo;
  getSettings: Settings;
  updateSettings: Settings;
  openPhoto: { opened: boolean };
  showPhotoInFolder: { shown: boolean };
  moveToTrash: TrashResult;
  listDuplicates: DuplicateReport;
}

export type EngineEvent =
  | { type: 'indexing'; progress: IndexingProgress }
  | { type: 'library-changed' }
  | { type: 'model-download'; progress: ModelDownloadProgress }
  /**
   * Desktop only, from main: the engine's process kept dying (or a new one could not open the
   * library), so main stopped restarting it; `restartEngine` starts a new one.
   */
  | { type: 'engine-stopped'; reason: string }
  /** While the vector index is read or rebuilt, every second, and once when it is ready. */
  | { type: 'vector-index'; status: VectorIndexStatus };

/** Thrown by handlers for errors the user should read as they are. */
export interface ApiErrorBody {
  error: string;
}

/** What the renderer sees, whichever door (Electron preload or browser) it runs behind. */
export interface FerretApi {
  call<M extends Method>(method: M, args: RequestOf<M>): Promise<ResponseTypes[M]>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /**
   * Whether the engine can be reached, as it changes: the browser door loses it when
   * `ferret serve` stops and reconnects by itself when it is back; the desktop loses it when
   * the engine's process dies and main starts a new one (after a few crashes in a row main
   * stops trying and sends `engine-stopped` instead).
   */
  onConnection(listener: (connected: boolean) => void): () => void;
  /** URL the renderer may put in an <img src>: served only for photos inside the library. */
  mediaUrl(kind: 'thumbnail' | 'photo', photoId: number): string;
  /** Which door: desktop-only actions (open, show in folder, native menus) need 'electron'. */
  readonly door: 'electron' | 'browser';
  /** Native UI that only the desktop shell has; absent in the browser. */
  desktop?: <M extends DesktopMethod>(
    method: M,
    args: DesktopRequestOf<M>,
  ) => Promise<DesktopResponseTypes[M]>;
}

/** Desktop-only calls that Electron main answers itself with native UI; never the engine. */
export interface DesktopRequestTypes {
  showPhotoMenu: { photoId: number };
  pickFolder: { purpose: 'photos' | 'model' };
  /** Opens a map of the position in the system browser: the app itself fetches no map. */
  openMap: { latitude: number; longitude: number };
  /** Starts a new engine process after the last one stopped. */
  restartEngine: NoArgs;
}
export type DesktopMethod = keyof DesktopRequestTypes;
export type DesktopRequestOf<M extends DesktopMethod> = DesktopRequestTypes[M];

/** What the user picked in the photo's context menu (null: dismissed). */
export type PhotoMenuAction = 'find-similar' | 'open' | 'show-in-folder';

export interface DesktopResponseTypes {
  showPhotoMenu: PhotoMenuAction | null;
  /** The chosen folder, or null when the dialog was cancelled. */
  pickFolder: string | null;
  openMap: { opened: boolean };
  /** Resolves once the new engine process has opened the library. */
  restartEngine: null;
}

/**
 * What every door (Electron IPC, `ferret serve`) calls on the engine side. Arguments reach
 * `handle` only after `parseRequest` has validated them.
 */
export interface ApiBackend {
  handle<M extends Method>(method: M, args: ParsedRequestOf<M>): Promise<ResponseTypes[M]>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /** A library photo or its thumbnail, checked and typed by its bytes; null when not served. */
  media(kind: MediaKind, photoId: number): Promise<MediaBytes | null>;
}

import type {
  BrowseOrder,
  CameraCount,
  DayCount,
  FormatCount,
  MonthCount,
  PhotoStatus,
} from '../../contract/api.js';
import type { PhotoConditions } from './photo-filter.js';
import type {
  FolderListing,
  FolderRow,
  FolderStatus,
  JobInput,
  JobKind,
  JobRow,
  PhotoInput,
  PhotoRow,
  StoredVector,
  StoredVectorBytes,
} from './rows.js';

/**
 * The library's durable record as the rest of the engine sees it: folders, photos with their
 * metadata, the job queue, the models that embedded them, one vector per photo and model,
 * and settings. The engine, the library pipeline, search and the doors depend on this
 * interface, not on SQLite: `SqliteCatalog` (catalog.ts) is the one implementation, and a
 * shared library on a server would be another (README, "Beyond one machine"). Synchronous,
 * like better-sqlite3; callers group writes with `transaction`.
 */
export interface Catalog {
  readonly file: string;
  close(): void;
  /**
   * Refuses a damaged catalog file with a one-line UserError saying what SQLite's quick_check
   * found (it tests every page, index and constraint, not index contents). Reads the whole file,
   * so it is for commands that report on the library, not for every query: a damaged page that
   * no query of theirs touches would otherwise let them call the library sound.
   */
  assertSound(): void;
  /** Runs `fn` in one transaction (a savepoint when nested); any throw rolls it all back. */
  transaction<T>(fn: () => T): T;
  /**
   * Until the function returned is called, commits no longer copy the write-ahead log into
   * the catalog file (SQLite does that in the commit that passes 1,000 pages, 30 ms of the
   * thread and more waiting for the disk): `checkpoint` does it instead, in a turn of its own.
   */
  deferCheckpoints(): () => void;
  /** Copies what the write-ahead log holds into the catalog file, as far as readers allow. */
  checkpoint(): void;
  /** Adds a library folder, or returns the one already there with the same path. */
  addFolder(folderPath: string): FolderRow;
  /**
   * A library folder taken in by a new folder that contains it: its photos and queued work
   * become the outer folder's (same ids, metadata and vectors), and the inner folder goes.
   */
  absorbFolder(innerId: number, outerId: number): void;
  /** Removes the folder with its photos and their vectors; returns how many photos went. */
  removeFolder(folderId: number): number;
  /**
   * Removes up to `limit` of the folder's photos (with their vectors) and returns their ids and
   * contents: a large folder goes a chunk at a time, each chunk its own short transaction.
   */
  removePhotosInFolder(
    folderId: number,
    limit: number,
  ): {
    id: number;
    contentHash: string | null;
  }[];
  getFolder(folderId: number): FolderRow | undefined;
  listFolders(): FolderListing[];
  /**
   * The library folder a file lies in (the innermost, when folders nest), or undefined when it
   * lies in none. Compares whole path segments: /photos-old is not inside /photos.
   */
  folderForPath(filePath: string): FolderRow | undefined;
  setFolderStatus(folderId: number, status: FolderStatus, lastError: string | null): void;
  setFolderPolling(folderId: number, polling: boolean): void;
  /** Inserts the photo, or updates the one at the same path (keeping its id); returns the id. */
  upsertPhoto(photo: PhotoInput): number;
  getPhoto(photoId: number): PhotoRow | undefined;
  /** Photos that could not be read (their reason in lastError), by path. */
  unreadablePhotos(limit: number): PhotoRow[];
  getPhotoByPath(photoPath: string): PhotoRow | undefined;
  findPhotosByHash(contentHash: string): PhotoRow[];
  photosInFolder(folderId: number): PhotoRow[];
  /** A page of the folder's photos by id, after `afterId`: a large folder read a page at a time. */
  photosInFolderAfter(folderId: number, afterId: number, limit: number): PhotoRow[];
  photoIdsInFolder(folderId: number): number[];
  /** A renamed or moved file: same photo (id, metadata, vectors), new place. */
  movePhoto(photoId: number, newPath: string, newFolderId: number): void;
  updateFileStat(photoId: number, size: number, mtimeMs: number): void;
  /**
   * Forgets the file's recorded size, so that the next look at it (an index run, a
   * queued job) reads it again instead of counting it unchanged.
   */
  forgetFileSize(photoId: number): void;
  /** Removes the photo and its vectors; false when there was no such photo. */
  deletePhoto(photoId: number): boolean;
  /**
   * A page of photos by date (taken, else the file's time), newest first unless `order` says
   * oldest, and how many there are; only those that meet `conditions` when given.
   */
  listPhotos(
    offset: number,
    limit: number,
    options?: {
      conditions?: PhotoConditions;
      order?: BrowseOrder;
    },
  ): {
    total: number;
    items: PhotoRow[];
  };
  /** How many photos meet the conditions. */
  countPhotos(conditions: PhotoConditions): number;
  /** The ids of the photos that meet the conditions. */
  photoIdsMeeting(conditions: PhotoConditions): number[];
  /** A model's vectors of the photos that meet the conditions, as stored. */
  vectorsMeeting(modelId: number, conditions: PhotoConditions): StoredVectorBytes[];
  /** The photos given, by date: newest or oldest first (ties by id, as the grid has them). */
  byDate(photoIds: readonly number[], order: BrowseOrder): number[];
  /** The cameras the photos record (make, model or both), most photos first. */
  listCameras(): CameraCount[];
  /**
   * Changes whenever the catalog does, here or in another process: for caches of what was
   * read from it.
   */
  changeStamp(): string;
  /** How many photos each month holds (by the grid's date), newest month first. */
  listMonths(): MonthCount[];
  /** How many photos each day holds (by the grid's date), newest day first. */
  listDays(): DayCount[];
  countByStatus(): Record<PhotoStatus, number>;
  /** Photos per known format, most first. */
  countByFormat(): FormatCount[];
  /** Photos whose files lie below `dir` (a folder inside the library), at any depth. */
  photosUnder(dir: string): PhotoRow[];
  /** Queues work; a path already queued takes the newer job (the latest event wins). */
  enqueueJobs(jobs: readonly JobInput[]): void;
  /**
   * Up to `limit` jobs of a kind that may run now, highest priority first; jobs of folders
   * marked unavailable wait until the folder is back.
   */
  claimableJobs(kind: JobKind, limit: number, nowMs: number): JobRow[];
  /** The earliest time a waiting job of this kind becomes claimable, if any waits. */
  nextJobTime(kind: JobKind): number | undefined;
  /** Removes the job if it is still the one handed out (not re-queued since). */
  finishJob(job: Pick<JobRow, 'path' | 'stamp'>): void;
  /** Drops any job for the path (its work was done another way, e.g. by a move). */
  dropJob(jobPath: string): void;
  /** Puts a job back to try again later. */
  retryJobLater(job: Pick<JobRow, 'path' | 'stamp'>, notBefore: number): void;
  /** Drops queued work of a kind (or all), e.g. when the user cancels indexing. */
  clearJobs(kind?: JobKind): number;
  countJobs(): Record<JobKind, number>;
  /** The id of the model with this key, registering it on first use. */
  registerModel(key: string, dimensions: number): number;
  /**
   * Stores (or replaces) a photo's vector for a model, as given (no normalisation) but in
   * float16; returns the vector as stored, which is what reads give back from now on.
   */
  putVector(photoId: number, modelId: number, vector: Float32Array): Float32Array;
  getVector(photoId: number, modelId: number): Float32Array | undefined;
  hasVector(photoId: number, modelId: number): boolean;
  /** False when the photo had no vector for this model. */
  deleteVector(photoId: number, modelId: number): boolean;
  /**
   * Every vector of a model, read lazily (for rebuilding an index). The connection is busy
   * until the iteration ends: run no other catalog call from inside the loop.
   */
  iterateVectors(modelId: number): Generator<StoredVector>;
  /**
   * Up to `limit` vectors of a model with photo ids above `afterPhotoId`, in id order, as
   * stored: for work done a chunk at a time between other calls (a rebuild, an exact search).
   */
  vectorsAfter(modelId: number, afterPhotoId: number, limit: number): StoredVectorBytes[];
  /**
   * Rewrites up to `limit` float32 vectors (from before float16) as float16; returns how many
   * it rewrote, 0 when none are left. The freed pages are reused by later writes.
   */
  compactVectors(modelId: number, limit: number): number;
  /** Decodes what `vectorsAfter` read, into `into` when given. */
  decodeVector(modelId: number, bytes: Buffer, into?: Float32Array): Float32Array;
  countVectors(modelId: number): number;
  /** Indexed photos that still lack a vector from this model, oldest first. */
  photosMissingVector(modelId: number, limit: number): PhotoRow[];
  /**
   * Up to `limit` of a model's vectors not yet compared with their neighbours, in no
   * particular order (ordering them would sort every one left at each call).
   */
  uncomparedVectors(modelId: number, limit: number): StoredVectorBytes[];
  countUncomparedVectors(modelId: number): number;
  /**
   * Records that a photo was compared and these are its near-identical neighbours: it joins
   * their groups, which merge into one, labelled by the smallest photo id among them. A
   * neighbour not compared yet is left for its own turn (it will find this photo then).
   */
  joinNearGroup(modelId: number, photoId: number, neighbourIds: readonly number[]): void;
  /** Every grouped vector of a model with its group's label. */
  nearGroupMembers(modelId: number): {
    photoId: number;
    nearGroup: number;
  }[];
  /** Forgets a model's groups, to compare every vector again (its threshold changed). */
  forgetNearGroups(modelId: number): void;
  /** Indexed photos whose content (SHA-256) another indexed photo has too. */
  exactCopies(): {
    photoId: number;
    contentHash: string;
  }[];
  /** The stored JSON value, or undefined when the setting was never written. */
  getSetting(key: string): unknown;
  setSetting(key: string, value: unknown): void;
  /** Forgets a setting, so that its default applies again. */
  deleteSetting(key: string): void;
}

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  BrowseOrder,
  CameraCount,
  DayCount,
  FormatCount,
  MonthCount,
  PhotoStatus,
} from '../../contract/api.js';
import { hasConditions, whereClause, type PhotoConditions } from './photo-filter.js';
import { UserError } from '../../contract/errors.js';
import { isPathInside } from '../util/path-inside.js';
import { checkSchemaReadable, migrate } from './migrations.js';
import {
  FOLDER_COLUMNS,
  JOB_COLUMNS,
  PHOTO_COLUMNS,
  decodeVector,
  encodeVector,
  toFolderRow,
  type FolderListing,
  type FolderRow,
  type FolderStatus,
  type JobInput,
  type JobKind,
  type JobRow,
  type ModelRow,
  type PhotoInput,
  type PhotoRow,
  type StoredVector,
  type StoredVectorBytes,
} from './rows.js';
import { fitsHalf } from './float16.js';
import type { Catalog } from './catalog-interface.js';

export type { Catalog } from './catalog-interface.js';
export type {
  FolderListing,
  FolderRow,
  FolderStatus,
  JobInput,
  JobKind,
  JobRow,
  ModelRow,
  PhotoInput,
  PhotoRow,
  StoredVector,
  StoredVectorBytes,
} from './rows.js';

/** How long a write waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * The catalog in one SQLite file through better-sqlite3 (WAL, versioned migrations): the
 * source of truth for everything derived from it (the vector indexes, the thumbnails).
 * Triggers keep the photos per day (`photo_days`), from which the grid's pages, months and
 * days are read without scanning the photos.
 */
export class SqliteCatalog implements Catalog {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly modelDimensions = new Map<number, number>();
  /** Models registered while the catalog is open for reading only, by key. */
  private readonly unrecordedModels = new Map<string, ModelRow>();
  private days: { version: string; days: string[]; before: number[]; total: number } | undefined;
  private checkpointDeferrals = 0;
  private autoCheckpointPages = 0;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  /**
   * Opens (or makes) the catalog. `readOnly` writes nothing at all: no journal mode, no
   * migration, so it works on a full disk, a read-only mount and beside a running writer.
   * `sqliteBinding`: a better-sqlite3 addon built for another runtime than the one in
   * node_modules (the desktop engine host runs Electron's; see README, native modules).
   */
  static open(file: string, options: { readOnly?: boolean; sqliteBinding?: string } = {}): Catalog {
    let db: Database.Database | undefined;
    try {
      if (options.readOnly) {
        db = openForReading(file, options.sqliteBinding);
        checkSchemaReadable(db, file);
        return new SqliteCatalog(db, file);
      }
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS, nativeBinding: options.sqliteBinding });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, file);
      return new SqliteCatalog(db, file);
    } catch (error) {
      db?.close();
      if (error instanceof UserError) throw error;
      throw new UserError(`cannot open the catalog ${file}: ${(error as Error).message}`);
    }
  }

  close(): void {
    this.statements.clear();
    this.db.close();
  }

  assertSound(): void {
    let problem: string | null;
    try {
      const found = this.db.pragma('quick_check(1)', { simple: true }) as string;
      problem = found === 'ok' ? null : found.replace('*** in database main ***', '');
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === null) return;
    throw new UserError(
      `the catalog ${this.file} is damaged (${problem.replace(/\s+/g, ' ').trim()}): restore it from a backup, or move it aside and index the folders again`,
    );
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  deferCheckpoints(): () => void {
    // Counted: two folders removed at once each defer, and the first to finish must not undo
    // the other's deferral.
    if (this.checkpointDeferrals++ === 0) {
      this.autoCheckpointPages = this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
      this.db.pragma('wal_autocheckpoint = 0');
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.checkpointDeferrals === 0 && this.db.open) {
        this.db.pragma(`wal_autocheckpoint = ${this.autoCheckpointPages}`);
      }
    };
  }

  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  // Folders

  addFolder(folderPath: string): FolderRow {
    const resolved = path.resolve(folderPath);
    this.statement(
      'INSERT INTO folders (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING',
    ).run(resolved, now());
    return toFolderRow(
      this.statement(`SELECT ${FOLDER_COLUMNS} FROM folders WHERE path = ?`).get(
        resolved,
      ) as RawFolder,
    );
  }

  absorbFolder(innerId: number, outerId: number): void {
    this.transaction(() => {
      this.statement('UPDATE photos SET folder_id = ? WHERE folder_id = ?').run(outerId, innerId);
      this.statement('UPDATE jobs SET folder_id = ? WHERE folder_id = ?').run(outerId, innerId);
      this.statement('DELETE FROM folders WHERE id = ?').run(innerId);
    });
  }

  removeFolder(folderId: number): number {
    return this.transaction(() => {
      const photos = this.photoIdsInFolder(folderId).length;
      this.statement('DELETE FROM folders WHERE id = ?').run(folderId);
      return photos;
    });
  }

  removePhotosInFolder(
    folderId: number,
    limit: number,
  ): { id: number; contentHash: string | null }[] {
    return this.transaction(() => {
      const photos = this.statement(
        'SELECT id, content_hash AS contentHash FROM photos WHERE folder_id = ? LIMIT ?',
      ).all(folderId, limit) as { id: number; contentHash: string | null }[];
      const remove = this.statement('DELETE FROM photos WHERE id = ?');
      for (const photo of photos) remove.run(photo.id);
      return photos;
    });
  }

  getFolder(folderId: number): FolderRow | undefined {
    const row = this.statement(`SELECT ${FOLDER_COLUMNS} FROM folders WHERE id = ?`).get(
      folderId,
    ) as RawFolder | undefined;
    return row && toFolderRow(row);
  }

  listFolders(): FolderListing[] {
    const rows = this.statement(
      `SELECT ${FOLDER_COLUMNS},
         (SELECT count(*) FROM photos WHERE photos.folder_id = folders.id) AS photos
       FROM folders ORDER BY folders.path`,
    ).all() as (RawFolder & { photos: number })[];
    return rows.map(toFolderRow);
  }

  folderForPath(filePath: string): FolderRow | undefined {
    const folders = this.statement(`SELECT ${FOLDER_COLUMNS} FROM folders`).all() as RawFolder[];
    let innermost: RawFolder | undefined;
    for (const folder of folders) {
      if (
        isPathInside(filePath, folder.path) &&
        (innermost === undefined || folder.path.length > innermost.path.length)
      ) {
        innermost = folder;
      }
    }
    return innermost && toFolderRow(innermost);
  }

  setFolderStatus(folderId: number, status: FolderStatus, lastError: string | null): void {
    this.statement('UPDATE folders SET status = ?, last_error = ? WHERE id = ?').run(
      status,
      lastError,
      folderId,
    );
  }

  setFolderPolling(folderId: number, polling: boolean): void {
    this.statement('UPDATE folders SET polling = ? WHERE id = ?').run(polling ? 1 : 0, folderId);
  }

  // Photos

  upsertPhoto(photo: PhotoInput): number {
    const timestamp = now();
    const row = this.statement(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, content_hash, width, height,
         orientation, format, taken_at, camera_make, camera_model, gps_lat, gps_lon, status,
         last_error, added_at, updated_at)
       VALUES (@folderId, @path, @size, @mtimeMs, @contentHash, @width, @height, @orientation,
         @format, @takenAt, @cameraMake, @cameraModel, @gpsLatitude, @gpsLongitude, @status,
         @lastError, @timestamp, @timestamp)
       ON CONFLICT (path) DO UPDATE SET
         folder_id = excluded.folder_id, size = excluded.size, mtime_ms = excluded.mtime_ms,
         content_hash = excluded.content_hash, width = excluded.width, height = excluded.height,
         orientation = excluded.orientation, format = excluded.format,
         taken_at = excluded.taken_at, camera_make = excluded.camera_make,
         camera_model = excluded.camera_model, gps_lat = excluded.gps_lat,
         gps_lon = excluded.gps_lon, status = excluded.status, last_error = excluded.last_error,
         updated_at = excluded.updated_at
       RETURNING id`,
    ).get({
      folderId: photo.folderId,
      path: photo.path,
      size: photo.size,
      mtimeMs: photo.mtimeMs,
      contentHash: photo.contentHash,
      width: photo.width ?? null,
      height: photo.height ?? null,
      orientation: photo.orientation ?? null,
      format: photo.format ?? null,
      takenAt: photo.takenAt ?? null,
      cameraMake: photo.cameraMake ?? null,
      cameraModel: photo.cameraModel ?? null,
      gpsLatitude: photo.gps?.latitude ?? null,
      gpsLongitude: photo.gps?.longitude ?? null,
      status: photo.status,
      lastError: photo.lastError,
      timestamp,
    }) as { id: number };
    return row.id;
  }

  getPhoto(photoId: number): PhotoRow | undefined {
    return this.statement(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE id = ?`).get(photoId) as
      PhotoRow | undefined;
  }

  unreadablePhotos(limit: number): PhotoRow[] {
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE status = 'error' ORDER BY path LIMIT ?`,
    ).all(limit) as PhotoRow[];
  }

  getPhotoByPath(photoPath: string): PhotoRow | undefined {
    return this.statement(`SELECT ${PHOTO_COLUMNS} FROM photos WHERE path = ?`).get(photoPath) as
      PhotoRow | undefined;
  }

  findPhotosByHash(contentHash: string): PhotoRow[] {
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE content_hash = ? ORDER BY id`,
    ).all(contentHash) as PhotoRow[];
  }

  photosInFolder(folderId: number): PhotoRow[] {
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE folder_id = ? ORDER BY id`,
    ).all(folderId) as PhotoRow[];
  }

  photosInFolderAfter(folderId: number, afterId: number, limit: number): PhotoRow[] {
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE folder_id = ? AND id > ? ORDER BY id LIMIT ?`,
    ).all(folderId, afterId, limit) as PhotoRow[];
  }

  photoIdsInFolder(folderId: number): number[] {
    return this.statement('SELECT id FROM photos WHERE folder_id = ? ORDER BY id')
      .pluck()
      .all(folderId) as number[];
  }

  movePhoto(photoId: number, newPath: string, newFolderId: number): void {
    const holder = this.getPhotoByPath(newPath);
    if (holder !== undefined && holder.id !== photoId) {
      throw new Error(`cannot move photo ${photoId} to ${newPath}: photo ${holder.id} is there`);
    }
    const { changes } = this.statement(
      'UPDATE photos SET path = ?, folder_id = ?, updated_at = ? WHERE id = ?',
    ).run(newPath, newFolderId, now(), photoId);
    if (changes === 0) throw new Error(`cannot move photo ${photoId}: no such photo`);
  }

  updateFileStat(photoId: number, size: number, mtimeMs: number): void {
    this.statement('UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?').run(
      size,
      mtimeMs,
      now(),
      photoId,
    );
  }

  forgetFileSize(photoId: number): void {
    this.statement('UPDATE photos SET size = -1 WHERE id = ?').run(photoId);
  }

  deletePhoto(photoId: number): boolean {
    return this.statement('DELETE FROM photos WHERE id = ?').run(photoId).changes > 0;
  }

  listPhotos(
    offset: number,
    limit: number,
    options: { conditions?: PhotoConditions; order?: BrowseOrder } = {},
  ): { total: number; items: PhotoRow[] } {
    const { conditions, order = 'newest' } = options;
    if (conditions !== undefined && hasConditions(conditions)) {
      const where = whereClause(conditions);
      const direction = order === 'newest' ? 'DESC' : 'ASC';
      const items = this.statement(
        `SELECT ${PHOTO_COLUMNS} FROM photos WHERE ${where.sql}
         ORDER BY sort_day ${direction}, sort_at ${direction}, id ${direction} LIMIT ? OFFSET ?`,
      ).all(...where.params, limit, offset) as PhotoRow[];
      return { total: this.countPhotos(conditions), items };
    }
    if (order === 'newest') return this.newestPage(offset, limit);
    // The oldest-first page is the newest-first page counted from the other end, reversed.
    const total = this.dayCounts().total;
    const end = Math.max(0, total - offset);
    const start = Math.max(0, end - limit);
    return { total, items: this.newestPage(start, end - start).items.reverse() };
  }

  countPhotos(conditions: PhotoConditions): number {
    if (!hasConditions(conditions)) return this.dayCounts().total;
    const where = whereClause(conditions);
    return this.statement(`SELECT count(*) FROM photos WHERE ${where.sql}`)
      .pluck()
      .get(...where.params) as number;
  }

  photoIdsMeeting(conditions: PhotoConditions): number[] {
    const where = whereClause(conditions);
    return this.statement(`SELECT id FROM photos WHERE ${where.sql}`)
      .pluck()
      .all(...where.params) as number[];
  }

  vectorsMeeting(modelId: number, conditions: PhotoConditions): StoredVectorBytes[] {
    const where = whereClause(conditions);
    // CROSS JOIN keeps photos the outer loop, so the filter's index (days, paths) picks the
    // few rows first, instead of reading every vector of the model and then its photo.
    return this.statement(
      `SELECT vectors.photo_id AS photoId, vectors.vector AS bytes
       FROM photos CROSS JOIN vectors ON vectors.photo_id = photos.id AND vectors.model_id = ?
       WHERE ${where.sql}`,
    ).all(modelId, ...where.params) as StoredVectorBytes[];
  }

  byDate(photoIds: readonly number[], order: BrowseOrder): number[] {
    const direction = order === 'newest' ? 'DESC' : 'ASC';
    return this.statement(
      `SELECT id FROM photos WHERE id IN (SELECT value FROM json_each(?))
       ORDER BY sort_day ${direction}, sort_at ${direction}, id ${direction}`,
    )
      .pluck()
      .all(JSON.stringify(photoIds)) as number[];
  }

  listCameras(): CameraCount[] {
    return this.statement(
      `SELECT nullif(make, '') AS make, nullif(model, '') AS model, photos FROM cameras
       ORDER BY photos DESC, make, model`,
    ).all() as CameraCount[];
  }

  /**
   * Newest first through the per-day counts: seeks to the day the page starts in, then steps
   * only over that day's earlier photos, so the cost does not grow with the depth of the page.
   */
  private newestPage(offset: number, limit: number): { total: number; items: PhotoRow[] } {
    const { days, before, total } = this.dayCounts();
    if (offset >= total || limit === 0) return { total, items: [] };
    // The last day that starts at or before the offset (days run newest first).
    let low = 0;
    let high = days.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (before[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    const items = this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE sort_day <= ?
       ORDER BY sort_day DESC, sort_at DESC, id DESC LIMIT ? OFFSET ?`,
    ).all(days[low], limit, offset - before[low]!) as PhotoRow[];
    return { total, items };
  }

  /**
   * The days newest first with how many photos come before each, read again only when the
   * catalog changed (here or in another process): a few thousand rows, not for every page.
   */
  private dayCounts(): { days: string[]; before: number[]; total: number } {
    const version = this.changeStamp();
    if (this.days?.version === version) return this.days;
    const rows = this.statement('SELECT day, count AS photos FROM photo_days ORDER BY day DESC')
      .raw()
      .all() as [string, number][];
    const days: string[] = [];
    const before: number[] = [];
    let total = 0;
    for (const [day, count] of rows) {
      days.push(day);
      before.push(total);
      total += count;
    }
    this.days = { version, days, before, total };
    return this.days;
  }

  changeStamp(): string {
    return `${this.db.pragma('data_version', { simple: true })}:${this.statement('SELECT total_changes()').pluck().get()}`;
  }

  listMonths(): MonthCount[] {
    return this.statement(
      `SELECT substr(day, 1, 7) AS month, sum(count) AS photos FROM photo_days
       GROUP BY month ORDER BY month DESC`,
    ).all() as MonthCount[];
  }

  listDays(): DayCount[] {
    // The same statement as dayCounts', which reads it raw.
    return this.statement('SELECT day, count AS photos FROM photo_days ORDER BY day DESC')
      .raw(false)
      .all() as DayCount[];
  }

  countByStatus(): Record<PhotoStatus, number> {
    const counts: Record<PhotoStatus, number> = { indexed: 0, error: 0 };
    const rows = this.statement(
      'SELECT status, count(*) AS count FROM photos GROUP BY status',
    ).all() as { status: PhotoStatus; count: number }[];
    for (const { status, count } of rows) counts[status] = count;
    return counts;
  }

  countByFormat(): FormatCount[] {
    return this.statement(
      `SELECT format, count(*) AS photos FROM photos WHERE format IS NOT NULL
       GROUP BY format ORDER BY photos DESC, format`,
    ).all() as FormatCount[];
  }

  photosUnder(dir: string): PhotoRow[] {
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    // Every path that starts with the prefix sorts between it and the prefix with its last
    // character bumped by one: a range the unique index on path answers directly.
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos WHERE path >= ? AND path < ? ORDER BY id`,
    ).all(prefix, end) as PhotoRow[];
  }

  // Jobs: the live library's persisted work queue

  enqueueJobs(jobs: readonly JobInput[]): void {
    const upsert = this.statement(
      `INSERT INTO jobs (path, folder_id, kind, priority, not_before, stamp)
       VALUES (@path, @folderId, @kind, @priority, @notBefore, @stamp)
       ON CONFLICT (path) DO UPDATE SET folder_id = excluded.folder_id, kind = excluded.kind,
         priority = excluded.priority, not_before = excluded.not_before,
         stamp = excluded.stamp, attempts = 0`,
    );
    this.transaction(() => {
      for (const job of jobs) upsert.run({ notBefore: 0, ...job, stamp: nextStamp() });
    });
  }

  claimableJobs(kind: JobKind, limit: number, nowMs: number): JobRow[] {
    return this.statement(
      `SELECT ${JOB_COLUMNS} FROM jobs JOIN folders ON folders.id = jobs.folder_id
       WHERE jobs.kind = ? AND jobs.not_before <= ? AND folders.status = 'ok'
       ORDER BY jobs.priority DESC, jobs.path LIMIT ?`,
    ).all(kind, nowMs, limit) as JobRow[];
  }

  nextJobTime(kind: JobKind): number | undefined {
    return (
      (this.statement(
        `SELECT min(jobs.not_before) FROM jobs JOIN folders ON folders.id = jobs.folder_id
         WHERE jobs.kind = ? AND folders.status = 'ok'`,
      )
        .pluck()
        .get(kind) as number | null) ?? undefined
    );
  }

  finishJob(job: Pick<JobRow, 'path' | 'stamp'>): void {
    this.statement('DELETE FROM jobs WHERE path = ? AND stamp = ?').run(job.path, job.stamp);
  }

  dropJob(jobPath: string): void {
    this.statement('DELETE FROM jobs WHERE path = ?').run(jobPath);
  }

  retryJobLater(job: Pick<JobRow, 'path' | 'stamp'>, notBefore: number): void {
    this.statement(
      'UPDATE jobs SET not_before = ?, attempts = attempts + 1 WHERE path = ? AND stamp = ?',
    ).run(notBefore, job.path, job.stamp);
  }

  clearJobs(kind?: JobKind): number {
    return kind === undefined
      ? this.statement('DELETE FROM jobs').run().changes
      : this.statement('DELETE FROM jobs WHERE kind = ?').run(kind).changes;
  }

  countJobs(): Record<JobKind, number> {
    const counts: Record<JobKind, number> = { index: 0, remove: 0 };
    const rows = this.statement('SELECT kind, count(*) AS count FROM jobs GROUP BY kind').all() as {
      kind: JobKind;
      count: number;
    }[];
    for (const { kind, count } of rows) counts[kind] = count;
    return counts;
  }

  // Models and vectors

  registerModel(key: string, dimensions: number): number {
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw new Error(`model ${key}: dimensions must be a positive integer, not ${dimensions}`);
    }
    const find = () =>
      this.statement('SELECT id, key, dimensions FROM models WHERE key = ?').get(key) as
        ModelRow | undefined;
    // Looked up first, so that a read-only catalog opens with a model it already knows.
    let model = find() ?? this.unrecordedModels.get(key);
    if (model === undefined && this.db.readonly) {
      // A model this library has never seen, read without writing (`ferret status` with
      // another model): an id no row uses, so it simply has no vectors yet.
      const { highest } = this.statement(
        'SELECT coalesce(max(id), 0) AS highest FROM models',
      ).get() as {
        highest: number;
      };
      const id = Math.max(highest, ...[...this.unrecordedModels.values()].map((row) => row.id)) + 1;
      model = { id, key, dimensions };
      this.unrecordedModels.set(key, model);
    }
    if (model === undefined) {
      this.statement('INSERT INTO models (key, dimensions) VALUES (?, ?)').run(key, dimensions);
      model = find()!;
    }
    if (model.dimensions !== dimensions) {
      throw new Error(
        `model ${key} is registered with ${model.dimensions} dimensions, not ${dimensions}`,
      );
    }
    this.modelDimensions.set(model.id, model.dimensions);
    return model.id;
  }

  putVector(photoId: number, modelId: number, vector: Float32Array): Float32Array {
    const dimensions = this.dimensionsOf(modelId);
    if (vector.length !== dimensions) {
      throw new Error(`model ${modelId} has ${dimensions} dimensions, the vector ${vector.length}`);
    }
    if (!vector.every(Number.isFinite)) {
      throw new Error(`vector for photo ${photoId} holds a value that is not a finite number`);
    }
    if (!fitsHalf(vector)) {
      throw new Error(`vector for photo ${photoId} holds a value too large for float16`);
    }
    const bytes = encodeVector(vector);
    this.statement(
      `INSERT INTO vectors (photo_id, model_id, vector) VALUES (?, ?, ?)
       ON CONFLICT (photo_id, model_id) DO UPDATE SET vector = excluded.vector`,
    ).run(photoId, modelId, bytes);
    return decodeVector(bytes, dimensions);
  }

  getVector(photoId: number, modelId: number): Float32Array | undefined {
    const bytes = this.statement('SELECT vector FROM vectors WHERE photo_id = ? AND model_id = ?')
      .pluck()
      .get(photoId, modelId) as Buffer | undefined;
    return bytes && decodeVector(bytes, this.dimensionsOf(modelId));
  }

  hasVector(photoId: number, modelId: number): boolean {
    return (
      this.statement('SELECT 1 FROM vectors WHERE photo_id = ? AND model_id = ?').get(
        photoId,
        modelId,
      ) !== undefined
    );
  }

  deleteVector(photoId: number, modelId: number): boolean {
    return (
      this.statement('DELETE FROM vectors WHERE photo_id = ? AND model_id = ?').run(
        photoId,
        modelId,
      ).changes > 0
    );
  }

  *iterateVectors(modelId: number): Generator<StoredVector> {
    const dimensions = this.dimensionsOf(modelId);
    const rows = this.statement(
      'SELECT photo_id AS photoId, vector FROM vectors WHERE model_id = ? ORDER BY photo_id',
    ).iterate(modelId) as IterableIterator<{ photoId: number; vector: Buffer }>;
    for (const { photoId, vector } of rows) {
      yield { photoId, vector: decodeVector(vector, dimensions) };
    }
  }

  vectorsAfter(modelId: number, afterPhotoId: number, limit: number): StoredVectorBytes[] {
    return this.statement(
      `SELECT photo_id AS photoId, vector AS bytes FROM vectors
       WHERE model_id = ? AND photo_id > ? ORDER BY photo_id LIMIT ?`,
    ).all(modelId, afterPhotoId, limit) as StoredVectorBytes[];
  }

  compactVectors(modelId: number, limit: number): number {
    const dimensions = this.dimensionsOf(modelId);
    return this.transaction(() => {
      const rows = this.statement(
        `SELECT photo_id AS photoId, vector AS bytes FROM vectors
         WHERE model_id = ? AND length(vector) = ? LIMIT ?`,
      ).all(modelId, dimensions * 4, limit) as StoredVectorBytes[];
      const update = this.statement(
        'UPDATE vectors SET vector = ? WHERE photo_id = ? AND model_id = ?',
      );
      for (const { photoId, bytes } of rows) {
        update.run(encodeVector(decodeVector(bytes, dimensions)), photoId, modelId);
      }
      return rows.length;
    });
  }

  decodeVector(modelId: number, bytes: Buffer, into?: Float32Array): Float32Array {
    return decodeVector(bytes, this.dimensionsOf(modelId), into);
  }

  countVectors(modelId: number): number {
    return this.statement('SELECT count(*) FROM vectors WHERE model_id = ?')
      .pluck()
      .get(modelId) as number;
  }

  photosMissingVector(modelId: number, limit: number): PhotoRow[] {
    return this.statement(
      `SELECT ${PHOTO_COLUMNS} FROM photos
       WHERE status = 'indexed' AND NOT EXISTS
         (SELECT 1 FROM vectors WHERE vectors.photo_id = photos.id AND vectors.model_id = ?)
       ORDER BY id LIMIT ?`,
    ).all(modelId, limit) as PhotoRow[];
  }

  // Near-duplicate groups (see the migration that added vectors.near_group)

  uncomparedVectors(modelId: number, limit: number): StoredVectorBytes[] {
    return this.statement(
      `SELECT photo_id AS photoId, vector AS bytes FROM vectors
       WHERE model_id = ? AND near_group IS NULL LIMIT ?`,
    ).all(modelId, limit) as StoredVectorBytes[];
  }

  countUncomparedVectors(modelId: number): number {
    return this.statement('SELECT count(*) FROM vectors WHERE model_id = ? AND near_group IS NULL')
      .pluck()
      .get(modelId) as number;
  }

  joinNearGroup(modelId: number, photoId: number, neighbourIds: readonly number[]): void {
    this.transaction(() => {
      const rows = this.statement(
        // "+near_group": looked up by photo (the primary key), not by scanning the compared.
        `SELECT photo_id AS photoId, near_group AS nearGroup FROM vectors
         WHERE model_id = ? AND +near_group IS NOT NULL
           AND photo_id IN (SELECT value FROM json_each(?))`,
      ).all(modelId, JSON.stringify(neighbourIds)) as { photoId: number; nearGroup: number }[];
      const alone = [
        photoId,
        ...rows.filter((row) => row.nearGroup === 0).map((row) => row.photoId),
      ];
      const groups = [
        ...new Set(rows.filter((row) => row.nearGroup > 0).map((row) => row.nearGroup)),
      ];
      const label = rows.length === 0 ? 0 : Math.min(...alone, ...groups);
      // Two statements, each on its own index (the primary key, vectors_by_near_group): one
      // with OR between them would read every vector of the model.
      this.statement(
        `UPDATE vectors SET near_group = ?
         WHERE photo_id IN (SELECT value FROM json_each(?)) AND model_id = ?`,
      ).run(label, JSON.stringify(alone), modelId);
      if (groups.length > 0) {
        this.statement(
          `UPDATE vectors SET near_group = ?
           WHERE model_id = ? AND near_group IN (SELECT value FROM json_each(?))`,
        ).run(label, modelId, JSON.stringify(groups));
      }
    });
  }

  nearGroupMembers(modelId: number): { photoId: number; nearGroup: number }[] {
    return this.statement(
      `SELECT photo_id AS photoId, near_group AS nearGroup FROM vectors
       WHERE model_id = ? AND near_group > 0`,
    ).all(modelId) as { photoId: number; nearGroup: number }[];
  }

  forgetNearGroups(modelId: number): void {
    this.statement('UPDATE vectors SET near_group = NULL WHERE model_id = ?').run(modelId);
  }

  exactCopies(): { photoId: number; contentHash: string }[] {
    return this.statement(
      // The hashes come from the index on content_hash alone, never reading the rows.
      `SELECT id AS photoId, content_hash AS contentHash FROM photos
       WHERE content_hash IN (
         SELECT content_hash FROM photos WHERE content_hash IS NOT NULL
         GROUP BY content_hash HAVING count(*) > 1)
       AND +status = 'indexed'`,
    ).all() as { photoId: number; contentHash: string }[];
  }

  // Settings

  getSetting(key: string): unknown {
    const json = this.statement('SELECT value FROM settings WHERE key = ?').pluck().get(key) as
      string | undefined;
    return json === undefined ? undefined : JSON.parse(json);
  }

  setSetting(key: string, value: unknown): void {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new Error(`setting ${key}: ${String(value)} is not JSON`);
    this.statement(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(key, json);
  }

  deleteSetting(key: string): void {
    this.statement('DELETE FROM settings WHERE key = ?').run(key);
  }

  private dimensionsOf(modelId: number): number {
    let dimensions = this.modelDimensions.get(modelId);
    if (dimensions === undefined) {
      dimensions = this.statement('SELECT dimensions FROM models WHERE id = ?')
        .pluck()
        .get(modelId) as number | undefined;
      if (dimensions === undefined) throw new Error(`no model with id ${modelId}`);
      this.modelDimensions.set(modelId, dimensions);
    }
    return dimensions;
  }

  /** Prepared once per SQL text; better-sqlite3 statements are reusable. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * A read-only connection. Reading a WAL database still needs its shared-memory index file,
 * which a full disk (or a read-only folder without one) refuses: then the catalog is read
 * from a copy of its file in memory, as the last writer left it.
 */
function openForReading(file: string, nativeBinding?: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, {
      readonly: true,
      fileMustExist: true,
      timeout: BUSY_TIMEOUT_MS,
      nativeBinding,
    });
    db.pragma('user_version'); // the first read is what needs the index file
    return db;
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code ?? '';
    if (!code.startsWith('SQLITE_IOERR') && code !== 'SQLITE_CANTOPEN') throw error;
    if (!fs.existsSync(file)) throw error;
    const copy = fs.readFileSync(file);
    // Header bytes 18 and 19 say WAL (2); a copy in memory has no WAL, so it reads as a
    // rollback-journal database (1).
    copy[18] = 1;
    copy[19] = 1;
    return new Database(copy, { readonly: true, nativeBinding });
  }
}

type RawFolder = Omit<FolderRow, 'polling'> & { polling: number };

let lastStamp = 0;

/** Distinct and increasing within a process, and ahead of stamps from earlier runs. */
function nextStamp(): number {
  lastStamp = Math.max(lastStamp + 1, Date.now() * 1000);
  return lastStamp;
}

function now(): string {
  return new Date().toISOString();
}

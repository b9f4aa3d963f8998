import Database from 'better-sqlite3';
import { SqliteCatalog } from '../../src-main/engine/catalog/catalog.js';
import { encodeVector, type PhotoInput } from '../../src-main/engine/catalog/rows.js';

/** Rows per transaction: large, since the bench's catalog has no reader to wait for it. */
const TRANSACTION_ROWS = 50_000;

/** One photo of a synthetic library and, when it has one, its vector under a model. */
export interface BulkPhoto {
  photo: PhotoInput;
  vector: { modelId: number; vector: Float32Array } | null;
}

/**
 * Fills a bench library's catalog fast with photos and their vectors: the same rows
 * `Catalog.upsertPhoto` and `Catalog.putVector` write (the same columns, the vector as the
 * catalog's float16 bytes, the day counts kept by the schema's own triggers), but as plain
 * INSERTs on one connection, 50,000 rows per transaction, without a sync per commit. The file
 * is made by `SqliteCatalog.open` first, so its schema is exactly the engine's, and the folders
 * and models the rows refer to must be in it already. Returns the photos' ids, in order.
 */
export function bulkInsertPhotos(
  catalogFile: string,
  count: number,
  photoAt: (index: number) => BulkPhoto,
): number[] {
  SqliteCatalog.open(catalogFile).close();
  const db = new Database(catalogFile);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = ON');
    const insertPhoto = db.prepare(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, content_hash, width, height,
         orientation, format, taken_at, camera_make, camera_model, gps_lat, gps_lon, status,
         last_error, added_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertVector = db.prepare(
      'INSERT INTO vectors (photo_id, model_id, vector) VALUES (?, ?, ?)',
    );
    const ids: number[] = [];
    const insertRange = db.transaction((first: number, end: number) => {
      const timestamp = new Date().toISOString();
      for (let index = first; index < end; index++) {
        const { photo, vector } = photoAt(index);
        const id = Number(
          insertPhoto.run(
            photo.folderId,
            photo.path,
            photo.size,
            photo.mtimeMs,
            photo.contentHash,
            photo.width ?? null,
            photo.height ?? null,
            photo.orientation ?? null,
            photo.format ?? null,
            photo.takenAt ?? null,
            photo.cameraMake ?? null,
            photo.cameraModel ?? null,
            photo.gps?.latitude ?? null,
            photo.gps?.longitude ?? null,
            photo.status,
            photo.lastError,
            timestamp,
            timestamp,
          ).lastInsertRowid,
        );
        if (vector !== null) insertVector.run(id, vector.modelId, encodeVector(vector.vector));
        ids.push(id);
      }
    });
    for (let first = 0; first < count; first += TRANSACTION_ROWS) {
      insertRange(first, Math.min(count, first + TRANSACTION_ROWS));
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    return ids;
  } finally {
    db.close();
  }
}

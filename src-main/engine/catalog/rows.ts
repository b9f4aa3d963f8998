import os from 'node:os';
import type { PhotoStatus } from '../../contract/api.js';
import { HALF_VALUES, toHalf } from './float16.js';

export type FolderStatus = 'ok' | 'unavailable';

export interface FolderRow {
  id: number;
  /** Absolute, without a trailing separator. */
  path: string;
  /** ISO 8601, UTC. */
  addedAt: string;
  /** Watched by polling rather than file-system events (network drives). */
  polling: boolean;
  status: FolderStatus;
  lastError: string | null;
}

export interface FolderListing extends FolderRow {
  photos: number;
}

export interface PhotoRow {
  id: number;
  folderId: number;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  width: number | null;
  height: number | null;
  orientation: number | null;
  format: string | null;
  /** ISO 8601 as the camera recorded it (with an offset only when the camera wrote one). */
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  gpsLatitude: number | null;
  gpsLongitude: number | null;
  status: PhotoStatus;
  lastError: string | null;
  /** ISO 8601, UTC. */
  addedAt: string;
  updatedAt: string;
}

/** What the indexer knows about a file; metadata left out is stored as unknown (NULL). */
export interface PhotoInput {
  path: string;
  folderId: number;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  width?: number | null;
  height?: number | null;
  orientation?: number | null;
  format?: string | null;
  takenAt?: string | null;
  cameraMake?: string | null;
  cameraModel?: string | null;
  gps?: { latitude: number; longitude: number } | null;
  status: PhotoStatus;
  lastError: string | null;
}

export interface ModelRow {
  id: number;
  key: string;
  dimensions: number;
}

export interface StoredVector {
  photoId: number;
  vector: Float32Array;
}

export interface StoredVectorBytes {
  photoId: number;
  bytes: Buffer;
}

/** Selected as camelCase aliases, so a row comes back from SQLite already shaped as PhotoRow. */
export const PHOTO_COLUMNS = `
  photos.id AS id, photos.folder_id AS folderId, photos.path AS path, photos.size AS size,
  photos.mtime_ms AS mtimeMs, photos.content_hash AS contentHash, photos.width AS width,
  photos.height AS height, photos.orientation AS orientation, photos.format AS format,
  photos.taken_at AS takenAt, photos.camera_make AS cameraMake,
  photos.camera_model AS cameraModel, photos.gps_lat AS gpsLatitude,
  photos.gps_lon AS gpsLongitude, photos.status AS status, photos.last_error AS lastError,
  photos.added_at AS addedAt, photos.updated_at AS updatedAt`;

export const FOLDER_COLUMNS = `
  folders.id AS id, folders.path AS path, folders.added_at AS addedAt,
  folders.polling AS polling, folders.status AS status, folders.last_error AS lastError`;

/** SQLite has no boolean: `polling` arrives as 0 or 1. */
export function toFolderRow<T extends { polling: unknown }>(row: T): T & { polling: boolean } {
  return { ...row, polling: row.polling === 1 };
}

const FLOAT32_BYTES = 4;
const FLOAT16_BYTES = 2;

/**
 * Vectors are stored as little-endian float16, whatever the machine's byte order: half the
 * size of float32, for a difference in cosine similarity far below what changes a ranking.
 */
export function encodeVector(vector: ArrayLike<number>): Buffer {
  const bytes = Buffer.alloc(vector.length * FLOAT16_BYTES);
  for (let i = 0; i < vector.length; i++)
    bytes.writeUInt16LE(toHalf(vector[i]!), i * FLOAT16_BYTES);
  return bytes;
}

/**
 * A stored vector of `dimensions` components: float16, or float32 as catalogs before float16
 * wrote them (until `Catalog.compactVectors` has rewritten those). Reads each value at its own
 * offset: the Buffer SQLite hands back may sit at an odd offset of a larger ArrayBuffer.
 */
export function decodeVector(
  bytes: Buffer,
  dimensions: number,
  /** Written into instead of a new array: exact search decodes every vector of the library. */
  vector: Float32Array = new Float32Array(dimensions),
): Float32Array {
  if (bytes.length === dimensions * FLOAT16_BYTES && LITTLE_ENDIAN) {
    // One copy to an aligned place, then a lookup per value: the exact search while an index
    // is rebuilt decodes every vector of the library per query.
    const halves = alignedHalves(bytes);
    for (let i = 0; i < dimensions; i++) vector[i] = HALF_VALUES[halves[i]!]!;
  } else if (bytes.length === dimensions * FLOAT16_BYTES) {
    for (let i = 0; i < dimensions; i++)
      vector[i] = HALF_VALUES[bytes.readUInt16LE(i * FLOAT16_BYTES)]!;
  } else if (bytes.length === dimensions * FLOAT32_BYTES) {
    for (let i = 0; i < dimensions; i++) vector[i] = bytes.readFloatLE(i * FLOAT32_BYTES);
  } else {
    throw new Error(
      `stored vector has ${bytes.length} bytes, not ${dimensions} float16 or float32 values`,
    );
  }
  return vector;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';
let scratch = new Uint16Array(1024);

/** The halves of a stored vector, in a reused buffer that is valid until the next call. */
function alignedHalves(bytes: Buffer): Uint16Array {
  const count = bytes.length / FLOAT16_BYTES;
  if (scratch.length < count) scratch = new Uint16Array(count);
  new Uint8Array(scratch.buffer, 0, bytes.length).set(bytes);
  return scratch;
}

export type JobKind = 'index' | 'remove';

/** A path that needs work: (re)indexing, or removal once its grace period is over. */
export interface JobInput {
  path: string;
  folderId: number;
  kind: JobKind;
  /** Higher first: the file's mtime, so the newest photos are searchable first. */
  priority: number;
  /** Epoch ms before which the job is not handed out (removals wait for a matching add). */
  notBefore?: number;
}

export interface JobRow extends Required<JobInput> {
  /** Changes with every re-queue; finishing a job with an old stamp leaves the newer one. */
  stamp: number;
  attempts: number;
}

export const JOB_COLUMNS = `
  jobs.path AS path, jobs.folder_id AS folderId, jobs.kind AS kind, jobs.priority AS priority,
  jobs.not_before AS notBefore, jobs.stamp AS stamp, jobs.attempts AS attempts`;

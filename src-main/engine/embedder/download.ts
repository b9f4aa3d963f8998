import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../contract/errors.js';
import { replaceFile } from '../util/atomic-write.js';
import { feedFileToHash } from '../util/sha256.js';

/**
 * Downloads one large file so that it survives flaky connections: bytes land in `<dest>.part`,
 * a later attempt continues from there with an HTTP Range request, and `dest` only ever appears
 * complete and checksum-verified (rename of a synced file).
 */

export interface DownloadProgress {
  /** Bytes of the file on disk so far, including any part resumed from an earlier attempt. */
  receivedBytes: number;
  /** Size of the whole file, when the server or the caller knows it. */
  totalBytes: number | null;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Expected sha256 of the whole file, lowercase hex. */
  sha256: string;
  /** Expected size, when known: a longer part is discarded, a shorter transfer is an interruption. */
  bytes?: number;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** A download that failed for a reason the user can act on (offline, server error, corrupt file). */
export class DownloadError extends UserError {}

export function partPathOf(dest: string): string {
  return `${dest}.part`;
}

export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { url, dest, signal } = options;
  const part = partPathOf(dest);
  await fs.mkdir(path.dirname(dest), { recursive: true });

  let resumeFrom = (await fileSize(part)) ?? 0;
  if (options.bytes !== undefined && resumeFrom > options.bytes) {
    // Longer than the file it is meant to become: it cannot be a prefix of it.
    await fs.rm(part, { force: true });
    resumeFrom = 0;
  }

  const response = await request(url, resumeFrom, signal);
  const hash = createHash('sha256');
  let totalBytes: number | null;

  if (response.status === 416) {
    // Nothing left to send past our offset: the part already holds the whole file.
    await response.body?.cancel();
    await feedFileToHash(hash, part);
    await finish(options, part, hash);
    return;
  }
  if (response.status === 206 && resumeFrom > 0) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range?.start !== resumeFrom) {
      await response.body?.cancel();
      throw new DownloadError(
        `could not download ${url}: the server sent a different range than asked for`,
      );
    }
    await feedFileToHash(hash, part);
    totalBytes = range.total ?? options.bytes ?? null;
  } else if (response.status === 200) {
    // No Range support (or no part): whatever the part held is replaced by the full body.
    resumeFrom = 0;
    totalBytes = contentLength(response) ?? options.bytes ?? null;
  } else {
    await response.body?.cancel();
    throw new DownloadError(
      `could not download ${url}: the server answered HTTP ${response.status} ${response.statusText}`,
    );
  }

  const received = await appendBody(
    response,
    { url, part, resumeFrom, hash, signal },
    (receivedBytes) => options.onProgress?.({ receivedBytes, totalBytes }),
  );
  const expected = totalBytes ?? options.bytes;
  if (expected !== undefined && received < expected) {
    // The server closed the body early without an error; keep what came for the next attempt.
    throw new DownloadError(
      `could not download ${url}: the transfer stopped at ${received} of ${expected} bytes (are you offline?); run it again to resume`,
    );
  }
  await finish(options, part, hash);
}

async function request(
  url: string,
  resumeFrom: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  // identity: Range offsets and the checksum refer to the stored bytes, never a compressed form.
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (resumeFrom > 0) headers.range = `bytes=${resumeFrom}-`;
  try {
    return await fetch(url, { headers, signal });
  } catch (error) {
    throw asDownloadError(url, error, signal);
  }
}

interface PartWrite {
  url: string;
  part: string;
  /** Bytes already in the part; 0 starts it afresh. */
  resumeFrom: number;
  hash: Hash;
  signal: AbortSignal | undefined;
}

/** Writes the body after the part's first `resumeFrom` bytes, hashing as it goes; returns the part's size. */
async function appendBody(
  response: Response,
  { url, part, resumeFrom, hash, signal }: PartWrite,
  onBytes: (receivedBytes: number) => void,
): Promise<number> {
  const handle = await fs.open(part, resumeFrom > 0 ? 'a' : 'w');
  let received = resumeFrom;
  try {
    onBytes(received);
    const chunks = response.body?.[Symbol.asyncIterator]();
    while (chunks !== undefined) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        // Only reading the body is the network's fault; a failing write (disk full) stays as it is.
        throw asDownloadError(url, error, signal);
      }
      if (next.done) break;
      await handle.write(next.value);
      hash.update(next.value);
      received += next.value.byteLength;
      onBytes(received);
    }
    return received;
  } finally {
    await handle.close();
  }
}

/** Keeps a verified part as `dest`, or deletes a corrupt one. */
async function finish(options: DownloadOptions, part: string, hash: Hash): Promise<void> {
  const actual = hash.digest('hex');
  if (actual !== options.sha256) {
    await fs.rm(part, { force: true });
    throw new DownloadError(
      `${options.url} is not the expected file (sha256 ${actual}, expected ${options.sha256}); the download was discarded`,
    );
  }
  // On disk before it is renamed, so a crash can never leave a `dest` with missing bytes.
  await replaceFile(part, options.dest, { durable: true });
}

function asDownloadError(url: string, error: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) return error;
  return new DownloadError(`could not download ${url}: ${describeCause(error)} (are you offline?)`);
}

/** undici reports network failures as "fetch failed" / "terminated" with the useful part in `cause`. */
function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code)
      ? `${cause.message} (${code})`
      : cause.message;
  }
  return error.message;
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (match === null) return null;
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}

function contentLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  return header === null ? undefined : Number(header);
}

/** Size of a regular file, or null when there is none. */
export async function fileSize(file: string): Promise<number | null> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? stat.size : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

import { createHash, type Hash } from 'node:crypto';
import { createReadStream, closeSync, openSync, readSync } from 'node:fs';

/**
 * SHA-256, the one checksum Ferret uses: a photo's content identity (which survives a move or
 * rename), model downloads, and the vector index files. Lowercase hex throughout.
 */

export function sha256OfBytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Feeds a file's bytes into a running hash (a download resumed after its saved part). */
export async function feedFileToHash(hash: Hash, file: string): Promise<number> {
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

export async function sha256OfFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  const bytes = await feedFileToHash(hash, file);
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * The same for code that must not yield (the vector index is saved and loaded synchronously,
 * as hnswlib reads and writes it): read in 1 MiB chunks, never the whole file at once.
 */
export function sha256OfFileSync(file: string): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  let bytes = 0;
  try {
    for (let read; (read = readSync(fd, chunk, 0, chunk.length, null)) > 0; bytes += read) {
      hash.update(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}

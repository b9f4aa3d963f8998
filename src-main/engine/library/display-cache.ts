import { mkdir, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

/** What the display copies of one library may take on disk, at most. */
export const DISPLAY_CACHE_MAX_BYTES = 512 * 1024 * 1024;

interface CachedFile {
  bytes: number;
  usedMs: number;
}

/** `<dir>/<first two hex digits>/<hash>.jpg`: the display copy of one content. */
export function displayCopyPath(dir: string, contentHash: string): string {
  if (!/^[0-9a-f]{64}$/.test(contentHash)) {
    throw new Error(`not a sha256 content hash: ${JSON.stringify(contentHash)}`);
  }
  return path.join(dir, contentHash.slice(0, 2), `${contentHash}.jpg`);
}

/**
 * Display JPEGs of photos no browser shows (HEIC, RAW, TIFF), made when the viewer first asks
 * and kept beside the thumbnails, keyed by the content hash of the file they were made from:
 * `<dir>/<first two hex digits>/<hash>.jpg`. The folder stays under `maxBytes`: past it, the
 * copies used longest ago are removed (a use touches the file's time, so the order survives a
 * restart). A library that cannot be written (a read-only door, a full disk) still gets its
 * copies, made each time.
 */
export class DisplayCache {
  private readonly pending = new Map<string, Promise<Buffer>>();
  private scanned: Promise<Map<string, CachedFile>> | null = null;
  private totalBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly options: { writable: boolean; maxBytes?: number },
  ) {}

  /** The cached copy for `contentHash`, or the one `make` returns, kept for next time. */
  async get(contentHash: string, make: () => Promise<Buffer>): Promise<Buffer> {
    const file = displayCopyPath(this.dir, contentHash);
    // Two requests for one photo (the viewer and its preloading) read or decode it once.
    let pending = this.pending.get(file);
    if (pending === undefined) {
      pending = this.readOrMake(file, make).finally(() => this.pending.delete(file));
      this.pending.set(file, pending);
    }
    return pending;
  }

  private async readOrMake(file: string, make: () => Promise<Buffer>): Promise<Buffer> {
    const cached = await readFile(file).catch(() => null);
    if (cached !== null) {
      await this.used(file);
      return cached;
    }
    const bytes = await make();
    if (this.options.writable) await this.keep(file, bytes);
    return bytes;
  }

  private async keep(file: string, bytes: Buffer): Promise<void> {
    try {
      const files = await this.tally();
      await mkdir(path.dirname(file), { recursive: true });
      // Not flushed: a copy lost to a power cut is made again when next asked for.
      await writeFileAtomic(file, bytes, { durable: false });
      this.totalBytes += bytes.length - (files.get(file)?.bytes ?? 0);
      files.delete(file);
      files.set(file, { bytes: bytes.length, usedMs: Date.now() });
      await this.evict(files);
    } catch {
      // A cache that cannot be written costs a decode next time, never the photo.
    }
  }

  private async used(file: string): Promise<void> {
    const now = new Date();
    const files = await this.scanned;
    const entry = files?.get(file);
    if (files && entry !== undefined) {
      // Moved to the end: the map stays in order of use, which settles uses in one millisecond.
      files.delete(file);
      files.set(file, { ...entry, usedMs: now.getTime() });
    }
    if (this.options.writable) await utimes(file, now, now).catch(() => undefined);
  }

  /** Removes the copies used longest ago until the folder is within its bound. */
  private async evict(files: Map<string, CachedFile>): Promise<void> {
    const maxBytes = this.options.maxBytes ?? DISPLAY_CACHE_MAX_BYTES;
    if (this.totalBytes <= maxBytes) return;
    // A stable sort: copies used in the same millisecond keep the map's order of use.
    const oldestFirst = [...files].sort(([, a], [, b]) => a.usedMs - b.usedMs);
    for (const [file, entry] of oldestFirst) {
      if (this.totalBytes <= maxBytes) break;
      await rm(file, { force: true });
      files.delete(file);
      this.totalBytes -= entry.bytes;
    }
  }

  /** The copies on disk, read once per process, then kept up to date here. */
  private tally(): Promise<Map<string, CachedFile>> {
    this.scanned ??= this.scan();
    return this.scanned;
  }

  private async scan(): Promise<Map<string, CachedFile>> {
    const files = new Map<string, CachedFile>();
    const names = await readdir(this.dir, { recursive: true }).catch(() => []);
    for (const name of names) {
      if (!name.endsWith('.jpg')) continue;
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => null);
      if (info === null || !info.isFile()) continue;
      files.set(file, { bytes: info.size, usedMs: info.mtimeMs });
      this.totalBytes += info.size;
    }
    return files;
  }
}

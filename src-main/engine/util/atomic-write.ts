import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * Replacing a file so that no reader and no crash ever sees it half-written: the new bytes go
 * to a temporary file beside it, which then takes its name (rename is atomic on one file
 * system). `durable` also flushes the file before the rename and the folder after it, so the
 * new file survives a power cut; derived files that are rebuilt when missing (thumbnails) skip
 * that cost. One helper for every such write.
 */
export interface AtomicWriteOptions {
  durable: boolean;
}

/** A temporary name beside `file`, unique so two writers never share one. */
function temporaryFor(file: string): string {
  return `${file}.${randomUUID()}.tmp`;
}

export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const temporary = temporaryFor(file);
  try {
    await fsp.writeFile(temporary, data);
    await replaceFile(temporary, file, options);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
}

/** Moves a finished temporary file (a completed download) into place. */
export async function replaceFile(
  temporary: string,
  file: string,
  options: AtomicWriteOptions,
): Promise<void> {
  if (options.durable) {
    const handle = await fsp.open(temporary, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await fsp.rename(temporary, file);
  if (options.durable) syncFolder(path.dirname(file));
}

/** Makes a rename durable. Windows cannot open a folder for syncing; there it is moot. */
function syncFolder(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on folders; the rename is still in order.
  } finally {
    fs.closeSync(fd);
  }
}

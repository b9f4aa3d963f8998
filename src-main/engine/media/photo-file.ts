import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { PhotoDecodeError } from './errors.js';

/**
 * The largest file read as a photo. Far above any camera's RAW file, and a bound on the memory
 * one file can take, whatever it claims to be.
 */
export const MAX_PHOTO_BYTES = 512 * 1024 * 1024;

/**
 * A photo file's bytes. Only a regular file is read: a FIFO would block forever and a device
 * such as /dev/zero never ends, so the file is opened without blocking and looked at before a
 * byte is read, and no more than its size at that moment (at most MAX_PHOTO_BYTES) is read.
 * Anything unusable is reported like any other unusable photo.
 */
export async function readPhotoFile(filePath: string): Promise<Buffer> {
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. (Windows has no
    // FIFOs and no such flag.)
    handle = await open(filePath, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw unreadable(filePath, err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new PhotoDecodeError(
        'unreadable',
        `${filePath} is not a regular file (${whatItIs(info)})`,
      );
    }
    if (info.size > MAX_PHOTO_BYTES) {
      throw new PhotoDecodeError(
        'too-large',
        `${filePath} is ${Math.round(info.size / 2 ** 20)} MB; photos of at most ${MAX_PHOTO_BYTES / 2 ** 20} MB are read`,
      );
    }
    const bytes = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break; // cut short while being read: decoding says it is truncated
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (err) {
    if (err instanceof PhotoDecodeError) throw err;
    throw unreadable(filePath, err);
  } finally {
    await handle.close();
  }
}

/** What a non-file is, in words. */
function whatItIs(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'something other than a file';
}

function unreadable(filePath: string, err: unknown): PhotoDecodeError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new PhotoDecodeError('unreadable', `cannot read file (${code}): ${filePath}`, {
    cause: err,
  });
}

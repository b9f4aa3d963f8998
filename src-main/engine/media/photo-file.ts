import { readFile } from 'node:fs/promises';
import { PhotoDecodeError } from './errors.js';

/** A photo file's bytes; a file that cannot be read is reported like any other unusable photo. */
export async function readPhotoFile(filePath: string): Promise<Buffer> {
  try {
    return await readFile(filePath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new PhotoDecodeError('unreadable', `cannot read file (${code}): ${filePath}`, {
      cause: err,
    });
  }
}

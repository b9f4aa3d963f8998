import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { testCacheDir } from './fixtures.js';

const SHARED = path.resolve(import.meta.dirname, '../../../shared');

/** Real HEIC, camera RAW and GIF files with known metadata (see its README). */
export const FORMATS_DIR = path.join(SHARED, 'formats');

let corpus: Promise<string> | undefined;

/** The folder of real photos from shared/corpus/get-photos.sh, fetched once per machine. */
export function corpusDir(): Promise<string> {
  corpus ??= promisify(execFile)('bash', [
    path.join(SHARED, 'corpus/get-photos.sh'),
    path.join(testCacheDir(), 'ferret-corpus'),
  ]).then(({ stdout }) => {
    const dir = stdout.trim().split('\n').at(-1);
    if (!dir) throw new Error('get-photos.sh printed no folder');
    return dir;
  });
  return corpus;
}

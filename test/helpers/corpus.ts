import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const SHARED = path.resolve(import.meta.dirname, '../../../shared');

/** Real HEIC, camera RAW and GIF files with known metadata (see its README). */
export const FORMATS_DIR = path.join(SHARED, 'formats');

let corpus: Promise<string> | undefined;

/** The folder of real photos from shared/corpus/get-photos.sh, fetched once per machine. */
export function corpusDir(): Promise<string> {
  corpus ??= promisify(execFile)('bash', [
    path.join(SHARED, 'corpus/get-photos.sh'),
    path.join(os.tmpdir(), 'ferret-corpus'),
  ]).then(({ stdout }) => {
    const dir = stdout.trim().split('\n').at(-1);
    if (!dir) throw new Error('get-photos.sh printed no folder');
    return dir;
  });
  return corpus;
}

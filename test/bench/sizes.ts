import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { libraryPaths } from '../../src-main/engine/library-paths.js';

export interface LibrarySizes {
  /** catalog.sqlite with its WAL and shared-memory files. */
  catalogBytes: number;
  indexBytes: number;
  thumbnailsBytes: number;
}

export async function librarySizes(libraryDir: string): Promise<LibrarySizes> {
  const paths = libraryPaths(libraryDir);
  const catalogFiles = ['', '-wal', '-shm'].map((suffix) => `${paths.catalog}${suffix}`);
  const catalogSizes = await Promise.all(catalogFiles.map(fileBytes));
  return {
    catalogBytes: catalogSizes.reduce((sum, bytes) => sum + bytes, 0),
    indexBytes: await treeBytes(paths.vectorIndexDir),
    thumbnailsBytes: await treeBytes(paths.thumbnailsDir),
  };
}

/** Bytes of the files under a folder (following links to files); 0 when it does not exist. */
export async function treeBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await treeBytes(full) : await fileBytes(full);
  }
  return total;
}

async function fileBytes(file: string): Promise<number> {
  return stat(file).then(
    (stats) => stats.size,
    () => 0,
  );
}

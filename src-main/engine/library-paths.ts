import os from 'node:os';
import path from 'node:path';

/** Where one library keeps its files. Everything derived (index, thumbnails) can be rebuilt from the catalog and the photos. */
export interface LibraryPaths {
  root: string;
  catalog: string;
  vectorIndexDir: string;
  thumbnailsDir: string;
  /** Display JPEGs of photos no browser shows (HEIC, RAW), made when viewed (see DisplayCache). */
  displayDir: string;
  /** Models fetched by `ferret models fetch`, one folder per model id. */
  modelsDir: string;
  /** Held by the one process that writes to the library (see LibraryLock). */
  lock: string;
}

export function libraryPaths(root: string): LibraryPaths {
  const absolute = path.resolve(root);
  return {
    root: absolute,
    catalog: path.join(absolute, 'catalog.sqlite'),
    vectorIndexDir: path.join(absolute, 'index'),
    thumbnailsDir: path.join(absolute, 'thumbnails'),
    displayDir: path.join(absolute, 'display'),
    modelsDir: path.join(absolute, 'models'),
    lock: path.join(absolute, 'ferret.lock'),
  };
}

/** The per-user data folder each platform expects, unless FERRET_LIBRARY says otherwise. */
export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRET_LIBRARY) return env.FERRET_LIBRARY;
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Ferret');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Ferret');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'ferret');
  }
}

import { existsSync, type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_MANIFEST_FILE } from '../embedder/manifest.js';
import { libraryPaths } from '../library-paths.js';
import { isImagePath } from '../media/image-files.js';
import { describeFsError, errorCode, hasBadName } from './folder-availability.js';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * 'unreadable': a folder or file that could not be read (permissions, a failing drive).
 * 'loop': a symbolic link that leads back to a folder above it, or into a cycle of links.
 * 'broken-link': a link whose target is missing (perhaps on a drive that is not plugged in).
 * 'bad-name': a name that is not valid UTF-8, which Ferret cannot name a file by (its path
 * here shows the bad bytes as U+FFFD).
 */
export type ScanProblemKind = 'unreadable' | 'loop' | 'broken-link' | 'bad-name';

export interface ScanProblem {
  path: string;
  kind: ScanProblemKind;
  message: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Folders that could not be read, and symlink loops that were not followed. */
  problems: ScanProblem[];
}

export interface ScanOptions {
  /**
   * The library folder `root` lies in (itself by default). Links to places inside it are not
   * followed: those photos are read where they really are, and a link back up is a loop.
   */
  within?: string;
}

/**
 * The files that mark a folder as Ferret's own: a library (its catalog; the thumbnails lie
 * below it) or a model folder. Found beside photos only when a library or a model was put
 * inside a photo folder, as the default library under the home folder on macOS and Windows is.
 */
const FERRET_FILES: ReadonlySet<string> = new Set([
  path.basename(libraryPaths('.').catalog),
  MODEL_MANIFEST_FILE,
]);

/**
 * Lists the photos below a folder. Folders that are Ferret's own are skipped (indexing them
 * would catalog thumbnails of thumbnails, growing on every run); hidden entries are skipped; symbolic links are followed,
 * except to folders inside the library folder (read where they really are) and back up to a
 * folder above them (a loop, reported); a place two links lead to is read once, and an
 * unreadable folder is reported and the walk goes on.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  const visited = new Set<string>();
  let realWithin: string;

  async function walk(dir: string, realDir: string, ancestors: ReadonlySet<string>) {
    if (visited.has(realDir)) return;
    visited.add(realDir);
    let entries: Dirent[];
    try {
      entries = await readableEntries(dir, problems);
    } catch (error) {
      problems.push({ path: dir, ...fsProblem(error) });
      return;
    }
    // The library itself (catalog, thumbnails), a model, another library: never photos.
    if (entries.some((entry) => FERRET_FILES.has(entry.name))) return;
    entries.sort((a, b) => a.name.localeCompare(b.name));
    const below = new Set(ancestors).add(realDir);
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const entryPath = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(entryPath, path.join(realDir, entry.name), below);
        continue;
      }
      const link = entry.isSymbolicLink() ? await followLink(entryPath) : undefined;
      if (link?.stat.isDirectory()) {
        if (below.has(link.real) || isSameOrInside(realDir, link.real)) {
          problems.push({
            path: entryPath,
            kind: 'loop',
            message: `symbolic link loop: leads back to ${link.real}`,
          });
        } else if (!isSameOrInside(link.real, realWithin)) {
          await walk(entryPath, link.real, below);
        }
        // A link to another folder inside the library folder: read there, not twice.
        continue;
      }
      // Whatever else bears a photo's name is listed, a FIFO or a device too (a broken link
      // is reported above): the indexer refuses those before reading a byte and records why,
      // so that no such file goes unmentioned.
      if ((link !== undefined || !entry.isSymbolicLink()) && isImagePath(entryPath)) {
        try {
          const stat = link?.stat ?? (await fs.stat(entryPath));
          files.push({ path: entryPath, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
        } catch (error) {
          problems.push({ path: entryPath, ...fsProblem(error) });
        }
      }
    }
  }

  async function followLink(linkPath: string) {
    try {
      return { stat: await fs.stat(linkPath), real: await fs.realpath(linkPath) };
    } catch (error) {
      const problem = fsProblem(error);
      problems.push({
        path: linkPath,
        kind: problem.kind === 'loop' ? 'loop' : 'broken-link',
        message: `broken link: ${problem.message}`,
      });
      return undefined;
    }
  }

  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
    realWithin = options.within === undefined ? realRoot : await fs.realpath(options.within);
  } catch (error) {
    problems.push({ path: root, ...fsProblem(error) });
    return { files, problems };
  }
  await walk(root, realRoot, new Set());
  return { files, problems };
}

/**
 * A folder's entries, read as bytes: a name that is not valid UTF-8 would come back with its bad
 * bytes replaced, a path that leads nowhere. Such an entry is reported (when it could be a
 * photo or a folder of them) and left out.
 */
async function readableEntries(dir: string, problems: ScanProblem[]): Promise<Dirent[]> {
  const entries: Dirent[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const name = entry.name.toString('utf8');
    const shown = path.join(dir, name);
    if (!hasBadName(entry.name)) {
      entries.push(Object.assign(entry, { name }) as unknown as Dirent);
    } else if (!name.startsWith('.') && (entry.isDirectory() || isImagePath(shown))) {
      problems.push({ path: shown, kind: 'bad-name', message: BAD_NAME });
    }
  }
  return entries;
}

const BAD_NAME = 'the name is not valid UTF-8, so Ferret cannot record it: rename it to index it';

function fsProblem(error: unknown): Pick<ScanProblem, 'kind' | 'message'> {
  return {
    kind: errorCode(error) === 'ELOOP' ? 'loop' : 'unreadable',
    message: describeFsError(error),
  };
}

/** Whether a folder is Ferret's own (FERRET_FILES), looked up on disk: the watcher's form of the scan's rule. */
export function isFerretFolder(dir: string): boolean {
  for (const name of FERRET_FILES) if (existsSync(path.join(dir, name))) return true;
  return false;
}

/**
 * Whether `entry` lies inside one of Ferret's own folders between it and `root` (the library
 * folder it was found in): a library or model made inside a watched folder after the watch began.
 */
export function insideFerretFolder(entry: string, root: string): boolean {
  for (let dir = path.dirname(entry); isSameOrInside(dir, root); dir = path.dirname(dir)) {
    if (isFerretFolder(dir)) return true;
    if (dir === root) break;
  }
  return false;
}

export function isSameOrInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

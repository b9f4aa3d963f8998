import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isImagePath } from '../media/image-files.js';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanProblem {
  path: string;
  message: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Folders that could not be read, and symlink loops that were not followed. */
  problems: ScanProblem[];
}

/**
 * Lists the photos below a folder. Hidden entries are skipped; symbolic links are followed,
 * but a folder already visited (a symlink loop, or two links to one place) is read once; an
 * unreadable folder is reported and the walk goes on.
 */
export async function scanFolder(root: string): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  const visited = new Set<string>();

  async function walk(dir: string): Promise<void> {
    let realDir: string;
    let entries: Dirent[];
    try {
      realDir = await fs.realpath(dir);
      if (visited.has(realDir)) {
        problems.push({
          path: dir,
          message: `skipped: already visited as ${realDir} (symlink loop?)`,
        });
        return;
      }
      visited.add(realDir);
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push({ path: dir, message: describeFsError(error) });
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const entryPath = path.join(dir, entry.name);
      const kind = entry.isSymbolicLink() ? await followLink(entryPath) : entry;
      if (kind === undefined) continue;
      if (kind.isDirectory()) {
        await walk(entryPath);
      } else if (kind.isFile() && isImagePath(entryPath)) {
        try {
          const stat = await fs.stat(entryPath);
          files.push({ path: entryPath, size: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
        } catch (error) {
          problems.push({ path: entryPath, message: describeFsError(error) });
        }
      }
    }
  }

  async function followLink(linkPath: string) {
    try {
      return await fs.stat(linkPath);
    } catch (error) {
      problems.push({ path: linkPath, message: `broken link: ${describeFsError(error)}` });
      return undefined;
    }
  }

  await walk(root);
  return { files, problems };
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no longer exists';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EIO':
      return 'input/output error (is the drive still connected?)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

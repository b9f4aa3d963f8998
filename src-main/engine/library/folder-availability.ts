import { statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Catalog, FolderRow } from '../catalog/catalog.js';
import type { ScanProblem } from './scan.js';
import { UserError } from '../../contract/errors.js';
import { errorMessage } from '../../contract/format.js';

/**
 * Whether folders and files can be read, and why not, decided in one place: every error code
 * is read here, through `errorCode` (which looks through `cause` chains). A folder that cannot
 * be read (an unplugged drive, permissions, an empty mount point) keeps its photos; errors of
 * the machine itself (a full disk) pause the work instead of failing a photo.
 */

/**
 * Errors that say something about the machine rather than the photo: a full disk, a drive
 * that went away. They must never be recorded against a photo; the work waits and is retried
 * once the cause is gone.
 */
const ENVIRONMENT_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EIO',
  'ENXIO',
  'ENODEV',
  'ENOTCONN',
  'ESTALE',
  'EROFS',
  'SQLITE_FULL',
  'SQLITE_IOERR',
]);

/** The errno (or SQLite) code behind an error, looking through `cause` chains. */
export function errorCode(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Writing one of Ferret's own files (a thumbnail) failed, whatever the cause: its folder is not
 * writable or is a file, the disk is full. The library is at fault, never the photo being
 * indexed, so this is an environment error: the run stops and nothing is recorded against photos.
 */
export class LibraryWriteError extends UserError {
  constructor(place: string, cause: unknown) {
    super(`cannot write to ${place}: ${describeFsError(cause)}`, { cause });
  }
}

export function isEnvironmentError(error: unknown): boolean {
  if (error instanceof LibraryWriteError) return true;
  const code = errorCode(error);
  return code !== undefined && (ENVIRONMENT_CODES.has(code) || code.startsWith('SQLITE_IOERR'));
}

/** One line for a person: what is wrong with the machine and that work resumes. */
export function describeEnvironmentError(error: unknown): string {
  if (error instanceof LibraryWriteError) {
    return `${error.message}: indexing is paused and retried`;
  }
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return 'the disk is full: indexing is paused and resumes when there is space again';
  }
  if (code === 'EROFS') return 'the library is on a read-only disk: indexing is paused';
  const message = errorMessage(error);
  return `the disk is not answering (${code ?? message}): indexing is paused and retried`;
}

/** Whether a file name's bytes are not valid UTF-8 (they do not survive decoding). */
export function hasBadName(name: Buffer): boolean {
  return !Buffer.from(name.toString('utf8'), 'utf8').equals(name);
}

/** The path no longer leads to anything: it, or a folder on the way, was deleted or replaced. */
export function isGoneError(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Unlike `existsSync`, a file that only cannot be looked at (permissions) is not gone. */
export function fileIsGone(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch (error) {
    return isGoneError(error);
  }
}

export function describeFsError(error: unknown): string {
  const code = errorCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no longer exists';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file stands where a folder should be';
    case 'EROFS':
      return 'the disk is read-only';
    case 'EIO':
      return 'input/output error (is the drive still connected?)';
    default:
      return errorMessage(error);
  }
}

/** Whether the folder itself can be read now; why not, when it cannot. */
export async function folderProblem(folderPath: string): Promise<string | null> {
  const look = await lookAtFolder(folderPath);
  return 'problem' in look ? look.problem : null;
}

/**
 * folderProblem for a library folder as a whole, when it is taken up (start-up, a folder that
 * may have come back): one found empty while photos are catalogued in it is unavailable too.
 * The mount point of a drive mounted at boot (fstab) stays behind, empty, when the drive is
 * missing, which is far likelier than every photo deleted while nobody watched. Deletions seen
 * while watching go through as ever.
 */
export async function libraryFolderProblem(
  catalog: Pick<Catalog, 'photoIdsInFolder'>,
  folder: FolderRow,
): Promise<string | null> {
  const look = await lookAtFolder(folder.path);
  if ('problem' in look) return look.problem;
  const photos = look.empty ? catalog.photoIdsInFolder(folder.id).length : 0;
  return photos > 0
    ? `is empty (a drive that is not mounted?): its ${photos} photos are kept until it has files again or the folder is removed from the library`
    : null;
}

/** Reads one entry, which proves the folder can be listed; this runs for every folder on each retry. */
async function lookAtFolder(folderPath: string): Promise<{ problem: string } | { empty: boolean }> {
  try {
    const stat = await fs.stat(folderPath);
    if (!stat.isDirectory()) return { problem: 'is no longer a folder' };
    const dir = await fs.opendir(folderPath);
    try {
      return { empty: (await dir.read()) === null };
    } finally {
      await dir.close();
    }
  } catch (error) {
    return { problem: describeFsError(error) };
  }
}

/** Whether what kept a place from being read has gone away, so that it is worth a new scan. */
export async function scanProblemGone(problem: ScanProblem): Promise<boolean> {
  const exists = (check: Promise<unknown>) =>
    check.then(
      () => true,
      () => false,
    );
  switch (problem.kind) {
    case 'bad-name': {
      // Gone once no entry beside it has that shown name and bad bytes (renamed or deleted).
      const names = await fs
        .readdir(path.dirname(problem.path), { encoding: 'buffer' })
        .catch(() => []);
      const shown = path.basename(problem.path);
      return !names.some((name) => hasBadName(name) && name.toString('utf8') === shown);
    }
    case 'loop':
      return !(await exists(fs.lstat(problem.path)));
    case 'broken-link':
      return (await exists(fs.stat(problem.path))) || !(await exists(fs.lstat(problem.path)));
    case 'unreadable': {
      const stat = await fs.stat(problem.path).catch(() => null);
      return stat !== null && (!stat.isDirectory() || (await folderProblem(problem.path)) === null);
    }
  }
}

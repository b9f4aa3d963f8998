import { errorMessage } from '../../contract/format.js';

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

export function isEnvironmentError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (ENVIRONMENT_CODES.has(code) || code.startsWith('SQLITE_IOERR'));
}

/** One line for a person: what is wrong with the machine and that work resumes. */
export function describeEnvironmentError(error: unknown): string {
  const code = errorCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') {
    return 'the disk is full: indexing is paused and resumes when there is space again';
  }
  if (code === 'EROFS') return 'the library is on a read-only disk: indexing is paused';
  const message = errorMessage(error);
  return `the disk is not answering (${code ?? message}): indexing is paused and retried`;
}

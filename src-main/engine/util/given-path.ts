import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../contract/errors.js';

/**
 * A path as the user gave it, made absolute. An empty one is refused: resolving it would
 * silently mean the current folder.
 */
export function givenPath(value: string): string {
  if (value.trim() === '') throw new UserError('the path is empty');
  return path.resolve(value);
}

/**
 * A folder the user typed into the app or the server's page, made absolute: `~` is their home.
 * A relative path is refused, since those doors have no folder it could be relative to (it
 * would silently resolve against wherever the server was started); the CLI resolves its own
 * against the terminal's folder first.
 */
export function fullPathFromUser(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new UserError('the path is empty');
  const expanded =
    trimmed === '~' || trimmed.startsWith('~/') || trimmed.startsWith(`~${path.sep}`)
      ? path.join(os.homedir(), trimmed.slice(1))
      : trimmed;
  if (!path.isAbsolute(expanded)) {
    throw new UserError(
      `"${value}" is not a full path: give the whole path of the folder (such as ${path.join(os.homedir(), 'Pictures')})`,
    );
  }
  return path.resolve(expanded);
}

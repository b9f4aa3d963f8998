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

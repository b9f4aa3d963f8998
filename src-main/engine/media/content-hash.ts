import { createHash } from 'node:crypto';

/** sha256 of the file's bytes as lowercase hex: the identity that survives a move or rename. */
export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `relative` in the nearest folder at or above `from` that has it, or null. Modules run from
 * the sources and from bundles at different depths under the package root, so files that ship
 * beside the code (model manifests, the built renderer) are found this way.
 */
export function findAbove(from: string, relative: string): string | null {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

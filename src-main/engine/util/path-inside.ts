import path from 'node:path';

/** Whether `inner` lies below `outer`, by whole path segments: /photos-old is not in /photos. */
export function isPathInside(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

export {
  describeDownloadProgress,
  errorMessage,
  formatBytes,
  formatDuration,
} from '../../src-main/contract/format.js';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

/** The last path segment, for either separator style. */
export function baseName(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? filePath;
}

export {
  describeDownloadProgress,
  errorMessage,
  formatBytes,
} from '../../src-main/contract/format.js';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The last path segment, for either separator style. */
export function baseName(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? filePath;
}

import type { IndexingProgress, ModelDownloadProgress, ModelProblem } from './api.js';
import { MAX_PICTURE_BYTES } from './api.js';

/** The message of anything thrown: an Error's message, or the value as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why a picture is refused for Find similar before it is sent: the same words in every door. */
export function pictureTooLarge(name: string, bytes: number): string {
  return `${name} is ${formatBytes(bytes)}; Find similar takes pictures of at most ${formatBytes(MAX_PICTURE_BYTES)}`;
}

/**
 * How sizes read to the user, the same in the CLI and the app: decimal units, as download
 * sizes are quoted.
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Where one file of a model download stands, in the same words in the CLI and the app. */
export function describeDownloadProgress(progress: ModelDownloadProgress): string {
  const received = formatBytes(progress.receivedBytes);
  switch (progress.state) {
    case 'verifying':
      return `checking the ${received} already here`;
    case 'downloading':
      return progress.totalBytes === null
        ? `${received} downloaded`
        : `${received} of ${formatBytes(progress.totalBytes)}`;
    case 'done':
      return `ready (${received})`;
    case 'failed':
      return `failed: ${progress.error ?? 'unknown error'}`;
  }
}

/**
 * What is wrong with the model folder, without advice on fixing it: that part depends on the
 * door (a command in the CLI, buttons in the app), which adds its own.
 */
export function describeModelProblem(problem: ModelProblem): string {
  switch (problem.code) {
    case 'not-installed':
      return `no model in ${problem.dir}`;
    case 'unreadable':
      return problem.detail;
    case 'incomplete': {
      const files = problem.files.map(
        (file) => `${file.path} ${file.status === 'missing' ? 'is missing' : 'has the wrong size'}`,
      );
      return `the model in ${problem.dir} is incomplete (${files.join(', ')})`;
    }
  }
}

/** A time span as the user reads it: "40 s", "12 min", "2 h 5 min". */
function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Indexing speed and time left, the same words in the CLI and the app: "3.2/s · 5 min left". */
export function describeSpeed(progress: Pick<IndexingProgress, 'rate' | 'etaSeconds'>): string {
  const rate = `${progress.rate.toFixed(1)}/s`;
  return progress.etaSeconds === null
    ? rate
    : `${rate} · ${formatDuration(progress.etaSeconds)} left`;
}

/** The map a photo's position opens in the system browser (OpenStreetMap, no account, no key). */
export function mapUrl(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

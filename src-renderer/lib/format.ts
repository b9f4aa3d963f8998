import type { PhotoExposure } from '../../src-main/contract/api.js';

export {
  describeDownloadProgress,
  describeSpeed,
  errorMessage,
  formatBytes,
  pictureTooLarge,
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

/** "1/250 s" for short exposures, "0.4 s" and "2.5 s" for long ones, as cameras show them. */
export function formatShutter(seconds: number): string {
  if (seconds >= 0.3) return `${Number(seconds.toFixed(1))} s`;
  return `1/${Math.round(1 / seconds)} s`;
}

/** Aperture, shutter, ISO and focal length as one line, leaving out what the file lacks. */
export function formatExposure(exposure: PhotoExposure): string | null {
  const parts = [
    exposure.aperture === null ? null : `f/${Number(exposure.aperture.toFixed(1))}`,
    exposure.shutterSeconds === null ? null : formatShutter(exposure.shutterSeconds),
    exposure.iso === null ? null : `ISO ${Math.round(exposure.iso)}`,
    exposure.focalLength === null ? null : `${Number(exposure.focalLength.toFixed(1))} mm`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? null : parts.join(' · ');
}

/** "50.871528° N, 4.696983° E" */
export function formatPosition(latitude: number, longitude: number): string {
  const north = `${Math.abs(latitude).toFixed(6)}° ${latitude >= 0 ? 'N' : 'S'}`;
  const east = `${Math.abs(longitude).toFixed(6)}° ${longitude >= 0 ? 'E' : 'W'}`;
  return `${north}, ${east}`;
}

/**
 * A date as the camera recorded it. A date without an offset is wall-clock time where the photo
 * was taken, so it is shown as written, not moved into this machine's time zone.
 */
export function formatTakenAt(value: string): string {
  const date = new Date(/[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(date.getTime())) return value;
  const zoned = /[zZ]|[+-]\d{2}:\d{2}$/.test(value);
  return date.toLocaleString('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: zoned ? undefined : 'UTC',
  });
}

/** Make and model, without the make twice: many cameras repeat it ("Canon", "Canon EOS 400D"). */
export function cameraName(make: string | null, model: string | null): string | null {
  if (make === null || model === null) return model ?? make;
  return model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`;
}

const UNREACHABLE =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|fetch failed|network|socket hang up/i;

/**
 * A failed download in words a user can act on; the raw message (addresses, error codes) goes
 * under "Details". A server that cannot be reached is by far the commonest cause.
 */
export function downloadFailure(message: string): { summary: string; details: string | null } {
  if (UNREACHABLE.test(message)) {
    return { summary: 'Cannot reach the download server (offline?)', details: message };
  }
  const firstLine = message.split('\n')[0]!;
  return firstLine.length <= 120 && firstLine === message
    ? { summary: `The download failed: ${message}`, details: null }
    : { summary: 'The download failed', details: message };
}

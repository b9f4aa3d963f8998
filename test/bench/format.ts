import type { LatencySummary } from './stats.js';

/** Number formatting and Markdown tables for the report. */

export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function p50p95(summary: LatencySummary): string {
  return `${ms(summary.p50)} / ${ms(summary.p95)}`;
}

export function rate(photosPerSecond: number): string {
  return `${photosPerSecond.toFixed(1)}/s`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function mib(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(0)} MiB`;
}

export function megabytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

export function count(value: number): string {
  return value.toLocaleString('en');
}

export function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

/**
 * WCAG AA asks 4.5:1 for body text. Every text colour of both themes is checked against every
 * surface it is drawn on, from the stylesheet the app ships.
 */
const CSS = readFileSync(path.resolve(import.meta.dirname, '../../src-renderer/app.css'), 'utf8');
const TEXT = ['--text', '--muted', '--faint', '--danger'];
const SURFACES = ['--bg', '--surface', '--surface-2'];

function variables(block: string): Record<string, string> {
  return Object.fromEntries(
    [...block.matchAll(/(--[\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((match) => [
      match[1]!,
      match[2]!,
    ]),
  );
}

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const channel = parseInt(hex.slice(i, i + 2), 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

const dark = variables(CSS.slice(0, CSS.indexOf('@media (prefers-color-scheme: light)')));
const light = {
  ...dark,
  ...variables(/@media \(prefers-color-scheme: light\) \{([\s\S]*?)\n\}/.exec(CSS)![1]!),
};

for (const [theme, colours] of [
  ['dark', dark],
  ['light', light],
] as const) {
  test(`${theme} theme: text colours reach 4.5:1 on every surface`, () => {
    for (const text of TEXT) {
      for (const surface of SURFACES) {
        const ratio = contrast(colours[text]!, colours[surface]!);
        assert.ok(ratio >= 4.5, `${text} on ${surface}: ${ratio.toFixed(2)}:1`);
      }
    }
  });
}

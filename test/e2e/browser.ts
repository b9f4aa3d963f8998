import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { testCacheDir } from '../helpers/fixtures.js';

const REPO = path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS_DIR = path.join(REPO, 'test-artifacts', 'e2e');

/** The system Chromium (Debian package `chromium`); playwright-core downloads no browser. */
const CHROMIUM = process.env.FERRET_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** What the renderer's build reads: its sources, the contract it imports, the config, the packages. */
const RENDERER_INPUTS = [
  'src-renderer',
  'src-main/contract',
  'vite.config.ts',
  'package-lock.json',
];

/** A hash of every file the renderer's build reads, by name and content. */
function rendererFingerprint(): string {
  const hash = createHash('sha256');
  for (const input of RENDERER_INPUTS) {
    const root = path.join(REPO, input);
    const files = statSync(root).isDirectory()
      ? readdirSync(root, { recursive: true, encoding: 'utf8' })
          .map((name) => path.join(root, name))
          .filter((file) => statSync(file).isFile())
          .sort()
      : [root];
    for (const file of files) hash.update(path.relative(REPO, file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

let renderer: Promise<string> | undefined;

/**
 * The renderer built with the project's vite config (the build `serve` uses), once per version
 * of what it is built from: kept in the test cache under that version's fingerprint, so every
 * e2e file shares one build (the server only reads it). test/prepare.ts makes it before the
 * files run; a file run on its own builds it when missing. A build goes to a folder of its own
 * and is renamed into place whole, so no reader sees half of one.
 */
export function builtRenderer(): Promise<string> {
  renderer ??= (async () => {
    const dir = path.join(testCacheDir(), 'ferret-renderer', rendererFingerprint());
    if (existsSync(dir)) return dir;
    await mkdir(path.dirname(dir), { recursive: true });
    const outDir = await mkdtemp(`${dir}-building-`);
    try {
      await build({
        configFile: path.join(REPO, 'vite.config.ts'),
        build: { outDir, emptyOutDir: true },
        logLevel: 'error',
      });
      // Another process may have finished the same build first: then its folder stays.
      await rename(outDir, dir).catch((error: NodeJS.ErrnoException) => {
        if (!existsSync(dir)) throw error;
      });
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
    return dir;
  })();
  return renderer;
}

export interface Browser {
  page: Page;
  /** Uncaught page errors and CSP violations seen so far. */
  problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, its problems recorded, screenshots kept as artifacts. */
export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'ferret-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Every wait is for a state, never a speed: on a machine shared with other work (and with
  // npm test running two files at once) a step can take past Playwright's 30 s default.
  context.setDefaultTimeout(120_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP: ${message.text()}`);
    }
  });
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    page,
    problems,
    screenshot: async (name) => {
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';

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

/** Builds the renderer into `outDir` with the project's vite config (the same build `serve` uses). */
export async function buildRenderer(outDir: string): Promise<string> {
  await build({
    configFile: path.join(REPO, 'vite.config.ts'),
    build: { outDir, emptyOutDir: true },
    logLevel: 'error',
  });
  return outDir;
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

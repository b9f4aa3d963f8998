import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createBackend } from '../../src-main/engine/backend.js';
import type { Backend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import type { EngineOptions } from '../../src-main/engine/engine.js';
import type { LiveLibraryOptions } from '../../src-main/engine/library/live-library.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { startServer } from '../../src-main/server/server.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { tinyModelDir } from '../helpers/fixtures.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';
import { builtRenderer, openBrowser } from './browser.js';
import type { Browser } from './browser.js';

/**
 * The whole app as a user meets it in a browser, for one e2e test file: a temporary folder,
 * the built renderer (one build that every file shares), the real engine on a real library in
 * that folder, `ferret serve`'s server, headless Chromium. Every step that differs between
 * test files is a hook.
 */

/**
 * The models an e2e test can select: the tiny random-weight CLIP (text search works, its
 * ranking means nothing) or the real pretrained image encoder (find-similar only, ranked right).
 */
export type TestModel = 'tiny-clip' | 'image-encoder';

export interface AppSessionOptions {
  /** What `ferret serve` was started with (`--model-dir`, `--providers`). */
  startedWith?: Pick<EngineOptions, 'modelDir' | 'providers'>;
  /** Selected on the engine before any door opens; without it the library starts with no model. */
  model?: TestModel;
  /** Fills the test's folder (photos, say) before the engine opens. */
  prepare?: (dir: string) => Promise<void>;
  /** Works on the open engine before any door opens (catalogues photos directly, say). */
  beforeBackend?: (engine: Engine) => Promise<void>;
  /** Passed to the live library (a long removal grace keeps deleted files catalogued). */
  live?: LiveLibraryOptions;
  /** Runs as soon as the backend exists, before the server starts: subscribe here. */
  beforeServer?: (backend: Backend) => Promise<void>;
  /** Runs with the server up, before the browser opens (adds a folder, say). */
  beforeBrowser?: (backend: Backend) => Promise<void>;
}

export interface AppSession {
  /** The test's temporary folder, removed by close(): holds `library/`. */
  dir: string;
  libraryDir: string;
  engine: Engine;
  backend: Backend;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** The folder holding `model` (the image encoder's is made in `dir` on first use). */
  modelDir(model: TestModel): Promise<string>;
  /** Selects `model` through the backend, as Settings' "Use folder" does. */
  useModel(model: TestModel): Promise<void>;
  /** Stops the server (to see the page lose it); close() then skips it. */
  stopServer(): Promise<void>;
  /** Closes everything that was opened, in reverse order, and removes the folder. */
  close(): Promise<void>;
}

export async function startAppSession(
  name: string,
  options: AppSessionOptions = {},
): Promise<AppSession> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `ferret-e2e-${name}-`));
  const closers: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  let imageEncoderDir: Promise<string> | undefined;
  const modelDir = (model: TestModel) =>
    model === 'tiny-clip'
      ? tinyModelDir()
      : (imageEncoderDir ??= mobilenetModelDir(path.join(dir, 'image-encoder')));
  try {
    await options.prepare?.(dir);
    const rendererDir = await builtRenderer();
    const libraryDir = path.join(dir, 'library');
    const engine = await Engine.open({ libraryDir, logger: silentLogger, ...options.startedWith });
    closers.push(() => engine.close());
    if (options.model) await engine.useModelFolder(await modelDir(options.model));
    await options.beforeBackend?.(engine);
    const backend = createBackend(engine, undefined, options.live);
    closers.push(() => backend.close());
    await options.beforeServer?.(backend);
    const server = await startServer({ backend, rendererDir });
    let serverOpen = true;
    const stopServer = async () => {
      if (!serverOpen) return;
      serverOpen = false;
      await server.close();
    };
    closers.push(stopServer);
    await options.beforeBrowser?.(backend);
    const browser = await openBrowser();
    closers.push(() => browser.close());
    return {
      dir,
      libraryDir,
      engine,
      backend,
      server,
      browser,
      page: browser.page,
      modelDir,
      useModel: async (model) => {
        await backend.handle('useModelFolder', { path: await modelDir(model) });
      },
      stopServer,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

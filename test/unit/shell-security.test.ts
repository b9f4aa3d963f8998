import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WebContents } from 'electron';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { APP_ORIGIN, mediaUrl } from '../../src-main/shell/channels.js';
import {
  LOCKED_DOWN_PREFERENCES,
  appFileFor,
  isAppUrl,
  lockDown,
  mediaRequestOf,
} from '../../src-main/shell/security.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/** The Electron shell's guards, checked under plain Node (Electron itself cannot run here). */

describe('renderer preferences and navigation', () => {
  test('the renderer runs isolated and sandboxed, without Node', () => {
    assert.equal(LOCKED_DOWN_PREFERENCES.contextIsolation, true);
    assert.equal(LOCKED_DOWN_PREFERENCES.sandbox, true);
    assert.equal(LOCKED_DOWN_PREFERENCES.nodeIntegration, false);
    assert.equal(LOCKED_DOWN_PREFERENCES.nodeIntegrationInWorker, false);
    assert.equal(LOCKED_DOWN_PREFERENCES.nodeIntegrationInSubFrames, false);
    assert.equal(LOCKED_DOWN_PREFERENCES.webSecurity, true);
    assert.equal(LOCKED_DOWN_PREFERENCES.webviewTag, false);
  });

  test('navigation, redirects, webviews and new windows are all refused', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }) => void>();
    let openHandler: (() => { action: string }) | undefined;
    const contents = {
      on(name: string, listener: (event: { preventDefault(): void }) => void) {
        listeners.set(name, listener);
        return contents;
      },
      setWindowOpenHandler(handler: () => { action: string }) {
        openHandler = handler;
      },
    };
    lockDown(contents as unknown as WebContents);

    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      listeners.get(name)?.({ preventDefault: () => (prevented = true) });
      assert.ok(prevented, `${name} is prevented`);
    }
    assert.deepEqual(openHandler?.(), { action: 'deny' });
  });

  test('only frames of our own origin count as the app', () => {
    assert.equal(isAppUrl(`${APP_ORIGIN}/index.html`), true);
    for (const url of [
      undefined,
      '',
      APP_ORIGIN,
      `${APP_ORIGIN}.evil.example/index.html`,
      'ferret-app://rendererx/index.html',
      'https://renderer/index.html',
      'file:///index.html',
    ]) {
      assert.equal(isAppUrl(url), false, String(url));
    }
  });
});

describe('ferret-app: the built renderer and nothing else', () => {
  const rendererDir = path.resolve('/opt/ferret/renderer');

  test('serves files of the renderer, index.html at the root', () => {
    assert.equal(appFileFor(`${APP_ORIGIN}/`, rendererDir), path.join(rendererDir, 'index.html'));
    assert.equal(
      appFileFor(`${APP_ORIGIN}/assets/index-abc.js`, rendererDir),
      path.join(rendererDir, 'assets', 'index-abc.js'),
    );
  });

  test('never a path outside the renderer folder, nor another host', () => {
    // Climbing out is clamped at the folder (the URL parser or the check resolves it there).
    for (const url of [
      `${APP_ORIGIN}/../../etc/passwd`,
      `${APP_ORIGIN}/..%2f..%2fcatalog.sqlite`,
      `${APP_ORIGIN}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
      `${APP_ORIGIN}/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
    ]) {
      const file = appFileFor(url, rendererDir);
      assert.ok(file?.startsWith(rendererDir + path.sep), `${url} → ${file}`);
    }
    // Backslashes, NUL bytes and broken encodings are refused outright.
    for (const url of [
      `${APP_ORIGIN}/..%5c..%5cwindows`,
      `${APP_ORIGIN}/a%00b`,
      `${APP_ORIGIN}/%E0%A4%A`,
    ]) {
      assert.equal(appFileFor(url, rendererDir), null, url);
    }
    assert.equal(appFileFor('ferret-app://elsewhere/index.html', rendererDir), null);
    assert.equal(appFileFor('ferret-media://renderer/index.html', rendererDir), null);
  });
});

describe('ferret-media: photos by id only', () => {
  test('accepts what the renderer builds with mediaUrl', () => {
    assert.deepEqual(mediaRequestOf(mediaUrl('thumbnail', 42)), { kind: 'thumbnail', photoId: 42 });
    assert.deepEqual(mediaRequestOf(mediaUrl('photo', 7)), { kind: 'photo', photoId: 7 });
  });

  test('refuses paths, other kinds, bad ids and extras', () => {
    for (const url of [
      'ferret-media://photo/0',
      'ferret-media://photo/-1',
      'ferret-media://photo/1.5',
      'ferret-media://photo/01',
      'ferret-media://photo/9999999999999999',
      'ferret-media://photo/1/2',
      'ferret-media://photo/%2e%2e%2f1',
      'ferret-media://photo//etc/passwd',
      'ferret-media://photo/1?path=/etc/passwd',
      'ferret-media://file/1',
      'ferret-media://etc/passwd',
      'ferret-app://photo/1',
    ]) {
      assert.equal(mediaRequestOf(url), null, url);
    }
  });
});

describe('the engine hands out media ids only inside the library', () => {
  let dir: string;
  let engine: Engine;
  let backend: ReturnType<typeof createBackend>;
  let photoFile: string;
  let inside: number;
  let outside: number;
  let folderId: number;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferret-media-'));
    engine = await Engine.open({ libraryDir: path.join(dir, 'library'), logger: silentLogger });
    [photoFile] = await copyCorpusPhotos(path.join(dir, 'photos'), 1);
    const summary = await engine.indexFolder(path.join(dir, 'photos'));
    folderId = summary.folder.id;
    inside = engine.catalog.getPhotoByPath(photoFile!)!.id;
    // A row naming a file outside every library folder must never be served.
    outside = engine.catalog.upsertPhoto({
      path: path.join(dir, 'library', 'catalog.sqlite'),
      folderId,
      size: 1,
      mtimeMs: 1,
      contentHash: null,
      status: 'indexed',
      lastError: null,
    });
    backend = createBackend(engine);
  });

  after(async () => {
    await backend.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a library photo and its thumbnail, typed by their bytes', async () => {
    const photo = await backend.media('photo', inside);
    assert.match(photo?.contentType ?? '', /^image\/(jpeg|png|webp)$/);
    assert.deepEqual(Buffer.from(photo!.bytes), await readFile(photoFile));
    assert.equal((await backend.media('thumbnail', inside))?.contentType, 'image/webp');
  });

  test('nothing for a path outside the library folders, or an unknown id', async () => {
    assert.equal(await backend.media('photo', outside), null);
    assert.equal(await backend.media('thumbnail', outside), null);
    assert.equal(await backend.media('photo', 999_999), null);
  });

  test('nothing once the folder has left the library', async () => {
    await backend.handle('removeFolder', { folderId });
    assert.equal(await backend.media('photo', inside), null);
  });
});

import type { WebContents, WebPreferences } from 'electron';
import { resolveInside } from '../web/resolve-inside.js';
import { APP_ORIGIN, APP_SCHEME, MEDIA_SCHEME } from './channels.js';

/**
 * What keeps the renderer contained: its web preferences, the navigation guard, and the checks
 * on every request to the custom schemes. Electron is imported for types only, so all of it runs
 * (and is tested) under plain Node.
 */

/** The renderer gets no Node, no Electron internals and no way to loosen web security. */
export const LOCKED_DOWN_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const satisfies WebPreferences;

/** The page may never leave the app, open windows, embed webviews or be redirected. */
export function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Whether a frame's URL is Ferret's own page (and not, say, ferret-app://renderer.evil). */
export function isAppUrl(url: string | undefined): boolean {
  return url?.startsWith(`${APP_ORIGIN}/`) ?? false;
}

/**
 * The file of the built renderer that a ferret-app:// request names, or null when it names
 * another host or a path that would leave `rendererDir`.
 */
export function appFileFor(requestUrl: string, rendererDir: string): string | null {
  const url = new URL(requestUrl);
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== new URL(APP_ORIGIN).host) return null;
  return resolveInside(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname);
}

export type MediaKind = 'thumbnail' | 'photo';

const MEDIA_PATH = /^\/([1-9]\d{0,15})$/;

/**
 * What a ferret-media://<thumbnail|photo>/<id> request asks for, or null when it is anything
 * else. Only an id ever reaches the engine, which serves it only for photos in the library.
 */
export function mediaRequestOf(requestUrl: string): { kind: MediaKind; photoId: number } | null {
  const url = new URL(requestUrl);
  const id = MEDIA_PATH.exec(url.pathname);
  if (url.protocol !== `${MEDIA_SCHEME}:` || id === null || url.search !== '') return null;
  const photoId = Number(id[1]);
  if (!Number.isSafeInteger(photoId)) return null;
  if (url.host !== 'thumbnail' && url.host !== 'photo') return null;
  return { kind: url.host, photoId };
}

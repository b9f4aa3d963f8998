import { net, protocol } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiBackend } from '../contract/api.js';
import { contentSecurityPolicy } from '../web/csp.js';
import { APP_SCHEME, MEDIA_SCHEME } from './channels.js';
import { appFileFor, mediaRequestOf } from './security.js';

/**
 * Two custom schemes instead of file://: `ferret-app://renderer/…` serves the built renderer
 * (and gives it a real origin for its CSP), `ferret-media://<thumbnail|photo>/<id>` serves a
 * photo or thumbnail that the engine resolves from the id, so the renderer can never name a
 * path on disk.
 */

/** Must run before the app is ready. */
export function registerPrivilegedSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } });
}

export function handleSchemes(backend: ApiBackend, rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (file === null) return notFound();
    const response = await net.fetch(pathToFileURL(file).toString()).catch(() => notFound());
    if (path.extname(file) !== '.html' || !response.ok) return response;
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy([`${MEDIA_SCHEME}:`]));
    return new Response(response.body, { status: response.status, headers });
  });

  protocol.handle(MEDIA_SCHEME, async (request) => {
    const media = mediaRequestOf(request.url);
    if (media === null) return notFound();
    // The engine reads and checks the file; the bytes are passed on, never a path to fetch.
    const found = await backend.media(media.kind, media.photoId).catch(() => null);
    if (found === null) return notFound();
    return new Response(new Blob([found.bytes as Uint8Array<ArrayBuffer>]), {
      headers: {
        'Content-Type': found.contentType,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  });
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { MediaBytes } from '../contract/api.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

function contentTypeOf(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Stream a regular file, or answer 304 when the browser's copy is still current; false when
 * there is no such file (the caller answers 404).
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  filePath: string,
  headers: Record<string, string>,
): Promise<boolean> {
  const info = await stat(filePath).catch(() => null);
  if (!info?.isFile()) return false;
  if (answeredNotModified(req, res, info.mtimeMs, headers)) return true;
  res.writeHead(200, {
    'Content-Type': contentTypeOf(filePath),
    'Content-Length': String(info.size),
    'Last-Modified': lastModifiedOf(info.mtimeMs).toUTCString(),
    ...headers,
  });
  await new Promise<void>((resolve) => {
    const stream = createReadStream(filePath);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
  return true;
}

/** Send a photo or thumbnail the engine read and typed (or 304 while the browser's is current). */
export function sendMedia(
  req: IncomingMessage,
  res: ServerResponse,
  media: MediaBytes,
  headers: Record<string, string>,
): void {
  if (answeredNotModified(req, res, media.modifiedMs, headers)) return;
  res.writeHead(200, {
    'Content-Type': media.contentType,
    'Content-Length': String(media.bytes.length),
    'Last-Modified': lastModifiedOf(media.modifiedMs).toUTCString(),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : media.bytes);
}

/** HTTP dates have whole seconds. */
function lastModifiedOf(mtimeMs: number): Date {
  return new Date(Math.floor(mtimeMs / 1000) * 1000);
}

function answeredNotModified(
  req: IncomingMessage,
  res: ServerResponse,
  mtimeMs: number,
  headers: Record<string, string>,
): boolean {
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  if (Number.isNaN(since) || lastModifiedOf(mtimeMs).getTime() > since) return false;
  res.writeHead(304, headers);
  res.end();
  return true;
}

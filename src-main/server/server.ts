import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseRequest } from '../contract/schemas.js';
import type { ApiBackend, ApiErrorBody, EngineEvent } from '../contract/api.js';
import { MAX_PICTURE_BYTES } from '../contract/api.js';
import {
  hasValidCookie,
  isAllowedHost,
  isSameOrigin,
  isValidUrlToken,
  newAccessToken,
  sessionCookie,
} from './auth.js';
import { ApiValidationError, UserError } from '../contract/errors.js';
import { contentSecurityPolicy } from '../web/csp.js';
import { resolveInside } from '../web/resolve-inside.js';
import { sendFile, sendMedia } from './files.js';
import { errorMessage, pictureTooLarge } from '../contract/format.js';

/**
 * `ferret serve`: the renderer and the engine API over loopback HTTP, so the same UI runs in a
 * browser. Everything the Electron preload carries travels here as POST /api/<method> (JSON),
 * engine events as server-sent events on /api/events, and media as /media/<kind>/<id>.
 */

export interface ServerOptions {
  backend: ApiBackend;
  /** The built renderer (vite output): index.html and its assets. */
  rendererDir: string;
  host?: '127.0.0.1';
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface RunningServer {
  /** The address to open, token included: `http://127.0.0.1:PORT/?token=...`. */
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The one call whose body is not JSON: a picture for Find similar travels as its own bytes
 * (`application/octet-stream`, a type no cross-site form can send), with `limit` and `step` in
 * the query string. It is held in memory only.
 */
const PICTURE_METHOD = 'findSimilarToPicture';
const SSE_HEARTBEAT_MS = 20_000;

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const MEDIA_PATH = /^\/media\/(thumbnail|photo)\/([1-9]\d{0,15})$/;
const API_PATH = /^\/api\/([A-Za-z]+)$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(json)),
    'Cache-Control': 'no-store',
  });
  res.end(json);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body: ApiErrorBody = { error: message };
  sendJson(res, status, body);
}

/** The body, refused as soon as its declared or its actual size passes `maxBytes`. */
async function readBody(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: (bytes: number) => string,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, tooLarge(declared));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, tooLarge(size));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A cross-site <form> cannot send application/json, so this also closes off form-based CSRF.
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'requests must be sent as application/json');
  }
  const body = await readBody(req, MAX_BODY_BYTES, () => 'request body is too large');
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * A picture upload as the request its schema validates: the bytes, and the other arguments from
 * the URL, each as JSON when it reads as JSON (limit=5, filter={"camera":"Apple"}), else as the
 * text it is (order=newest).
 */
async function readPicture(req: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'a picture must be sent as application/octet-stream');
  }
  const picture = await readBody(req, MAX_PICTURE_BYTES, (bytes) =>
    pictureTooLarge('the picture', bytes),
  );
  // fromEntries and spread define own properties: a parameter named __proto__ stays data.
  const fromUrl = Object.fromEntries([...url.searchParams].map(([k, v]) => [k, jsonOrText(v)]));
  return { ...fromUrl, picture };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { backend } = options;
  const rendererDir = path.resolve(options.rendererDir);
  const host = options.host ?? '127.0.0.1';
  const token = newAccessToken();
  let port = 0;

  async function handleApi(req: IncomingMessage, res: ServerResponse, name: string, url: URL) {
    if (req.method !== 'POST') throw new HttpError(405, 'API calls must use POST');
    const body = name === PICTURE_METHOD ? await readPicture(req, url) : await readJsonBody(req);
    let call;
    try {
      call = parseRequest(name, body);
    } catch (error) {
      if (error instanceof ApiValidationError) throw new HttpError(400, error.message);
      throw error;
    }
    const result = await backend.handle(call.method, call.args);
    sendJson(res, 200, result);
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse) {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const send = (event: EngineEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = backend.subscribe(send);
    // Proxies and idle timers drop silent streams; a comment line keeps it open.
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  async function handleMedia(
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'thumbnail' | 'photo',
    photoId: number,
  ) {
    // The client names a photo id only; the engine decides which file (if any) that is.
    const media = await backend.media(kind, photoId);
    if (media === null) throw new HttpError(404, `no ${kind} for photo ${photoId}`);
    // Revalidated on use: an edited photo keeps its id but gets a new thumbnail.
    sendMedia(req, res, media, { ...COMMON_HEADERS, 'Cache-Control': 'private, no-cache' });
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL) {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, 'method not allowed');
    const file = resolveInside(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname);
    const isHtml = file?.endsWith('.html') ?? false;
    // Vite names what it puts in assets/ by content hash: those never change under one name.
    const cache = isHtml
      ? 'no-store'
      : url.pathname.startsWith('/assets/')
        ? 'private, max-age=31536000, immutable'
        : 'private, no-cache';
    const headers: Record<string, string> = { ...COMMON_HEADERS, 'Cache-Control': cache };
    if (isHtml) headers['Content-Security-Policy'] = contentSecurityPolicy();
    if (file === null || !(await sendFile(req, res, file, headers))) {
      throw new HttpError(404, 'not found');
    }
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    if (!isAllowedHost(req, port)) throw new HttpError(403, 'unexpected Host header');
    if (!isSameOrigin(req, port)) throw new HttpError(403, 'cross-origin requests are refused');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);

    if (url.pathname === '/' && url.searchParams.has('token')) {
      if (!isValidUrlToken(url, token)) throw new HttpError(401, 'invalid access token');
      // Trade the URL token for a cookie and drop it from the address bar and history.
      res.writeHead(303, { ...COMMON_HEADERS, 'Set-Cookie': sessionCookie(token), Location: '/' });
      res.end();
      return;
    }
    if (!hasValidCookie(req, token)) {
      throw new HttpError(401, 'open the address printed by `ferret serve` (it holds the token)');
    }

    const api = API_PATH.exec(url.pathname);
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') throw new HttpError(405, 'events are read with GET');
      handleEvents(req, res);
    } else if (api) {
      await handleApi(req, res, api[1]!, url);
    } else if (url.pathname.startsWith('/api/')) {
      throw new HttpError(404, `unknown API path ${url.pathname}`);
    } else if (url.pathname.startsWith('/media/')) {
      const media = MEDIA_PATH.exec(url.pathname);
      if (!media) throw new HttpError(404, 'media paths are /media/<thumbnail|photo>/<id>');
      if (req.method !== 'GET' && req.method !== 'HEAD')
        throw new HttpError(405, 'method not allowed');
      await handleMedia(req, res, media[1] as 'thumbnail' | 'photo', Number(media[2]));
    } else {
      await handleStatic(req, res, url);
    }
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendError(res, error.status, error.message);
      } else if (error instanceof UserError) {
        // The engine refused for a reason the user can act on (no model, unknown photo).
        sendError(res, 422, error.message);
      } else {
        console.error(error);
        sendError(res, 500, errorMessage(error));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Event streams never end on their own.
        server.closeAllConnections();
      }),
  };
}

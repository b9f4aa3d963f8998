import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LibraryStatus, PhotoSummary } from '../../src-main/contract/api.js';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { startServer } from '../../src-main/server/server.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { httpRequest, type Reply, type RequestOptions } from '../helpers/http.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

let dir: string;
let engine: Engine;
let backend: ReturnType<typeof createBackend>;
let server: RunningServer;
let port: number;
let cookie: string;
let photosDir: string;

/** Lets the background indexing finish, so closing never races its last writes. */
async function indexingSettled(): Promise<void> {
  await waitFor(
    async () => (await backend.handle('getStatus', {})).indexing.state === 'idle',
    'indexing to finish',
  );
}

const request = (pathname: string, options?: RequestOptions) =>
  httpRequest(port, pathname, options);

function api(method: string, args: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(`/api/${method}`, {
    method: 'POST',
    headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(args),
  });
}

function json<T>(reply: Reply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ferret-server-'));
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Ferret</title>');
  await writeFile(path.join(rendererDir, 'app.js'), 'export {};');
  photosDir = path.join(dir, 'photos');
  await copyCorpusPhotos(photosDir, 3);
  engine = await Engine.open({ libraryDir: path.join(dir, 'library'), logger: silentLogger });
  backend = createBackend(engine);
  server = await startServer({ backend, rendererDir });
  port = Number(new URL(server.url).port);
});

after(async () => {
  await indexingSettled();
  await server.close();
  await backend.close();
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe('access token', () => {
  test('listens on loopback with a long random token in the printed URL', () => {
    const url = new URL(server.url);
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(url.searchParams.get('token'), server.token);
    assert.ok(Buffer.from(server.token, 'base64url').length >= 32);
  });

  test('refuses every request without the token or its cookie', async () => {
    assert.equal((await request('/')).status, 401);
    assert.equal((await request('/app.js')).status, 401);
    assert.equal((await request('/media/photo/1')).status, 401);
    const call = await request('/api/getStatus', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(call.status, 401);
    assert.ok(json<{ error: string }>(call).error.length > 0);
    assert.equal((await request('/?token=not-the-token')).status, 401);
    const wrongCookie = await request('/', { headers: { Cookie: 'ferret_token=guess' } });
    assert.equal(wrongCookie.status, 401);
  });

  test('trades the URL token for an HttpOnly SameSite=Strict cookie', async () => {
    const reply = await request(`/?token=${server.token}`);
    assert.equal(reply.status, 303);
    assert.equal(reply.headers.location, '/');
    const setCookie = reply.headers['set-cookie']?.[0] ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    cookie = setCookie.split(';')[0]!;
    assert.equal(cookie, `ferret_token=${server.token}`);
  });
});

describe('pages', () => {
  test('serves the renderer with a strict CSP and nosniff', async () => {
    const reply = await request('/', { headers: { Cookie: cookie } });
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^text\/html/);
    const csp = String(reply.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /img-src 'self' blob:/);
    assert.match(csp, /object-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    const script = await request('/app.js', { headers: { Cookie: cookie } });
    assert.equal(script.status, 200);
    assert.match(script.headers['content-type'] ?? '', /^text\/javascript/);
  });

  test('never serves files outside the renderer folder', async () => {
    for (const attempt of ['/..%2f..%2fcatalog.sqlite', '/%2e%2e/%2e%2e/etc/passwd', '/a%00b']) {
      const reply = await request(attempt, { headers: { Cookie: cookie } });
      assert.equal(reply.status, 404, attempt);
    }
  });

  test('refuses foreign Host headers (DNS rebinding) and foreign origins', async () => {
    const rebound = await request('/', {
      headers: { Cookie: cookie, Host: `evil.example:${port}` },
    });
    assert.equal(rebound.status, 403);
    assert.equal(
      (await request('/', { headers: { Cookie: cookie, Host: 'localhost' } })).status,
      403,
    );
    assert.equal(
      (await request('/', { headers: { Cookie: cookie, Host: `localhost:${port}` } })).status,
      200,
    );
    const crossSite = await api('getStatus', {}, { Origin: 'http://evil.example' });
    assert.equal(crossSite.status, 403);
  });
});

describe('API', () => {
  test('answers a valid call with the engine result', async () => {
    const reply = await api('getStatus', {});
    assert.equal(reply.status, 200);
    const status = json<LibraryStatus>(reply);
    assert.equal(status.photos, 0);
    assert.equal(status.model.present, false);
  });

  test('validates with the contract: 400 with the message', async () => {
    const bad = await api('getPhoto', { photoId: -1 });
    assert.equal(bad.status, 400);
    assert.match(json<{ error: string }>(bad).error, /^getPhoto: /);
    const unknown = await api('dropTables', {});
    assert.equal(unknown.status, 400);
    assert.match(json<{ error: string }>(unknown).error, /unknown method "dropTables"/);
    const notJson = await request('/api/getStatus', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
      body: '{oops',
    });
    assert.equal(notJson.status, 400);
  });

  test('accepts only JSON POSTs', async () => {
    const form = await request('/api/getStatus', {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    assert.equal(form.status, 415);
    assert.equal((await request('/api/getStatus', { headers: { Cookie: cookie } })).status, 405);
  });

  test("a picture's other arguments cross in the query string, validated like the rest", async () => {
    const upload = (query: string) =>
      request(`/api/findSimilarToPicture?${query}`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/octet-stream' },
        body: 'picture bytes',
      });
    const error = async (query: string) => {
      const reply = await upload(query);
      return `${reply.status} ${json<{ error: string }>(reply).error}`;
    };
    assert.match(await error('order=sideways'), /^400 findSimilarToPicture: .*at order/s);
    const badFilter = new URLSearchParams({ filter: JSON.stringify({ orientation: 'sideways' }) });
    assert.match(await error(badFilter.toString()), /^400 findSimilarToPicture: .*orientation/s);
    assert.match(await error('limit=0'), /^400 findSimilarToPicture: .*at limit/s);
    // Valid arguments (and a `picture` in the URL, which never replaces the bytes) reach the
    // engine, which refuses for want of a model.
    const good = new URLSearchParams({
      limit: '3',
      step: '1',
      order: 'newest',
      filter: JSON.stringify({ from: '2019', types: ['jpeg'], hasLocation: false }),
      picture: '[1]',
    });
    assert.match(await error(good.toString()), /^422 .*model/s);
  });

  test('engine refusals come back as 422 with their message', async () => {
    const missing = path.join(dir, 'nowhere');
    const reply = await api('addFolder', { path: missing });
    assert.equal(reply.status, 422);
    assert.deepEqual(json(reply), { error: `${missing} does not exist` });
    const search = await api('searchText', { query: 'cat' });
    assert.equal(search.status, 422);
  });
});

describe('events and media', () => {
  let photos: PhotoSummary[] = [];

  test('streams engine events as server-sent events', async () => {
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/api/events', headers: { Cookie: cookie } }, resolve)
        .on('error', reject);
    });
    assert.equal(stream.statusCode, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream; charset=utf-8');
    // The server subscribes before it sends the headers, so this change is on the stream.
    const firstEvent = new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        const data = text.split('\n').find((line) => line.startsWith('data: '));
        if (data) resolve(data.slice('data: '.length));
      });
    });
    const added = await api('addFolder', { path: photosDir });
    assert.equal(added.status, 200);
    const event = JSON.parse(await firstEvent) as { type: string };
    assert.ok(['library-changed', 'indexing'].includes(event.type));
    stream.destroy();
  });

  test('serves a library photo by id, and nothing for other ids', async () => {
    for (let attempt = 0; attempt < 400 && photos.length === 0; attempt++) {
      photos = json<{ items: PhotoSummary[] }>(
        await api('listPhotos', { offset: 0, limit: 5 }),
      ).items;
      if (photos.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const photo = photos[0]!;
    const reply = await request(`/media/photo/${photo.id}`, { headers: { Cookie: cookie } });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, await readFile(photo.path));
    assert.equal(reply.headers['x-content-type-options'], 'nosniff');
    const again = await request(`/media/photo/${photo.id}`, {
      headers: { Cookie: cookie, 'If-Modified-Since': String(reply.headers['last-modified']) },
    });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(
      (await request('/media/photo/999999', { headers: { Cookie: cookie } })).status,
      404,
    );
    for (const attempt of [
      '/media/photo/0',
      '/media/photo/1.5',
      '/media/file/1',
      '/media/photo/..%2f1',
    ]) {
      assert.equal((await request(attempt, { headers: { Cookie: cookie } })).status, 404, attempt);
    }
  });
});

describe('close', () => {
  test('stops even while an event stream is open', async () => {
    const other = await startServer({ backend, rendererDir: path.join(dir, 'renderer') });
    const otherPort = Number(new URL(other.url).port);
    await new Promise<void>((resolve) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: otherPort,
          path: '/api/events',
          headers: { Cookie: `ferret_token=${other.token}`, Host: `127.0.0.1:${otherPort}` },
        },
        () => resolve(),
      );
      req.on('error', () => undefined);
    });
    await other.close();
    await assert.rejects(
      new Promise((resolve, reject) =>
        http.get({ host: '127.0.0.1', port: otherPort, path: '/' }, resolve).on('error', reject),
      ),
    );
  });
});

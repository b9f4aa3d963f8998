import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { corpusDir } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';

/**
 * A library folder holding links to system files and non-images under image names: the
 * server (and the Electron protocol, through the same backend call) serves only photos that
 * decoded, only from inside the library folders as they are at request time, and with the
 * type of the bytes, not of the name.
 */
describe('media serving refuses what is not a library photo', () => {
  let dir: string;
  let photos: string;
  let engine: Engine;
  let backend: ReturnType<typeof createBackend>;
  let server: RunningServer;
  const ids = new Map<string, number>();

  function get(pathname: string): Promise<{ status: number; type: string; body: Buffer }> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      http
        .get(
          {
            host: url.hostname,
            port: url.port,
            path: pathname,
            headers: { Host: url.host, Cookie: `ferret_token=${server.token}` },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                type: String(res.headers['content-type']),
                body: Buffer.concat(chunks),
              }),
            );
          },
        )
        .on('error', reject);
    });
  }

  before(async () => {
    dir = await tempDir('media-serving');
    photos = path.join(dir, 'photos');
    await mkdir(photos);
    const corpus = await corpusDir();
    const names = (await readdir(corpus)).sort();
    const png = names.find((name) => name.endsWith('.png'))!;
    const jpg = names.find((name) => name.endsWith('.jpg'))!;
    await copyFile(path.join(corpus, jpg), path.join(photos, 'real.jpg'));
    // A PNG under a .jpg name: a browser must be told it is a PNG.
    await copyFile(path.join(corpus, png), path.join(photos, 'png-named.jpg'));
    await copyFile(path.join(corpus, jpg), path.join(photos, 'swapped.jpg'));
    await symlink('/etc/passwd', path.join(photos, 'passwd.jpg'));
    await writeFile(path.join(photos, 'page.jpg'), '<html><script>alert(1)</script></html>');
    engine = await Engine.open({ libraryDir: path.join(dir, 'library'), logger: silentLogger });
    await engine.indexFolder(photos);
    for (const photo of engine.listPhotos(0, 100).items) ids.set(photo.name, photo.id);
    // Changed after indexing: the row still says it decoded, the file is now a link outside.
    await unlink(path.join(photos, 'swapped.jpg'));
    await symlink('/etc/passwd', path.join(photos, 'swapped.jpg'));
    const rendererDir = path.join(dir, 'renderer');
    await mkdir(rendererDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html>');
    backend = createBackend(engine);
    server = await startServer({ backend, rendererDir });
  });

  after(async () => {
    await waitFor(
      async () => (await backend.handle('getStatus', {})).indexing.state === 'idle',
      'indexing to finish',
    );
    await server.close();
    await backend.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a link to /etc/passwd named .jpg is never served', async () => {
    const reply = await get(`/media/photo/${ids.get('passwd.jpg')}`);
    assert.equal(reply.status, 404);
    assert.ok(!reply.body.toString().includes('root:'));
  });

  test('an HTML file named .jpg is never served', async () => {
    const reply = await get(`/media/photo/${ids.get('page.jpg')}`);
    assert.equal(reply.status, 404);
    assert.ok(!reply.body.toString().includes('<script>'));
  });

  test('a photo replaced by a link outside the library after indexing is not served', async () => {
    const reply = await get(`/media/photo/${ids.get('swapped.jpg')}`);
    assert.equal(reply.status, 404);
    assert.ok(!reply.body.toString().includes('root:'));
  });

  test('photos are served with the type their bytes have', async () => {
    const real = await get(`/media/photo/${ids.get('real.jpg')}`);
    assert.equal(real.status, 200);
    assert.equal(real.type, 'image/jpeg');
    const png = await get(`/media/photo/${ids.get('png-named.jpg')}`);
    assert.equal(png.status, 200);
    assert.equal(png.type, 'image/png');
    const thumbnail = await get(`/media/thumbnail/${ids.get('png-named.jpg')}`);
    assert.equal(thumbnail.status, 200);
    assert.equal(thumbnail.type, 'image/webp');
  });
});

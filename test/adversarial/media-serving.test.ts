import assert from 'node:assert/strict';
import {
  copyFile,
  mkdir,
  readFile,
  readdir,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { heifDecoder } from '../../src-main/engine/media/heif-decoder.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { FORMATS_DIR, corpusDir } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { httpRequest, type Reply } from '../helpers/http.js';
import { waitFor } from '../helpers/live.js';
import { pictureDifference } from '../helpers/pictures.js';

/** A GET as the renderer makes it: the token cookie, the server's own Host. */
function getMedia(server: RunningServer, pathname: string): Promise<Reply> {
  const url = new URL(server.url);
  return httpRequest(url.port, pathname, {
    headers: { Host: url.host, Cookie: `ferret_token=${server.token}` },
  });
}

/**
 * A library folder holding links to system files and non-images under image names: the
 * server (and the Electron protocol, through the same backend call) serves only photos that
 * decoded, only from inside the library folders as they are at request time, and with the
 * type of the bytes, not of the name.
 */
/** `ferret serve`'s server on the engine, with a stand-in renderer: only /media is tested. */
async function serve(
  engine: Engine,
  dir: string,
): Promise<{ backend: ReturnType<typeof createBackend>; server: RunningServer }> {
  const rendererDir = path.join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html>');
  const backend = createBackend(engine);
  return { backend, server: await startServer({ backend, rendererDir }) };
}

describe('media serving refuses what is not a library photo', () => {
  let dir: string;
  let photos: string;
  let engine: Engine;
  let backend: ReturnType<typeof createBackend>;
  let server: RunningServer;
  const ids = new Map<string, number>();

  const get = (pathname: string) => getMedia(server, pathname);

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
    ({ backend, server } = await serve(engine, dir));
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

  for (const [what, name, secret] of [
    ['a link to /etc/passwd named .jpg is never served', 'passwd.jpg', 'root:'],
    ['an HTML file named .jpg is never served', 'page.jpg', '<script>'],
    [
      'a photo replaced by a link outside the library after indexing is not served',
      'swapped.jpg',
      'root:',
    ],
  ] as const) {
    test(what, async () => {
      const reply = await get(`/media/photo/${ids.get(name)}`);
      assert.equal(reply.status, 404);
      assert.ok(!reply.body.toString().includes(secret));
    });
  }

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

/**
 * The viewer shows what a browser can: a HEIC, a camera RAW or a TIFF is served as a display
 * JPEG made by the indexing decode path (libheif, the RAW's largest preview), kept in the
 * library's display folder, and only while the file still decodes.
 */
describe('photos no browser shows are served as display JPEGs', () => {
  let dir: string;
  let photos: string;
  let library: string;
  let engine: Engine;
  let backend: ReturnType<typeof createBackend>;
  let server: RunningServer;
  const ids = new Map<string, number>();
  const get = (name: string) => getMedia(server, `/media/photo/${ids.get(name)}`);

  before(async () => {
    dir = await tempDir('display-media');
    photos = path.join(dir, 'photos');
    library = path.join(dir, 'library');
    await mkdir(photos);
    const corpus = await corpusDir();
    const heic = (name: string) => path.join(FORMATS_DIR, 'heic', name);
    await copyFile(heic('opencv-leuvenA.heic'), path.join(photos, 'leuvenA.heic'));
    await copyFile(heic('leuvenA_rot6.heic'), path.join(photos, 'rot6.heic'));
    await copyFile(heic('mate-Storm.heic'), path.join(photos, 'broken-later.heic'));
    await copyFile(
      path.join(FORMATS_DIR, 'raw', 'FujiFilm.raf'),
      path.join(photos, 'FujiFilm.raf'),
    );
    await copyFile(path.join(corpus, 'opencv-leuvenA.jpg'), path.join(photos, 'leuvenA.jpg'));
    await sharp(path.join(corpus, 'mate-Storm.jpg')).tiff().toFile(path.join(photos, 'storm.tiff'));
    engine = await Engine.open({ libraryDir: library, logger: silentLogger });
    await engine.indexFolder(photos);
    for (const photo of engine.listPhotos(0, 100).items) ids.set(photo.name, photo.id);
    // Damaged after indexing: its row says it decoded, its bytes no longer do.
    const storm = await readFile(heic('mate-Storm.heic'));
    await writeFile(path.join(photos, 'broken-later.heic'), storm.subarray(0, storm.length >> 1));
    ({ backend, server } = await serve(engine, dir));
  });

  after(async () => {
    await server.close();
    await backend.close();
    await engine.close();
    await heifDecoder().close();
    await rm(dir, { recursive: true, force: true });
  });

  async function displayJpeg(
    name: string,
  ): Promise<{ body: Buffer; width: number; height: number }> {
    const reply = await get(name);
    assert.equal(reply.status, 200, name);
    assert.equal(reply.type, 'image/jpeg', name);
    const { format, width, height } = await sharp(reply.body).metadata();
    assert.equal(format, 'jpeg', `${name} is a real JPEG`);
    return { body: reply.body, width, height };
  }

  test('a HEIC is a JPEG of its own size that shows the picture it was made from', async () => {
    const { body, width, height } = await displayJpeg('leuvenA.heic');
    assert.deepEqual([width, height], [751, 563]);
    const source = await readFile(path.join(photos, 'leuvenA.jpg'));
    assert.ok((await pictureDifference(body, source)) < 6, 'looks like the source JPEG');
  });

  test('a portrait HEIC stays portrait', async () => {
    const { width, height } = await displayJpeg('rot6.heic');
    assert.deepEqual([width, height], [563, 751]);
  });

  test('a camera RAW is its largest embedded preview, and a TIFF a JPEG', async () => {
    const raw = await displayJpeg('FujiFilm.raf');
    assert.deepEqual([raw.width, raw.height], [160, 120]);
    const tiff = await displayJpeg('storm.tiff');
    assert.deepEqual([tiff.width, tiff.height], [1920, 1280]);
  });

  test('a JPEG is served as its own bytes', async () => {
    const reply = await get('leuvenA.jpg');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, await readFile(path.join(photos, 'leuvenA.jpg')));
  });

  test('the copy is kept in the library and served again from there', async () => {
    const first = await get('leuvenA.heic');
    const displayDir = path.join(library, 'display');
    const kept = (await readdir(displayDir, { recursive: true })).filter((name) =>
      name.endsWith('.jpg'),
    );
    const copies = await Promise.all(kept.map((name) => readFile(path.join(displayDir, name))));
    assert.ok(
      copies.some((copy) => copy.equals(first.body)),
      `the served JPEG is one kept in ${displayDir}: ${kept.join(', ')}`,
    );
    assert.deepEqual((await get('leuvenA.heic')).body, first.body);
  });

  test('a HEIC that no longer decodes is not served', async () => {
    const reply = await get('broken-later.heic');
    assert.equal(reply.status, 404);
  });
});

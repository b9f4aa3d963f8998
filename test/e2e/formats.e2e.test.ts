import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FORMATS_DIR, corpusDir } from '../helpers/corpus.js';
import { waitFor } from '../helpers/live.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';

/**
 * A folder of JPEG, HEIC, GIF and camera RAW photos in a browser against `ferret serve`'s
 * server and the real engine: the sidebar counts photos per format, a RAW's tile is marked
 * with its format beside the JPEG of the same shot, and the viewer shows a HEIC.
 */

let session: AppSession;
let page: Page;
const PHOTO_COUNT = 6;

before(async () => {
  let photosDir = '';
  session = await startAppSession('formats', {
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      await mkdir(photosDir);
      const corpus = await corpusDir();
      await copyFile(path.join(corpus, 'opencv-apple.jpg'), path.join(photosDir, 'apple.jpg'));
      const shared = (folder: string, name: string) => path.join(FORMATS_DIR, folder, name);
      await copyFile(shared('heic', 'opencv-leuvenA.heic'), path.join(photosDir, 'leuvenA.heic'));
      await copyFile(shared('gif', 'butterfly-still.gif'), path.join(photosDir, 'butterfly.gif'));
      await copyFile(shared('raw', 'Nikon.nef'), path.join(photosDir, 'Nikon.nef'));
      const raf = await readFile(shared('raw', 'FujiFilm.raf'));
      await writeFile(path.join(photosDir, 'DSCF0001.RAF'), raf);
      // The JPEG the camera wrote beside the RAW: a RAF's header points at it (byte 84), and it
      // carries the same EXIF, so both have the same capture time.
      const jpegAt = raf.readUInt32BE(84);
      const jpegLength = raf.readUInt32BE(88);
      await writeFile(
        path.join(photosDir, 'DSCF0001.JPG'),
        raf.subarray(jpegAt, jpegAt + jpegLength),
      );
    },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: photosDir });
      await waitFor(
        async () => {
          const status = await backend.handle('getStatus', {});
          return status.photos === PHOTO_COUNT && status.indexing.state === 'idle';
        },
        'the photos to be catalogued',
        180_000,
      );
    },
  });
  page = session.page;
  await page.goto(session.server.url);
});

after(async () => {
  await session?.close();
});

const tileNamed = (name: string) => page.locator(`.tile[data-name="${name}"]`);

test('the sidebar counts the photos per format', async () => {
  const counts = page.getByTestId('format-counts');
  await counts.waitFor();
  const text = (await counts.textContent()) ?? '';
  const byFormat = Object.fromEntries(
    text.split('·').map((part) => {
      const [format, count] = part.trim().split(/\s+/);
      return [format, Number(count)];
    }),
  );
  // The NEF has no usable preview: catalogued with its error, and counted.
  assert.deepEqual(byFormat, { JPEG: 2, HEIC: 1, GIF: 1, RAF: 1, NEF: 1 }, text);
  await session.browser.screenshot('formats-01-sidebar');
});

test('a RAW tile carries its format, beside the JPEG of the same shot', async () => {
  const raw = tileNamed('DSCF0001.RAF');
  const jpeg = tileNamed('DSCF0001.JPG');
  await raw.waitFor();
  assert.equal((await raw.locator('.badge.raw').textContent())?.trim(), 'RAF');
  assert.equal(await jpeg.locator('.badge.raw').count(), 0, 'the JPEG is not marked');
  assert.equal(await tileNamed('leuvenA.heic').locator('.badge.raw').count(), 0);
  assert.equal((await tileNamed('Nikon.nef').locator('.badge.raw').textContent())?.trim(), 'NEF');
  const rawIndex = Number(await raw.getAttribute('data-index'));
  const jpegIndex = Number(await jpeg.getAttribute('data-index'));
  assert.equal(Math.abs(rawIndex - jpegIndex), 1, 'the pair sits side by side');
});

test('the viewer shows a HEIC, from a JPEG the browser decodes at the photo’s size', async () => {
  await tileNamed('leuvenA.heic').dblclick();
  const image = page.getByTestId('viewer').locator('img');
  await waitFor(
    () => image.evaluate((img) => (img as { naturalWidth?: number }).naturalWidth! > 0),
    'the HEIC to be shown',
    60_000,
  );
  const size = await image.evaluate((img) => {
    const { naturalWidth, naturalHeight } = img as { naturalWidth: number; naturalHeight: number };
    return [naturalWidth, naturalHeight];
  });
  assert.deepEqual(size, [751, 563]);
  await session.browser.screenshot('formats-02-heic-viewer');
  assert.deepEqual(session.browser.problems, []);
});

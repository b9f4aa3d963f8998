import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { nearDuplicateCopies } from '../calibration/near-duplicates.js';
import { waitFor } from '../helpers/live.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * Find similar for a picture that is not in the library, in a browser through `ferret serve`
 * with the real pretrained image encoder: chosen with the file dialog, dropped on the window,
 * pasted; and the pictures it refuses, each with a message that says why.
 */

const PHOTOS = [
  'opencv-fruits.jpg',
  'opencv-baboon.jpg',
  'opencv-apple.jpg',
  'opencv-butterfly.jpg',
  'opencv-home.jpg',
  'opencv-orange.jpg',
  'opencv-HappyFish.jpg',
  'opencv-building.jpg',
  'mate-Storm.jpg',
  'mate-Aqua.jpg',
];
/** The photo whose resized copy is searched with: the original must come back first. */
const ORIGINAL = 'opencv-fruits.jpg';

let session: AppSession;
let page: Page;
let browser: Browser;
let photosDir: string;
/** A half-size, re-encoded copy of ORIGINAL, outside the library. */
let resizedCopy: Buffer;

before(async () => {
  session = await startAppSession('picture', {
    model: 'image-encoder',
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      await copyNamedCorpusPhotos(photosDir, PHOTOS);
      const original = await readFile(path.join(photosDir, ORIGINAL));
      resizedCopy = (await nearDuplicateCopies(original)).resized;
    },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: photosDir });
      await waitFor(
        async () => (await backend.handle('getStatus', {})).embedded === PHOTOS.length,
        'the photos to be embedded',
        300_000,
      );
    },
  });
  ({ page, browser } = session);
  await page.goto(session.server.url);
  await page.locator('.tile[data-index="0"]').waitFor();
});

after(async () => {
  await session?.close();
});

async function backToLibrary() {
  // The results came from the library, so Back returns there.
  const header = page.getByTestId('results-header');
  await header.getByRole('button', { name: 'Back', exact: true }).click();
  await header.waitFor({ state: 'detached' });
}

/** The results for a picture: its header, and the names of the photos in grid order. */
async function pictureResults(name: string): Promise<string[]> {
  const header = page.getByTestId('pinned-picture');
  await header.getByText(`Similar to ${name}`).waitFor();
  assert.match(
    (await page.getByTestId('results-summary').textContent()) ?? '',
    /^\d+ match(es)?, closest first$/,
  );
  // The preview is the picture itself, shown from the page's memory.
  assert.match((await header.locator('img').getAttribute('src')) ?? '', /^blob:/);
  await page.locator('.tile[data-index="0"][data-name]').waitFor();
  return page
    .locator('.tile[data-name]')
    .evaluateAll((tiles) =>
      tiles
        .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
        .map((tile) => tile.getAttribute('data-name') ?? ''),
    );
}

/** Hands the page a file as a drop on the window, or as a paste, the way the browser would. */
async function deliver(how: 'drop' | 'paste', name: string, bytes: Buffer | number) {
  await page.locator('body').evaluate(
    (body, { how, name, data, size }) => {
      const window = body.ownerDocument.defaultView!;
      const content =
        data === null ? new Uint8Array(size) : Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const transfer = new window.DataTransfer();
      transfer.items.add(new window.File([content], name, { type: 'image/jpeg' }));
      if (how === 'paste') {
        body.dispatchEvent(
          new window.ClipboardEvent('paste', {
            clipboardData: transfer,
            bubbles: true,
            cancelable: true,
          }),
        );
        return;
      }
      for (const type of ['dragenter', 'dragover', 'drop']) {
        body.dispatchEvent(
          new window.DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      }
    },
    {
      how,
      name,
      data: typeof bytes === 'number' ? null : bytes.toString('base64'),
      size: typeof bytes === 'number' ? bytes : 0,
    },
  );
}

test('a picture chosen with the file dialog finds its original first', async () => {
  const before = (await readdir(photosDir)).sort();
  await page.getByTestId('picture-input').setInputFiles({
    name: 'fruits-small.jpg',
    mimeType: 'image/jpeg',
    buffer: resizedCopy,
  });
  const names = await pictureResults('fruits-small.jpg');
  assert.equal(names[0], ORIGINAL);
  assert.ok(names.length < PHOTOS.length, `only real matches, not all ${PHOTOS.length} photos`);
  await browser.screenshot('picture-01-chosen');
  // Nothing of the picture is written beside the photos.
  assert.deepEqual((await readdir(photosDir)).sort(), before);
  await backToLibrary();
});

test('a picture dropped on the window finds its original first', async () => {
  // While a file is dragged over the window, it says what dropping does.
  await page.locator('body').evaluate((body) => {
    const window = body.ownerDocument.defaultView!;
    const transfer = new window.DataTransfer();
    transfer.items.add(new window.File(['x'], 'x.jpg'));
    body.dispatchEvent(
      new window.DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
    );
  });
  await page
    .getByTestId('drop-target')
    .getByText('Drop a picture to find similar photos')
    .waitFor();
  await browser.screenshot('picture-02-dragging');
  await deliver('drop', 'dropped.jpg', resizedCopy);
  await page.getByTestId('drop-target').waitFor({ state: 'detached' });
  assert.equal((await pictureResults('dropped.jpg'))[0], ORIGINAL);
  await browser.screenshot('picture-03-dropped');
});

test('a pasted picture finds its original first', async () => {
  await backToLibrary();
  await deliver('paste', 'image.jpg', resizedCopy);
  assert.equal((await pictureResults('image.jpg'))[0], ORIGINAL);
});

test('a dropped file that is not a picture is refused with a message; the results stay', async () => {
  await deliver('drop', 'notes.jpg', Buffer.from('shopping list: milk, eggs\n'));
  await page
    .getByRole('alert')
    .getByText(
      'notes.jpg: not a picture Ferret can read: use a JPEG, PNG, WebP, TIFF, GIF, HEIC or AVIF image',
    )
    .waitFor();
  // The earlier results are still there: a bad drop loses nothing.
  await page.getByTestId('pinned-picture').getByText('Similar to image.jpg').waitFor();
  await browser.screenshot('picture-04-not-an-image');
});

test('a 200 MB dropped file is refused before it is sent', async () => {
  let uploads = 0;
  page.on('request', (request) => {
    if (request.url().includes('/api/findSimilarToPicture')) uploads++;
  });
  await deliver('drop', 'huge.jpg', 200_000_000);
  await page
    .getByRole('alert')
    .getByText('huge.jpg is 200 MB; Find similar takes pictures of at most 100 MB')
    .waitFor();
  assert.equal(uploads, 0);
  await browser.screenshot('picture-05-too-large');
  assert.deepEqual(browser.problems, []);
});

test('the server itself refuses a picture over the limit and one of the wrong type', async () => {
  // What a client other than the app would meet: the same words, from the server.
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const url = new URL('/api/findSimilarToPicture', session.server.url);
  const tooLarge = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Cookie: cookie },
    body: new Uint8Array(100_000_001),
  });
  assert.equal(tooLarge.status, 413);
  assert.deepEqual(await tooLarge.json(), {
    error: 'the picture is 100 MB; Find similar takes pictures of at most 100 MB',
  });
  const asJson = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie },
    body: JSON.stringify({ picture: [255, 216] }),
  });
  assert.equal(asJson.status, 415);
  const text = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Cookie: cookie },
    body: '<html><script>alert(1)</script></html>',
  });
  assert.equal(text.status, 422);
  assert.match(((await text.json()) as { error: string }).error, /^not a picture Ferret can read/);
  const good = await fetch(`${url}?limit=1&step=0`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Cookie: cookie },
    body: new Uint8Array(resizedCopy),
  });
  const answer = (await good.json()) as { hits: { photo: { name: string } }[] };
  assert.deepEqual(
    answer.hits.map((hit) => hit.photo.name),
    [ORIGINAL],
  );
});

test('a picture search keeps the filter in force, in the browser door too', async () => {
  await page.goto(session.server.url);
  await page.locator('.tile[data-index="0"]').waitFor();
  await page.getByTestId('add-filter').click();
  const panel = page.getByTestId('filter-panel');
  await panel.getByTestId('filter-from').fill('1990');
  await panel.getByTestId('filter-to').fill('1990');
  await panel.getByTestId('apply-filter').click();
  await page.getByTestId('filter-empty').waitFor();
  // The copy of ORIGINAL would find it first; no photo of the library is from 1990.
  await deliver('drop', 'copy.jpg', resizedCopy);
  await page.getByTestId('pinned-picture').getByText('Similar to copy.jpg').waitFor();
  await page.getByTestId('filter-empty').getByText(/1990/).waitFor();
  assert.equal(await page.locator('.tile[data-name]').count(), 0);
  await browser.screenshot('picture-06-filtered');
  assert.deepEqual(browser.problems, []);
});

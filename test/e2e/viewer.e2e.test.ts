import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PhotoSummary } from '../../src-main/contract/api.js';
import type { Backend } from '../../src-main/engine/backend.js';
import { waitFor } from '../helpers/live.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * Looking at one photo, in a browser against the real engine and the real image encoder:
 * the viewer (previous / next, zoom and pan, a modal that keeps and returns focus), its info
 * panel, a photo whose file has gone, and the grid's keyboard focus.
 */

/** Real photos with known metadata (see ../shared/formats/README.md), and some with none. */
const PHOTOS = [
  'opencv-leuvenA.jpg', // Apple iPhone 6, 2019-04-14 13:46:10, GPS 50°52′17.50″N 4°41′49.14″E
  'mate-Storm.jpg', // Canon EOS 400D DIGITAL, f/3.5, 0.4 s, ISO 100, 18 mm
  'opencv-ela_original.jpg',
  'opencv-apple.jpg',
  'opencv-butterfly.jpg',
  'opencv-baboon.jpg',
  'mate-Aqua.jpg',
  'opencv-fruits.jpg',
  'opencv-home.jpg',
  'opencv-orange.jpg',
];
const GONE = 'opencv-home.jpg';

let photosDir: string;
let session: AppSession;
let backend: Backend;
let browser: Browser;
let page: Page;
/** The grid's order, as the engine lists it. */
let order: PhotoSummary[];

before(async () => {
  session = await startAppSession('viewer', {
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      await copyNamedCorpusPhotos(photosDir, PHOTOS);
    },
    // No model at first: what the app offers without one is part of the test.
    // A file deleted here stays catalogued (its removal waits for a matching add that never
    // comes within the test), which is the state of a file moved away while Ferret was closed.
    live: { removalGraceMs: 600_000 },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: photosDir });
      await waitFor(
        async () => (await backend.handle('getStatus', {})).indexed === PHOTOS.length,
        'the photos to be catalogued',
        120_000,
      );
    },
  });
  ({ backend, browser, page } = session);
});

after(async () => {
  await session?.close();
});

const grid = () => page.getByRole('listbox', { name: 'All photos' });
const viewer = () => page.getByTestId('viewer');
const tile = (index: number) => page.locator(`.tile[data-index="${index}"]`);

async function focusedInside(testId: string): Promise<boolean> {
  return page
    .getByTestId(testId)
    .evaluate((element) => element.contains(element.ownerDocument.activeElement));
}

async function zoomLevel(): Promise<number> {
  const text = (await page.getByTestId('zoom-level').textContent()) ?? '';
  return Number(text.replace('%', ''));
}

/** The image's offset from the stage's centre, as the viewer's transform places it. */
async function imageOffset(): Promise<{ x: number; y: number }> {
  const transform = await viewer()
    .locator('img')
    .evaluate((image) => image.style.transform);
  const match = /translate\((-?[\d.]+)px, (-?[\d.]+)px\)/.exec(transform);
  assert.ok(match, `a pan offset in ${transform}`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

test('without a model Find similar is not offered, and says what it needs', async () => {
  await page.goto(session.server.url);
  await tile(0).waitFor();
  await tile(0).click({ button: 'right' });
  const menu = page.getByTestId('context-menu');
  await menu.waitFor();
  assert.deepEqual(
    (await menu.getByRole('menuitem').allTextContents()).map((text) => text.trim()),
    ['Open'],
  );
  await page.keyboard.press('Escape');
  await grid().focus();
  await page.keyboard.press('Enter');
  await page.getByText('Find similar needs the model').first().waitFor();
  await browser.screenshot('viewer-01-no-model-menu');
});

test('grid focus: tabbing in shows the focused tile, and focus follows it out of view', async () => {
  await page.getByTestId('model-banner').waitFor();
  // Tab in from the search box: the first tile is marked at once.
  await page.getByRole('textbox', { name: /search/i }).focus();
  await grid().evaluate((element) => element.scrollTo(0, 0));
  await grid().evaluate((element) => element.blur());
  await page.keyboard.press('Tab');
  for (
    let i = 0;
    i < 40 && !(await grid().evaluate((el) => el === el.ownerDocument.activeElement));
    i++
  ) {
    await page.keyboard.press('Tab');
  }
  assert.equal(
    await grid().evaluate((element) => element === element.ownerDocument.activeElement),
    true,
  );
  assert.equal(await page.locator('.tile.selected').count(), 1);

  // Click a tile, page down past the rendered rows: focus stays in the grid and keys still work.
  await page.setViewportSize({ width: 900, height: 420 });
  await tile(0).click();
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  assert.equal(
    await grid().evaluate((element) => element === element.ownerDocument.activeElement),
    true,
  );
  const selected = Number(await page.locator('.tile.selected').getAttribute('data-index'));
  await page.keyboard.press('ArrowLeft');
  assert.equal(
    Number(await page.locator('.tile.selected').getAttribute('data-index')),
    selected - 1,
  );
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('with the real encoder indexed, the viewer opens on double-click and moves with the keys', async () => {
  await session.useModel('image-encoder');
  await waitFor(
    async () => (await backend.handle('getStatus', {})).embedded === PHOTOS.length,
    'the photos to be embedded',
    120_000,
  );
  order = (await backend.handle('listPhotos', { offset: 0, limit: 100 })).items;
  await page.getByTestId('model-banner').waitFor({ state: 'hidden' });

  await tile(0).dblclick();
  await viewer().waitFor();
  assert.equal(await page.getByTestId('viewer-name').textContent(), order[0]!.name);
  assert.equal(await focusedInside('viewer'), true, 'focus moves into the viewer');

  await page.keyboard.press('ArrowRight');
  await page.getByTestId('viewer-name').getByText(order[1]!.name, { exact: true }).waitFor();
  await viewer().getByRole('button', { name: 'Next photo' }).click();
  await page.getByTestId('viewer-name').getByText(order[2]!.name, { exact: true }).waitFor();
  await viewer().getByRole('button', { name: 'Previous photo' }).click();
  await page.getByTestId('viewer-name').getByText(order[1]!.name, { exact: true }).waitFor();
  await page.keyboard.press('End');
  await page.getByTestId('viewer-name').getByText(order.at(-1)!.name, { exact: true }).waitFor();
  assert.equal(await viewer().getByRole('button', { name: 'Next photo' }).count(), 0);
  await page.keyboard.press('Home');
  await page.getByTestId('viewer-name').getByText(order[0]!.name, { exact: true }).waitFor();

  // Clicking the photo itself does not close the viewer.
  await page.getByTestId('viewer-stage').click();
  assert.equal(await viewer().isVisible(), true);
  await browser.screenshot('viewer-02-open');
});

test('zoom: fit, 100%, wheel about the pointer, double-click, drag to pan', async () => {
  const leuven = order.findIndex((photo) => photo.name === 'opencv-leuvenA.jpg');
  await page.keyboard.press('Home');
  for (let i = 0; i < leuven; i++) await page.keyboard.press('ArrowRight');
  await page.getByTestId('viewer-name').getByText('opencv-leuvenA.jpg').waitFor();
  const image = viewer().locator('img');
  await waitFor(
    () => image.evaluate((img) => (img as { naturalWidth?: number }).naturalWidth! > 0),
    'the photo',
  );

  await page.setViewportSize({ width: 900, height: 600 });
  await page.getByTestId('zoom-fit').click();
  const fitted = await zoomLevel();
  assert.ok(fitted < 100, `a 751×563 photo is fitted below 100% in a small window (${fitted}%)`);
  assert.equal(await page.getByTestId('zoom-fit').getAttribute('aria-pressed'), 'true');

  await page.getByTestId('zoom-actual').click();
  assert.equal(await zoomLevel(), 100);
  assert.equal(await page.getByTestId('zoom-actual').getAttribute('aria-pressed'), 'true');

  // Drag pans, and the photo stays where it was put.
  const stage = page.getByTestId('viewer-stage');
  const box = (await stage.boundingBox())!;
  const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  await page.mouse.move(centre.x + 60, centre.y + 40, { steps: 4 });
  await page.mouse.up();
  const panned = await imageOffset();
  assert.ok(panned.x > 0 && panned.y > 0, `panned to ${JSON.stringify(panned)}`);

  await page.keyboard.press('0');
  assert.equal(await zoomLevel(), fitted);
  assert.deepEqual(await imageOffset(), { x: 0, y: 0 });

  // The wheel zooms in about the pointer; + and - step; double-click toggles fit and 100%.
  await page.mouse.move(centre.x + 100, centre.y);
  await page.mouse.wheel(0, -300);
  await waitFor(async () => (await zoomLevel()) > fitted, 'the wheel to zoom in');
  assert.ok((await imageOffset()).x < 0, 'zooming right of centre moves the image left');
  await page.keyboard.press('-');
  await page.keyboard.press('-');
  await page.keyboard.press('-');
  await page.keyboard.press('-');
  assert.equal(await zoomLevel(), fitted, 'zooming out stops at fitted');
  await stage.dblclick();
  assert.equal(await zoomLevel(), 100);
  await browser.screenshot('viewer-03-zoomed');
  await stage.dblclick();
  assert.equal(await zoomLevel(), fitted);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('info panel: file, dimensions, date and its source, camera, lens, exposure, map link', async () => {
  const info = page.getByTestId('photo-info');
  const field = (name: string) => info.locator(`[data-field="${name}"]`);
  await field('size').waitFor();
  assert.equal(await field('name').textContent(), 'opencv-leuvenA.jpg');
  assert.equal(await field('path').textContent(), path.join(photosDir, 'opencv-leuvenA.jpg'));
  assert.match((await field('size').textContent())!, /^\s*\d+ kB\s*$/);
  assert.equal((await field('format').textContent())?.trim(), 'JPEG');
  assert.match((await field('dimensions').textContent())!, /751 × 563/);
  assert.match((await field('date').textContent())!, /14 Apr 2019, 13:46/);
  assert.match((await field('date-source').textContent())!, /from the camera \(EXIF\)/);
  assert.match((await field('camera').textContent())!, /Apple iPhone 6/);
  assert.match((await field('lens').textContent())!, /iPhone 6 back camera 4\.15mm f\/2\.2/);
  assert.equal(
    (await field('exposure').textContent())?.trim(),
    'f/2.2 · 1/1799 s · ISO 32 · 4.2 mm',
  );
  assert.match((await field('gps').textContent())!, /50\.87\d+° N, 4\.69\d+° E/);
  const map = new URL((await info.getByTestId('map-link').getAttribute('href'))!);
  assert.equal(map.origin, 'https://www.openstreetmap.org');
  assert.ok(Math.abs(Number(map.searchParams.get('mlat')) - (50 + 52 / 60 + 17.5 / 3600)) < 1e-4);
  assert.equal(await info.getByTestId('map-link').getAttribute('target'), '_blank');
  await browser.screenshot('viewer-04-info');

  // A photo that records no date: the file's date, and the panel says so.
  const undated = order.findIndex((photo) => photo.takenAt === null);
  assert.ok(undated >= 0);
  await page.keyboard.press('Home');
  for (let i = 0; i < undated; i++) await page.keyboard.press('ArrowRight');
  await page.getByTestId('viewer-name').getByText(order[undated]!.name).waitFor();
  await waitFor(
    async () => /the file’s date/.test((await field('date-source').textContent()) ?? ''),
    'the file date to be shown as such',
  );
});

test('the viewer is modal: Tab stays inside, Escape closes, focus returns to the tile', async () => {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    assert.equal(await focusedInside('viewer'), true, `focus inside after ${i + 1} tabs`);
  }
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusedInside('viewer'), true);
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('ArrowRight');
  const shown = Number(await viewer().getAttribute('data-index'));
  await page.keyboard.press('Escape');
  await viewer().waitFor({ state: 'hidden' });
  assert.equal(
    await grid().evaluate((element) => element === element.ownerDocument.activeElement),
    true,
  );
  assert.equal(Number(await page.locator('.tile.selected').getAttribute('data-index')), shown);
});

test('a photo whose file has gone says why instead of showing a broken image', async () => {
  await rm(path.join(photosDir, GONE));
  const index = order.findIndex((photo) => photo.name === GONE);
  await tile(index).dblclick();
  const missing = page.getByTestId('viewer-missing');
  await missing.waitFor();
  assert.match((await missing.textContent())!, /no longer at .*opencv-home\.jpg/);
  assert.equal(await viewer().locator('img').count(), 0);
  assert.equal(
    (await page.getByTestId('photo-info').locator('[data-field="size"]').textContent())?.trim(),
    'File not found',
  );
  await browser.screenshot('viewer-05-missing');
  await page.keyboard.press('Escape');
  assert.deepEqual(browser.problems, []);
});

test('when the server goes away the app says so at once, before any action fails', async () => {
  await session.stopServer();
  const banner = page.getByTestId('disconnected');
  await banner.getByText('Disconnected from Ferret').waitFor({ timeout: 15_000 });
  assert.match((await banner.textContent())!, /reconnecting/);
  await browser.screenshot('viewer-06-disconnected');
});

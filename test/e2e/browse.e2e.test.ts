import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Backend } from '../../src-main/engine/backend.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * Browsing a library by date in a browser against the real engine: the timeline's month (and,
 * zoomed in, day) headers, the scrubber's jumps, the thumbnail size; and acting on several
 * photos: picking them, Find similar to them with the real image encoder, copying their
 * paths, moving them to a trash folder the test controls.
 */

const PHOTOS = 40;
/** And one file that is not a photo at all, dated last, at the end of the grid. */
const BROKEN = 'broken.jpg';
const FILES = PHOTOS + 1;
/** Month i of the library's history; photos without a camera date fall back to their file's. */
const MONTHS = [
  '2021-03',
  '2021-01',
  '2020-11',
  '2020-07',
  '2020-02',
  '2019-09',
  '2019-04',
  '2018-12',
];

let photosDir: string;
/** The trash Move to trash uses here ($XDG_DATA_HOME/Trash, the freedesktop.org spec's). */
let trashHome: string;
let session: AppSession;
let backend: Backend;
let browser: Browser;
let page: Page;

before(async () => {
  session = await startAppSession('browse', {
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');

      const photos = await copyCorpusPhotos(photosDir, PHOTOS);
      // Spread over the months by their file's date, a few days apart within each.
      await Promise.all(
        photos.map((file, i) => {
          const month = MONTHS[i % MONTHS.length]!;
          const date = new Date(`${month}-${String(1 + (i % 3) * 9).padStart(2, '0')}T12:00:00Z`);
          return utimes(file, date, date);
        }),
      );
      const broken = path.join(photosDir, BROKEN);
      await writeFile(broken, 'this is not a JPEG');
      const oldest = new Date('2018-12-01T00:00:00Z');
      await utimes(broken, oldest, oldest);
      // The freedesktop.org trash under the home folder: this test's own.
      const home = path.join(dir, 'home');
      process.env.HOME = home;
      process.env.XDG_DATA_HOME = path.join(home, '.local', 'share');
      trashHome = process.env.XDG_DATA_HOME;
    },
  });
  ({ backend, browser, page } = session);
  await backend.handle('addFolder', { path: photosDir });
  await waitFor(
    async () => (await backend.handle('getStatus', {})).photos === FILES,
    'the photos to be catalogued',
    300_000,
  );
});

after(async () => {
  await session?.close();
});

const grid = () => page.getByRole('listbox', { name: 'All photos' });
const stickyHeader = () => page.getByTestId('timeline-header');
const MONTH_LABEL = new Intl.DateTimeFormat('en-US', {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const monthLabel = (month: string) => MONTH_LABEL.format(new Date(`${month}-01T00:00:00Z`));

/** The sections whose headers the grid renders now, top to bottom. */
async function renderedSections(): Promise<string[]> {
  return grid()
    .locator('[data-section]')
    .evaluateAll((headers) =>
      headers
        .map((header) => ({
          key: header.getAttribute('data-section')!,
          top: header.getBoundingClientRect().top,
        }))
        .sort((a, b) => a.top - b.top)
        .map((header) => header.key),
    );
}

/** The index of the first tile whose top is in view below the sticky header. */
async function firstTileInView(): Promise<number> {
  return grid().evaluate((viewport) => {
    const top = viewport.getBoundingClientRect().top;
    const tiles = [...viewport.querySelectorAll('.tile')].filter(
      (tile) => tile.getBoundingClientRect().top >= top + 30,
    );
    return Math.min(...tiles.map((tile) => Number(tile.getAttribute('data-index'))));
  });
}

async function tileWidth(): Promise<number> {
  return page
    .locator('.tile')
    .first()
    .evaluate((tile) => tile.getBoundingClientRect().width);
}

test('the timeline: a header per month, newest first, the current one held at the top', async () => {
  const months = await backend.handle('listMonths', {});
  assert.ok(months.length >= MONTHS.length, `${months.length} months`);
  await page.goto(session.server.url);
  await grid().waitFor();
  await waitFor(
    async () => ((await stickyHeader().textContent()) ?? '').includes(monthLabel(months[0]!.month)),
    'the newest month at the top',
    30_000,
  );
  // Scrolled from top to bottom, the headers come in the engine's order, each once.
  const seen: string[] = [];
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  for (let step = 0; step < 100; step++) {
    for (const key of await renderedSections()) if (!seen.includes(key)) seen.push(key);
    const atEnd = await grid().evaluate((viewport) => {
      const before = viewport.scrollTop;
      viewport.scrollTop += viewport.clientHeight / 2;
      return viewport.scrollTop === before;
    });
    await page.waitForTimeout(50);
    if (atEnd) break;
  }
  assert.deepEqual(
    seen,
    months.map((month) => month.month),
  );
  // The header in view says the month and how many photos it holds.
  const header = grid().locator(`[data-section="${months[1]!.month}"]`);
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  await header.waitFor();
  assert.ok(((await header.textContent()) ?? '').trim().startsWith(monthLabel(months[1]!.month)));
  assert.equal(await header.locator('.section-count').textContent(), String(months[1]!.photos));
  await browser.screenshot('browse-01-timeline');
});

test('the scrubber shows the years and jumps to a year or a month', async () => {
  const months = await backend.handle('listMonths', {});
  const scrubber = page.getByTestId('scrubber');
  const years = [...new Set(months.map((month) => month.month.slice(0, 4)))];
  assert.deepEqual(
    (await scrubber.locator('.mark.year').allTextContents()).map((text) => text.trim()),
    years,
  );
  const startOf = (month: string) => {
    let start = 0;
    for (const entry of months) {
      if (entry.month === month) return start;
      start += entry.photos;
    }
    throw new Error(`no ${month}`);
  };

  await scrubber.hover();
  await browser.screenshot('browse-02-scrubber');
  await scrubber.locator('[data-mark="2020-07"]').click();
  await waitFor(
    async () => ((await stickyHeader().textContent()) ?? '').includes('July 2020'),
    'the jump to July 2020',
    10_000,
  );
  assert.equal(await firstTileInView(), startOf('2020-07'));
  await browser.screenshot('browse-03-jumped-to-month');

  // A year goes to its newest month.
  const year = years[1]!;
  await scrubber.locator(`[data-mark="${year}"]`).click();
  const newestOfYear = months.find((month) => month.month.startsWith(year))!.month;
  await waitFor(
    async () => ((await stickyHeader().textContent()) ?? '').includes(monthLabel(newestOfYear)),
    `the jump to ${year}`,
    10_000,
  );
  assert.equal(await firstTileInView(), startOf(newestOfYear));

  // The oldest year is at the end: the grid scrolls as far as it goes, its header in view.
  const oldest = years.at(-1)!;
  await scrubber.locator(`[data-mark="${oldest}"]`).click();
  const oldestMonth = months.find((month) => month.month.startsWith(oldest))!.month;
  await waitFor(
    () =>
      grid().evaluate(
        (viewport) => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 1,
      ),
    'the jump to the end',
    10_000,
  );
  assert.ok((await renderedSections()).includes(oldestMonth));
});

test('dragging along the scrubber scrolls through the months as it goes, naming each', async () => {
  const months = (await backend.handle('listMonths', {})).map((entry) => entry.month);
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  const scrubber = page.getByTestId('scrubber');
  const box = (await scrubber.boundingBox())!;
  const x = box.x + box.width / 2;
  // The page's next frame: what a scroll changes is on screen by then.
  const nextFrame = () =>
    page.evaluate('new Promise((resolve) => requestAnimationFrame(() => resolve(null)))');
  const scrollTop = () => grid().evaluate((viewport) => viewport.scrollTop);

  await page.mouse.move(x, box.y + 2);
  await page.mouse.down();
  const tops: number[] = [];
  const seen: string[] = [];
  const STEPS = 12;
  for (let step = 1; step <= STEPS; step++) {
    await page.mouse.move(x, box.y + (box.height * step) / STEPS - 1, { steps: 2 });
    await nextFrame();
    tops.push(await scrollTop());
    const header = (await stickyHeader().textContent()) ?? '';
    const month = months.find((key) => header.includes(monthLabel(key)));
    if (month && seen.at(-1) !== month) seen.push(month);
    if (step === STEPS / 2) {
      // While dragging, the month under the pointer is named beside it.
      const label = (await page.getByTestId('scrub-label').textContent()) ?? '';
      assert.ok(
        months.some((key) => label.includes(monthLabel(key))),
        `"${label}" names a month`,
      );
      await browser.screenshot('browse-03b-scrubber-drag');
    }
  }
  await page.mouse.up();
  await page.getByTestId('scrub-label').waitFor({ state: 'hidden' });

  // The grid followed the pointer down, through the months in their order, to the end.
  for (let i = 1; i < tops.length; i++) assert.ok(tops[i]! >= tops[i - 1]!, `${tops}`);
  assert.ok(tops[0]! > 0 || tops[1]! > 0, 'it moved at once');
  assert.ok(
    await grid().evaluate(
      (viewport) => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 1,
    ),
    'at the end',
  );
  assert.ok(seen.length >= 3, `months passed: ${seen}`);
  assert.deepEqual(
    seen,
    months.filter((month) => seen.includes(month)),
    'newest first, as the grid orders them',
  );
});

test('thumbnail size: Ctrl + and − and the control; zoomed in, the timeline shows days', async () => {
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  await grid().focus();
  const normal = await tileWidth();
  await page.keyboard.press('Control+Equal');
  await page.keyboard.press('Control+Equal');
  await waitFor(async () => (await tileWidth()) > normal * 1.3, 'larger tiles', 10_000);
  // Zoomed in, each day has its header.
  await waitFor(
    async () => (await renderedSections()).some((key) => key.length === 10),
    'day headers',
    10_000,
  );
  assert.match((await stickyHeader().textContent()) ?? '', /^\w{3}, \w+ \d{1,2}, \d{4}/);
  await browser.screenshot('browse-04-zoomed-in-days');

  for (let i = 0; i < 4; i++) await page.keyboard.press('Control+Minus');
  await waitFor(async () => (await tileWidth()) < normal * 0.8, 'smaller tiles', 10_000);
  assert.ok(
    (await renderedSections()).every((key) => key.length === 7),
    'months again',
  );
  const control = page.getByTestId('tile-size');
  assert.equal(await control.inputValue(), '0');
  await page.getByRole('button', { name: 'Larger thumbnails' }).click();
  assert.equal(await control.inputValue(), '1');
  const chosen = await tileWidth();
  await browser.screenshot('browse-05-small-tiles');
  // The size chosen is kept for next time.
  await page.reload();
  await grid().waitFor();
  await waitFor(
    async () => (await page.locator('.tile').count()) > 0 && (await tileWidth()) === chosen,
    'the size kept',
    10_000,
  );
  assert.deepEqual(browser.problems, []);
});

const selectionBar = () => page.getByTestId('selection-bar');
const tile = (index: number) => page.locator(`.tile[data-index="${index}"]`);
const selectedCount = async () =>
  (await selectionBar().isVisible())
    ? ((await page.getByTestId('selection-count').textContent()) ?? '')
    : 'none';

test('multi-select: click, Ctrl-click, Shift-click, Ctrl+A and a rubber band', async () => {
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  await tile(0).click();
  assert.equal(await selectedCount(), 'none', 'a click selects one photo, no bar');
  await tile(2).click({ modifiers: ['Control'] });
  await waitFor(async () => (await selectedCount()) === '2 photos selected', 'two picked');
  await tile(5).click({ modifiers: ['Shift'] });
  // From the last photo clicked (2) to this one (5), added to what was picked (0).
  await waitFor(async () => (await selectedCount()) === '5 photos selected', 'a range');
  const picked = await page
    .locator('.tile[aria-selected="true"]')
    .evaluateAll((tiles) => tiles.map((tile) => Number(tile.getAttribute('data-index'))));
  assert.deepEqual(
    picked.sort((a, b) => a - b),
    [0, 2, 3, 4, 5],
  );
  await browser.screenshot('browse-06-selection');
  await tile(3).click({ modifiers: ['Control'] });
  await waitFor(async () => (await selectedCount()) === '4 photos selected', 'one unpicked');
  await page.keyboard.press('Escape');
  await waitFor(async () => (await selectedCount()) === 'none', 'Escape clears');

  await grid().focus();
  await page.keyboard.press('Control+a');
  await waitFor(
    async () => (await selectedCount()) === `${FILES} photos selected`,
    'every photo picked, loaded or not',
  );
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await waitFor(async () => (await selectedCount()) === 'none', 'cleared');

  // A band drawn from inside the first photo to inside the second picks both.
  const from = (await tile(0).boundingBox())!;
  const to = (await tile(1).boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
  await page.getByTestId('rubber-band').waitFor();
  await browser.screenshot('browse-07-rubber-band');
  await page.mouse.up();
  await waitFor(async () => (await selectedCount()) === '2 photos selected', 'the band');
  await page.keyboard.press('Escape');
});

test('Shift+arrow keys extend the selection from where it started, as in a file manager', async () => {
  await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
  const pickedIndices = () =>
    page
      .locator('.tile[aria-selected="true"]')
      .evaluateAll((tiles) =>
        tiles.map((tile) => Number(tile.getAttribute('data-index'))).sort((a, b) => a - b),
      );
  const focusedIndex = async () =>
    Number(await page.locator('.tile.selected').getAttribute('data-index'));
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);

  await tile(0).click();
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await waitFor(async () => (await selectedCount()) === '3 photos selected', 'three by Shift+→');
  assert.deepEqual(await pickedIndices(), [0, 1, 2]);
  // Back towards where it started, the range shrinks.
  await page.keyboard.press('Shift+ArrowLeft');
  await waitFor(async () => (await selectedCount()) === '2 photos selected', 'Shift+← shrinks');
  assert.deepEqual(await pickedIndices(), [0, 1]);
  // Down a row: every photo from the first to the one now focused.
  await page.keyboard.press('Shift+ArrowDown');
  const focused = await focusedIndex();
  assert.ok(focused > 1, `focused ${focused}`);
  await waitFor(
    async () => (await selectedCount()) === `${focused + 1} photos selected`,
    'Shift+↓ takes the rows between',
  );
  assert.deepEqual(await pickedIndices(), range(0, focused));
  await browser.screenshot('browse-06b-shift-arrows');

  // A bare arrow moves on and lets the range go, as a plain click does.
  await page.keyboard.press('ArrowRight');
  await waitFor(async () => (await selectedCount()) === 'none', 'a bare arrow clears');
  assert.equal(await focusedIndex(), focused + 1);
  // Shift+arrows now start from there.
  await page.keyboard.press('Shift+ArrowLeft');
  await waitFor(async () => (await selectedCount()) === '2 photos selected', 'a new range');
  assert.deepEqual(await pickedIndices(), [focused, focused + 1]);
  await page.keyboard.press('Escape');
  await waitFor(async () => (await selectedCount()) === 'none', 'Escape clears');
});

test('Find similar to the selection: the engine averages their vectors', async () => {
  await session.useModel('image-encoder');
  await waitFor(
    async () => (await backend.handle('getStatus', {})).embedded === PHOTOS,
    'the photos to be embedded',
    300_000,
  );
  // The mean of one photo's vector is that vector: the same neighbours as Find similar.
  const one = (await backend.handle('listPhotos', { offset: 0, limit: 2 })).items;
  const alone = await backend.handle('findSimilarToPhotos', {
    photoIds: [one[0]!.id],
    limit: 100,
    step: 0,
  });
  const similar = await backend.handle('findSimilar', {
    photoId: one[0]!.id,
    limit: 100,
    step: 0,
    order: 'relevance',
  });
  assert.deepEqual(
    alone.hits.map((hit) => hit.photo.id),
    similar.hits.map((hit) => hit.photo.id),
  );

  await page.reload();
  await grid().waitFor();
  await tile(0).click();
  await tile(1).click({ modifiers: ['Control'] });
  await waitFor(async () => (await selectedCount()) === '2 photos selected', 'two picked');
  const expected = await backend.handle('findSimilarToPhotos', {
    photoIds: one.map((photo) => photo.id),
    limit: 500,
    step: 0,
  });
  await selectionBar().getByRole('button', { name: 'Find similar' }).click();
  const header = page.getByTestId('results-header');
  await header.getByText('Similar to 2 selected photos').waitFor();
  // Two unrelated photos may have no common neighbour above the strictest threshold: the app
  // then says so, as the engine does.
  if (expected.hits.length === 0) {
    await page.getByTestId('results-empty').waitFor();
  } else {
    const results = page.getByRole('listbox', { name: 'Results' });
    await results.waitFor();
    const shown = await results
      .locator('.tile')
      .evaluateAll((tiles) => tiles.map((tile) => Number(tile.getAttribute('data-photo-id'))));
    assert.deepEqual(
      shown.slice(0, 5),
      expected.hits.slice(0, 5).map((hit) => hit.photo.id),
    );
    for (const photo of one) assert.ok(!shown.includes(photo.id), 'the selection is left out');
  }
  await browser.screenshot('browse-08-similar-to-selection');
  await header.getByRole('button', { name: 'Back' }).click();
  await grid().waitFor();
});

test('copy paths puts the selected files on the clipboard', async () => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  const two = (await backend.handle('listPhotos', { offset: 0, limit: 2 })).items;
  await tile(0).click();
  await tile(1).click({ modifiers: ['Control'] });
  await selectionBar().getByRole('button', { name: 'Copy paths' }).click();
  await page.getByText('Copied 2 paths').waitFor();
  const copied = await page.evaluate('navigator.clipboard.readText()');
  assert.equal(copied, two.map((photo) => photo.path).join('\n'));
  await page.keyboard.press('Escape');
});

test('Move to trash: asked once, the files land in the trash, the catalog drops them', async () => {
  const two = (await backend.handle('listPhotos', { offset: 0, limit: 2 })).items;
  const before = (await backend.handle('getStatus', {})).photos;
  await tile(0).click();
  await tile(1).click({ modifiers: ['Control'] });
  await selectionBar().getByRole('button', { name: 'Move to trash' }).click();
  const confirm = selectionBar().getByRole('button', { name: 'Move 2 photos to the trash?' });
  await confirm.waitFor();
  await browser.screenshot('browse-09-trash-confirm');
  // Nothing moves until the second click.
  for (const photo of two) assert.equal(existsSync(photo.path), true);
  const realPaths = await Promise.all(two.map((photo) => realpath(photo.path)));
  await confirm.click();
  await page.getByText('Moved 2 photos to the trash').waitFor();
  // Each file went with a .trashinfo that says where it came from, to restore it there.
  const infoDir = path.join(trashHome, 'Trash', 'info');
  const origins = await Promise.all(
    (await readdir(infoDir)).map(async (name) => {
      const info = await readFile(path.join(infoDir, name), 'utf8');
      return decodeURI(/^Path=(.*)$/m.exec(info)![1]!);
    }),
  );
  assert.deepEqual(origins.sort(), realPaths.sort());
  assert.equal((await readdir(path.join(trashHome, 'Trash', 'files'))).length, 2);
  for (const photo of two) assert.equal(existsSync(photo.path), false, `${photo.name} moved`);
  // The library drops them (the engine's trash call does, as the watcher would).
  await waitFor(
    async () => (await backend.handle('getStatus', {})).photos === before - 2,
    'the catalog to drop the trashed photos',
    60_000,
  );
  const count = page.getByTestId('nav-library').locator('.count');
  await waitFor(
    async () => (await count.textContent()) === String(before - 2),
    'the app to show it',
    30_000,
  );
  for (const photo of two)
    assert.equal(await page.locator(`.tile[data-photo-id="${photo.id}"]`).count(), 0);
  await browser.screenshot('browse-10-trashed');
  assert.deepEqual(browser.problems, []);
});

test('photos that could not be read: counted, listed with why, no thumbnail asked for', async () => {
  await page.getByTestId('nav-library').click();
  const [broken] = (await backend.handle('listUnreadablePhotos', {})).filter(
    (photo) => photo.name === BROKEN,
  );
  assert.ok(broken, 'the engine lists the broken file');
  const asked: string[] = [];
  page.on('request', (request) => {
    if (request.url().endsWith(`/media/thumbnail/${broken.id}`)) asked.push(request.url());
  });
  // Its tile comes and goes as the grid scrolls to the end and back, twice.
  for (let round = 0; round < 2; round++) {
    await grid().evaluate((viewport) => viewport.scrollTo(0, viewport.scrollHeight));
    await page.locator(`.tile[data-photo-id="${broken.id}"]`).waitFor();
    await grid().evaluate((viewport) => viewport.scrollTo(0, 0));
    await page.waitForTimeout(300);
  }
  assert.deepEqual(asked, [], 'no thumbnail is asked for a file that has none');

  await page.getByTestId('unreadable-open').getByText('1 photo could not be read').click();
  const list = page.getByTestId('unreadable-list');
  const entry = list.locator(`li[data-photo-id="${broken.id}"]`);
  await entry.waitFor();
  assert.match((await entry.textContent()) ?? '', new RegExp(BROKEN));
  assert.equal((await entry.locator('.reason').textContent())?.trim(), broken.error);
  assert.ok(broken.error && broken.error.length > 0, 'a reason');
  await browser.screenshot('browse-11-unreadable-list');
  await page.keyboard.press('Escape');
  await list.waitFor({ state: 'detached' });
});

test('a narrow window folds the sidebar away behind a button', async () => {
  await page.setViewportSize({ width: 800, height: 700 });
  const sidebar = page.getByTestId('sidebar');
  await waitFor(async () => !(await sidebar.isVisible()), 'the sidebar to fold away', 10_000);
  const gridBox = (await grid().boundingBox())!;
  assert.ok(gridBox.x < 40, `the grid takes the width (at ${gridBox.x})`);
  await browser.screenshot('browse-12-narrow');
  await page.getByTestId('sidebar-toggle').click();
  await sidebar.getByTestId('nav-library').waitFor();
  await browser.screenshot('browse-13-narrow-sidebar-open');
  await page.keyboard.press('Escape');
  await waitFor(async () => !(await sidebar.isVisible()), 'Escape to fold it again', 10_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await sidebar.getByTestId('nav-library').waitFor();
  assert.deepEqual(browser.problems, []);
});

import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Backend } from '../../src-main/engine/backend.js';
import { FORMATS_DIR } from '../helpers/corpus.js';
import { waitFor } from '../helpers/live.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * The filter bar, the sort menu and the sidebar's folders in a browser against the real
 * engine, on real photos whose camera and date are known (shared/formats/README.md).
 */

const HEICS = ['opencv-leuvenA.heic', 'opencv-ela_original.heic', 'mate-Storm.heic'];
const JPEGS = ['opencv-leuvenA.jpg', 'mate-Storm.jpg', 'opencv-butterfly.jpg'];

let session: AppSession;
let backend: Backend;
let browser: Browser;
let page: Page;
let heicDir: string;
let jpegDir: string;

before(async () => {
  session = await startAppSession('filters', {
    model: 'tiny-clip',
    prepare: async (dir) => {
      heicDir = path.join(dir, 'phone');
      jpegDir = path.join(dir, 'camera');
      await mkdir(heicDir);
      for (const name of HEICS) {
        await copyFile(path.join(FORMATS_DIR, 'heic', name), path.join(heicDir, name));
      }
      await copyNamedCorpusPhotos(jpegDir, JPEGS);
    },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: heicDir });
      await backend.handle('addFolder', { path: jpegDir });
    },
  });
  ({ backend, browser, page } = session);
  await waitFor(
    async () => {
      const status = await backend.handle('getStatus', {});
      return status.indexing.state === 'idle' && status.embedded === HEICS.length + JPEGS.length;
    },
    'indexing to finish',
    300_000,
  );
});

after(async () => {
  await session?.close();
});

/** The names of the tiles in the grid, in grid order. */
function tileNames(): Promise<string[]> {
  return page
    .locator('.tile[data-name]')
    .evaluateAll((tiles) =>
      tiles
        .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
        .map((tile) => tile.getAttribute('data-name')!),
    );
}

async function gridShows(names: string[], what: string): Promise<void> {
  const wanted = [...names].sort().join(', ');
  await waitFor(
    async () => (await tileNames()).sort().join(', ') === wanted,
    `${what}: ${wanted}`,
    60_000,
  );
}

async function chooseFilter(fields: Record<string, string>): Promise<void> {
  await page.getByTestId('add-filter').click();
  const panel = page.getByTestId('filter-panel');
  await panel.waitFor();
  for (const [field, value] of Object.entries(fields)) {
    const control = panel.getByTestId(`filter-${field}`);
    if (field === 'from' || field === 'to') {
      await control.fill(value);
    } else {
      // The cameras are asked for when the panel opens.
      await control.locator(`option[value="${value}"]`).waitFor({ state: 'attached' });
      await control.selectOption(value);
    }
  }
  await panel.getByTestId('apply-filter').click();
}

test('a type filter shows as a chip, narrows the grid, and goes with its chip', async () => {
  await session.page.goto(session.server.url);
  await gridShows([...HEICS, ...JPEGS], 'the whole library');
  await chooseFilter({ type: 'heic' });
  const chip = page.getByTestId('filter-chip');
  await chip.getByText('HEIC').waitFor();
  await gridShows(HEICS, 'the HEIC photos');
  await browser.screenshot('10-filter-type-chip');

  await page.getByTestId('sort-order').selectOption('oldest');
  await waitFor(async () => (await tileNames())[0] === 'mate-Storm.heic', 'the 2008 photo first');
  await page.getByTestId('sort-order').selectOption('newest');
  await waitFor(
    async () => (await tileNames()).at(-1) === 'mate-Storm.heic',
    'the 2008 photo last',
  );

  await chip.getByRole('button', { name: 'Remove filter HEIC' }).click();
  await gridShows([...HEICS, ...JPEGS], 'the whole library again');
  assert.equal(await page.getByTestId('filter-chip').count(), 0);
});

test('clicking a folder in the sidebar filters to it, and a search keeps the filter', async () => {
  await page
    .getByTestId('folder-list')
    .getByRole('button', { name: `Show only the photos in ${jpegDir}` })
    .click();
  await page.getByTestId('filter-chip').getByText('In camera').waitFor();
  await gridShows(JPEGS, 'the camera folder');

  // The random-weight test model matches every photo: the filter alone decides what is found.
  await page.keyboard.press('/');
  await page.keyboard.type('a photo');
  // The order picked while browsing (newest, in the test before) stays; ask for the best first.
  await page.getByTestId('results-header').waitFor();
  await page.getByTestId('sort-order').selectOption('relevance');
  await page
    .getByTestId('results-header')
    .getByText(/matches, best first/)
    .waitFor();
  await gridShows(JPEGS, 'search results inside the folder');
  await browser.screenshot('11-search-in-folder');
  await page.getByTestId('sort-order').selectOption('oldest');
  await page
    .getByTestId('results-header')
    .getByText(/matches, oldest first/)
    .waitFor();
  await waitFor(async () => (await tileNames())[0] === 'mate-Storm.jpg', 'the 2008 photo first');
  await page.keyboard.press('Escape');
  await page.getByTestId('nav-library').click();
});

test('filters that leave nothing, and a backwards date range, are said in words', async () => {
  await chooseFilter({ camera: 'Apple iPhone 6', type: 'heic' });
  const empty = page.getByTestId('filter-empty');
  await empty.getByText('No photos match these filters').waitFor();
  await empty.getByText('No photo passes all of these filters together.').waitFor();
  await browser.screenshot('12-filter-empty');

  await chooseFilter({ from: '2020', to: '2019' });
  const error = page.getByTestId('filter-error');
  await error.getByText('the dates are the wrong way round: from 2020 is after to 2019').waitFor();
  await browser.screenshot('13-filter-backwards-dates');
  // Refused: the filter in force is still the one before.
  assert.equal(await page.getByTestId('filter-chip').count(), 3);
  await page.getByTestId('filter-panel').getByRole('button', { name: 'Cancel' }).click();

  const chips = page.getByTestId('filter-chip');
  for (let left = await chips.count(); left > 0; left--) {
    await chips.first().getByRole('button').click();
    await waitFor(async () => (await chips.count()) === left - 1, `${left - 1} chips left`);
  }
  await gridShows([...HEICS, ...JPEGS], 'the whole library once the chips are gone');
});

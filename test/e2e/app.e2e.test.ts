import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Backend } from '../../src-main/engine/backend.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';
import { waitFor } from '../helpers/live.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * The whole app in a browser against the real engine: `ferret serve`'s server, the built
 * renderer, a real library on disk, the tiny random-weights CLIP model, headless Chromium.
 */

const INDEXING_TIMEOUT_MS = 300_000;

let modelDir: string;
let photosDir: string;
let photoCount: number;
let original: string;
let copy: string;
let session: AppSession;
let backend: Backend;
let server: RunningServer;
let browser: Browser;
let page: Page;

before(async () => {
  // No model yet: the first-run screen gets it from a folder, as a user would.
  session = await startAppSession('app', {
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      const photos = await copyCorpusPhotos(photosDir, Infinity);
      // The photo to look for, and a byte-for-byte copy of it that must come back first.
      original = path.basename(photos.find((file) => /\.jpe?g$/i.test(file))!);
      copy = `copy-of-${original}`;
      await copyFile(path.join(photosDir, original), path.join(photosDir, copy));
      photoCount = photos.length + 1;
    },
  });
  ({ backend, server, browser, page } = session);
  modelDir = await session.modelDir('tiny-clip');
});

after(async () => {
  await session?.close();
});

/** Scrolls the virtualised grid until the tile of `name` is in the DOM; returns its locator. */
async function revealTile(name: string) {
  const tile = page.locator(`.tile[data-name="${name}"]`);
  const grid = page.getByRole('listbox');
  await grid.evaluate((element) => (element.scrollTop = 0));
  for (let step = 0; step < 200 && (await tile.count()) === 0; step++) {
    const atEnd = await grid.evaluate((element) => {
      const before = element.scrollTop;
      element.scrollTop += element.clientHeight;
      return element.scrollTop === before;
    });
    await page.waitForTimeout(100);
    if (atEnd) break;
  }
  await tile.scrollIntoViewIfNeeded();
  return tile;
}

async function gridScores(): Promise<number[]> {
  return page
    .locator('.tile[data-score]')
    .evaluateAll((tiles) =>
      tiles
        .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
        .map((tile) => Number(tile.getAttribute('data-score'))),
    );
}

test('first run: the token URL opens the app, which asks for a folder and the model', async () => {
  await page.goto(server.url);
  assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');
  await page.getByTestId('onboarding').waitFor();
  await page.getByText('No photos yet — add a folder').waitFor();
  const step = page.getByTestId('step-model');
  await step.getByText('No model yet — download it or choose a folder').waitFor();
  // The app's own words and buttons, not the CLI's commands.
  const problem = (await step.getByTestId('model-problem').textContent()) ?? '';
  assert.match(problem, /^Search needs the CLIP model, which is not on this computer yet\./);
  assert.doesNotMatch((await step.textContent()) ?? '', /ferret models|--model-dir/);
  await step.getByRole('button', { name: /^Download \(\d+ MB\)$/ }).waitFor();
  await page.getByTestId('model-status').getByText('No model').waitFor();
  assert.equal(await page.getByRole('textbox', { name: /search/i }).isDisabled(), true);
  await browser.screenshot('01-first-run');
});

test('first run: pointing at a folder that holds the model makes search ready', async () => {
  const form = page.getByTestId('model-folder');
  await form.getByRole('textbox').fill(photosDir);
  await form.getByRole('button', { name: 'Use folder' }).click();
  // A folder without a model is refused with the reason; nothing changes.
  await page.getByText(`no model in ${photosDir}`).waitFor();
  assert.equal((await backend.handle('getStatus', {})).model.present, false);

  await form.getByRole('textbox').fill(modelDir);
  await form.getByRole('button', { name: 'Use folder' }).click();
  const step = page.getByTestId('step-model');
  await step.getByText('Model ready').waitFor();
  const status = await backend.handle('getStatus', {});
  assert.equal(status.model.present, true);
  assert.equal(status.model.problem, null);
  assert.equal(await page.getByRole('textbox', { name: /search/i }).isDisabled(), false);
  await browser.screenshot('01b-model-ready');
});

test('add the folder through the UI and wait for indexing to finish', async () => {
  const form = page.getByTestId('onboarding-add-folder');
  await form.getByRole('textbox').fill(photosDir);
  await form.getByRole('button', { name: 'Add folder' }).click();

  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
  await page
    .getByTestId('folder-list')
    .getByText(path.basename(photosDir), { exact: true })
    .waitFor();
  const indexing = page.getByTestId('indexing');

  // Pause while it runs: the queue stays as it is until resumed.
  await indexing.getByRole('button', { name: 'Pause indexing' }).click();
  await indexing.getByText('Indexing paused').waitFor();
  assert.equal(await indexing.getAttribute('data-state'), 'paused');
  const processed = async () => {
    const status = await backend.handle('getStatus', {});
    return status.indexed + status.errors;
  };
  // The batch in hand when the pause came may still land; after that nothing moves.
  let whilePaused = -1;
  await waitFor(
    async () => {
      const before = await processed();
      await page.waitForTimeout(1000);
      whilePaused = await processed();
      return whilePaused === before;
    },
    'indexing to stand still',
    30_000,
  );
  assert.ok(whilePaused < photoCount, `paused with ${whilePaused} of ${photoCount} done`);
  assert.equal((await backend.handle('getStatus', {})).indexing.state, 'paused');
  await browser.screenshot('02a-indexing-paused');
  await indexing.getByRole('button', { name: 'Resume indexing' }).click();

  const libraryCount = page.getByTestId('nav-library').locator('.count');
  await waitFor(
    async () =>
      (await indexing.getAttribute('data-state')) === 'idle' &&
      (await libraryCount.textContent())?.replace(/\D/g, '') === String(photoCount),
    'indexing to finish',
    INDEXING_TIMEOUT_MS,
  );
  const status = await backend.handle('getStatus', {});
  assert.equal(status.photos, photoCount);
  assert.equal(status.indexed + status.errors, photoCount);
  assert.ok(status.embedded >= status.indexed - status.errors, 'indexed photos have vectors');
  await indexing.getByText(`${status.indexed.toLocaleString('en-US')} photos indexed`).waitFor();

  // Thumbnails are on screen, and only the rows in view are in the DOM.
  await waitFor(
    () =>
      page
        .locator('.tile img')
        .evaluateAll((images) => images.some((image) => image.complete && image.naturalWidth > 0)),
    'thumbnails to show',
    30_000,
  );
  const tilesInDom = await page.locator('.tile').count();
  assert.ok(tilesInDom > 0 && tilesInDom < photoCount, `${tilesInDom} tiles rendered`);
  await browser.screenshot('02-library');
});

test('search by text shows results ranked by score', async () => {
  await page.keyboard.press('/');
  await page.keyboard.type('a photo of a dog on the grass');
  const header = page.getByTestId('results-header');
  await header.getByText('“a photo of a dog on the grass”').waitFor();
  await header.getByText(/matches, best first/).waitFor();
  await page.locator('.tile[data-score] .score').first().waitFor();
  const scores = await gridScores();
  assert.ok(scores.length > 0);
  for (let i = 1; i < scores.length; i++) {
    assert.ok(scores[i - 1]! >= scores[i]!, `scores descend: ${scores.join(', ')}`);
  }
  const firstScore = await page.locator('.tile[data-index="0"] .score').textContent();
  assert.equal(firstScore, scores[0]!.toFixed(3));
  await browser.screenshot('03-search');

  await page.keyboard.press('Escape');
  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
  assert.equal(await page.getByRole('textbox', { name: /search/i }).inputValue(), '');
});

test('a query longer than the engine reads is held at the limit, never a raw error', async () => {
  const box = page.getByRole('textbox', { name: /search/i });
  await box.fill('a dog on the grass '.repeat(70));
  assert.equal((await box.inputValue()).length, 1000);
  await page.getByTestId('query-limit').getByText('Searches read up to 1,000 characters').waitFor();
  await box.press('Enter');
  await page.locator('.tile[data-score]').first().waitFor();
  assert.equal(await page.getByTestId('results-error').count(), 0);
  assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /Too big|searchText:/);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
});

test('right-click → Find similar: the exact copy ranks first, the query photo pinned on top', async () => {
  const tile = await revealTile(original);
  const originalId = Number(await tile.getAttribute('data-photo-id'));
  await tile.click({ button: 'right' });
  const menu = page.getByTestId('context-menu');
  await menu.waitFor();
  await browser.screenshot('04-context-menu');
  await menu.getByRole('menuitem', { name: 'Find similar' }).click();

  const pinned = page.getByTestId('pinned-query');
  await pinned.waitFor();
  assert.equal(Number(await pinned.getAttribute('data-photo-id')), originalId);
  await pinned.getByText(original).waitFor();
  const first = page.locator('.tile[data-index="0"]');
  await waitFor(
    async () => (await first.getAttribute('data-name')) === copy,
    'the copy to rank first',
    30_000,
  );
  assert.ok(Number(await first.getAttribute('data-score')) > 0.99, 'an exact copy is a match');
  const scores = await gridScores();
  assert.ok(scores.every((score, i) => i === 0 || scores[i - 1]! >= score));
  await browser.screenshot('05-find-similar');
});

test('keyboard: arrows move the selection, Enter finds similar, Escape goes back', async () => {
  await page.keyboard.press('Escape');
  const grid = page.getByRole('listbox', { name: 'All photos' });
  await grid.waitFor();
  await grid.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const selected = page.locator('.tile.selected');
  assert.equal(await selected.getAttribute('data-index'), '1');
  const selectedId = await selected.getAttribute('data-photo-id');
  await page.keyboard.press('Enter');
  const pinned = page.getByTestId('pinned-query');
  await waitFor(
    async () => (await pinned.getAttribute('data-photo-id')) === selectedId,
    'the selected photo to be pinned',
    30_000,
  );
  await page.keyboard.press('Escape');
  await grid.waitFor();
});

test('Find similar from a search keeps the query; Back and the browser’s Back return to it', async () => {
  const box = page.getByRole('textbox', { name: /search/i });
  const header = page.getByTestId('results-header');
  const query = 'a red car at night';
  await page.keyboard.press('/');
  await page.keyboard.type(query);
  await header.getByText(`“${query}”`).waitFor();
  const findSimilarToFirst = async () => {
    await page.locator('.tile[data-index="0"]').click({ button: 'right' });
    await page.getByTestId('context-menu').getByRole('menuitem', { name: 'Find similar' }).click();
    await page.getByTestId('pinned-query').waitFor();
  };
  await findSimilarToFirst();
  assert.equal(await box.inputValue(), query, 'the query stays in the box');
  await browser.screenshot('12-similar-from-search');

  await header.getByRole('button', { name: 'Back' }).click();
  await header.getByText(`“${query}”`).waitFor();
  assert.equal(await box.inputValue(), query);

  // The browser's Back and Forward walk the same steps, and never leave the app.
  await findSimilarToFirst();
  await page.goBack();
  await header.getByText(`“${query}”`).waitFor();
  await page.goBack();
  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
  assert.equal(await box.inputValue(), '');
  assert.equal(new URL(page.url()).origin, new URL(server.url).origin);
  await page.goForward();
  await header.getByText(`“${query}”`).waitFor();
  assert.equal(await box.inputValue(), query);
  await page.getByTestId('nav-library').click();
  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
});

test('settings: the model and the execution provider order', async () => {
  await page.getByTestId('open-settings').click();
  const settings = page.getByTestId('settings');
  await settings.waitFor();
  await settings.getByText('Running on cpu').waitFor();
  const order = () => settings.locator('.providers li .mono').allTextContents();
  const before = (await backend.handle('getSettings', {})).providers;
  assert.deepEqual((await order()).slice(0, before.length), before);
  assert.deepEqual([...(await order())].sort(), ['coreml', 'cpu', 'cuda', 'dml']);
  await browser.screenshot('06-settings');
  // Changing the order is settings.e2e.test.ts's; Done closes.
  await settings.getByRole('button', { name: 'Done' }).click();
  await settings.waitFor({ state: 'hidden' });
});

test('settings: choosing another bundled model selects it, and offers its download', async () => {
  await page.getByTestId('open-settings').click();
  const settings = page.getByTestId('settings');
  const choices = settings.getByTestId('bundled-models');
  // The test model's folder is in use, which is none of the bundled models: the dialog says
  // that picking one uses it instead.
  await settings.getByTestId('model-folder-in-use').getByText(modelDir).waitFor();
  const fp32 = choices.getByRole('radio', { name: /^OpenAI CLIP ViT-B\/32 608 MB$/ });
  assert.equal(await fp32.isChecked(), false);
  await choices.getByRole('radio', { name: /int8/ }).check();
  await settings.getByRole('button', { name: 'Download (156 MB)' }).waitFor();
  assert.equal((await backend.handle('getStatus', {})).model.id, 'clip-vit-b-32-int8');
  await browser.screenshot('07-settings-int8');

  // Back to the test model's folder: its vectors were kept, so nothing is embedded again.
  const form = settings.getByTestId('model-folder');
  await form.getByRole('textbox').fill(modelDir);
  await form.getByRole('button', { name: 'Use folder' }).click();
  await settings.getByTestId('settings-model-folder').waitFor();
  const status = await backend.handle('getStatus', {});
  assert.equal(status.model.present, true);
  assert.equal(status.embedded, photoCount);
  await settings.getByRole('button', { name: 'Done' }).click();
  await settings.waitFor({ state: 'hidden' });
});

test('removing the folder (confirmed) empties the library', async () => {
  const row = page.getByTestId('folder-list').locator('li');
  await row.hover();
  await row.getByRole('button', { name: `Remove ${photosDir}` }).click();
  await row.getByRole('button', { name: 'Remove', exact: true }).click();
  await page.getByTestId('onboarding').waitFor();
  const status = await backend.handle('getStatus', {});
  assert.equal(status.photos, 0);
  assert.deepEqual(status.folders, []);
  assert.deepEqual(browser.problems, []);
});

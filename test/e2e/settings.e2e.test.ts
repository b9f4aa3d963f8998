import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Backend } from '../../src-main/engine/backend.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';
import { tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * Settings in a browser against `ferret serve` started with `--model-dir`: every choice
 * applies as it is made, and what cannot be chosen says why (rough edge 12 of issue 12).
 */

const PHOTOS = 3;

let session: AppSession;
let backend: Backend;
let browser: Browser;
let page: Page;
let modelDir: string;

before(async () => {
  modelDir = await tinyModelDir();
  let photosDir = '';
  session = await startAppSession('settings', {
    startedWith: { modelDir },
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      await copyCorpusPhotos(photosDir, PHOTOS);
    },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: photosDir });
    },
  });
  ({ backend, browser, page } = session);
  await waitFor(
    async () => {
      const status = await backend.handle('getStatus', {});
      return status.indexing.state === 'idle' && status.embedded === PHOTOS;
    },
    'indexing to finish',
    300_000,
  );
  await page.goto(session.server.url);
  await page.getByRole('listbox', { name: 'All photos' }).waitFor();
});

after(async () => {
  await session?.close();
});

async function openSettings() {
  await page.getByTestId('open-settings').click();
  const settings = page.getByTestId('settings');
  await settings.waitFor();
  return settings;
}

async function closeSettings() {
  await page.keyboard.press('Escape');
  await page.getByTestId('settings').waitFor({ state: 'hidden' });
}

test('a model folder given at start that holds no model yet: Download is offered, another folder is not, and the dialog says why', async () => {
  // As `ferret serve --model-dir <an empty folder>` opens it: its own library and page.
  const given = await mkdtemp(path.join(os.tmpdir(), 'ferret-e2e-given-model-'));
  const empty = await startAppSession('settings-no-model', { startedWith: { modelDir: given } });
  try {
    await empty.page.goto(empty.server.url);
    await empty.page.getByTestId('open-settings').click();
    const settings = empty.page.getByTestId('settings');
    await settings.getByTestId('model-locked').getByText(given).waitFor();
    await settings.getByTestId('fetch-model').waitFor();
    // Neither here nor on the first-run screen behind: it would only be refused.
    assert.equal(await empty.page.getByTestId('model-folder').count(), 0);
    for (const radio of await settings.getByTestId('bundled-models').getByRole('radio').all()) {
      assert.equal(await radio.isDisabled(), true);
    }
    await empty.browser.screenshot('settings-00-given-folder-without-model');
    assert.deepEqual(empty.browser.problems, []);
  } finally {
    await empty.close();
    await rm(given, { recursive: true, force: true });
  }
});

test('a model folder given at start: picking a bundled model is refused, and the dialog says why', async () => {
  const settings = await openSettings();
  const locked = settings.getByTestId('model-locked');
  await locked.waitFor();
  const reason = (await locked.textContent()) ?? '';
  assert.match(reason, /started with the model folder/);
  assert.ok(reason.includes(modelDir), reason);
  assert.match(reason, /--model-dir/);
  // Each bundled model is there to read but cannot be picked; nor can another folder.
  const radios = settings.getByTestId('bundled-models').getByRole('radio');
  assert.ok((await radios.count()) > 1);
  for (const radio of await radios.all()) assert.equal(await radio.isDisabled(), true);
  assert.equal(await settings.getByTestId('settings-model-folder').count(), 0);
  await browser.screenshot('settings-01-model-folder-given');

  // Another door (the CLI, a script) is refused in the same words, and nothing changed.
  await assert.rejects(
    backend.handle('selectBundledModel', { id: 'clip-vit-b-32-int8' }),
    /start it without --model-dir/,
  );
  const status = await backend.handle('getStatus', {});
  assert.equal(status.model.present, true);
  assert.equal(status.embedded, PHOTOS);
  await closeSettings();
});

test('the provider order applies as it is changed, with no Save, and the last provider stays on with the reason', async () => {
  const settings = await openSettings();
  await settings.getByTestId('settings-rule').getByText('Changes apply as you make them').waitFor();
  assert.equal(await settings.getByRole('button', { name: 'Save' }).count(), 0);
  const before = (await backend.handle('getSettings', {})).providers;

  await settings.getByRole('button', { name: 'Move cpu up' }).click();
  const wanted = [...new Set(['cpu', ...before])];
  await waitFor(
    async () => (await backend.handle('getSettings', {})).providers.join() === wanted.join(),
    'the new order to be stored',
    120_000,
  );

  // Switching off every provider but the CPU (the one this machine has): the last one on
  // cannot be switched off, and the dialog says why.
  for (const name of wanted.filter((provider) => provider !== 'cpu')) {
    const box = settings.locator('.providers li', { hasText: name }).getByRole('checkbox');
    // Playwright waits for the box to be enabled: each change applies before the next.
    await box.uncheck();
  }
  await waitFor(
    async () => (await backend.handle('getSettings', {})).providers.length === 1,
    'one provider to be left',
    120_000,
  );
  const left = 'cpu';
  assert.deepEqual((await backend.handle('getSettings', {})).providers, [left]);
  await settings.getByTestId('last-provider-why').getByText('stays on').waitFor();
  const lastBox = settings.locator('.providers li', { hasText: left }).getByRole('checkbox');
  assert.equal(await lastBox.isChecked(), true);
  assert.equal(await lastBox.isDisabled(), true);
  await browser.screenshot('settings-02-last-provider');

  // Closed and opened again, the dialog shows what was stored; the model runs with it.
  await closeSettings();
  await page.keyboard.press('/');
  await page.keyboard.type('a red car');
  await page.locator('.tile[data-score]').first().waitFor();
  const reopened = await openSettings();
  await reopened.getByText(`Running on ${left}`).waitFor();
  const order = await reopened.locator('.providers li .mono').allTextContents();
  assert.equal(order[0], left);
  await closeSettings();
  assert.deepEqual(browser.problems, []);
});

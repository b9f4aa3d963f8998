import assert from 'node:assert/strict';
import { access, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Backend } from '../../src-main/engine/backend.js';
import type { Engine } from '../../src-main/engine/engine.js';
import { nearDuplicateCopies } from '../calibration/near-duplicates.js';
import { corpusDir } from '../helpers/corpus.js';
import { waitFor } from '../helpers/live.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';
import { startAppSession } from './app-session.js';
import type { AppSession } from './app-session.js';
import type { Browser } from './browser.js';

/**
 * The Duplicates view in a browser against the real engine and the real image encoder, on a
 * folder with a planted exact copy and near copies: the groups with their keeper, the others
 * ticked, the space they free, and "Move selected to trash" putting them in the trash (one
 * this test controls) while the originals and the unrelated photos stay.
 */

const ORIGINALS = ['opencv-apple.jpg', 'opencv-baboon.jpg', 'opencv-building.jpg'];
const EXACT_COPY = 'copies/apple (1).jpg';
const NEAR_COPIES = ['copies/baboon-small.jpg', 'copies/baboon-q40.jpg'];

let session: AppSession | undefined;
let photosDir: string;
let trashDir: string;
let engine: Engine;
let backend: Backend;
let browser: Browser;
let page: Page;

before(async () => {
  session = await startAppSession('duplicates', {
    model: 'image-encoder',
    prepare: async (dir) => {
      // The trash is the freedesktop.org one under the home folder: this test's own.
      const home = path.join(dir, 'home');
      process.env.HOME = home;
      process.env.XDG_DATA_HOME = path.join(home, '.local', 'share');
      trashDir = path.join(process.env.XDG_DATA_HOME, 'Trash');
      photosDir = path.join(dir, 'photos');
      await copyNamedCorpusPhotos(photosDir, ORIGINALS);
      await mkdir(path.join(photosDir, 'copies'));
      const corpus = await corpusDir();
      await copyFile(path.join(corpus, 'opencv-apple.jpg'), path.join(photosDir, EXACT_COPY));
      const copies = await nearDuplicateCopies(
        await readFile(path.join(corpus, 'opencv-baboon.jpg')),
      );
      await writeFile(path.join(photosDir, NEAR_COPIES[0]!), copies.resized);
      await writeFile(path.join(photosDir, NEAR_COPIES[1]!), copies['re-encoded']);
    },
    beforeBrowser: async (backend) => {
      await backend.handle('addFolder', { path: photosDir });
      await waitFor(
        async () => {
          const report = await backend.handle('listDuplicates', {});
          return report.groups.length === 2 && report.uncompared === 0;
        },
        'the copies to be grouped',
        180_000,
      );
    },
  });
  ({ engine, backend, browser, page } = session);
});

after(async () => {
  await session?.close();
});

const groups = () => page.getByTestId('duplicate-group');
const member = (name: string) =>
  page.getByTestId('duplicate-member').filter({ has: page.getByAltText(name, { exact: true }) });

test('the Duplicates view shows each group with its keeper and the others ticked', async () => {
  await page.goto(session!.server.url);
  await page.getByTestId('nav-duplicates').click();
  await page.getByTestId('duplicates-view').waitFor();
  await waitFor(async () => (await groups().count()) === 2, 'two groups', 30_000);
  const exact = groups().and(page.locator('[data-tier="exact"]'));
  const near = groups().and(page.locator('[data-tier="near"]'));
  assert.equal(await exact.getByTestId('duplicate-member').count(), 2);
  assert.equal(await near.getByTestId('duplicate-member').count(), 3);
  // The originals are the ones to keep (more pixels, a larger file), and are not ticked.
  for (const name of ['opencv-apple.jpg', 'opencv-baboon.jpg']) {
    assert.equal(await member(name).getAttribute('data-keeper'), 'true', name);
    assert.equal(await member(name).getByTestId('keeper-badge').isVisible(), true);
    assert.equal(await member(name).getByRole('checkbox').isChecked(), false, name);
  }
  for (const name of ['apple (1).jpg', 'baboon-small.jpg', 'baboon-q40.jpg']) {
    assert.equal(await member(name).getByRole('checkbox').isChecked(), true, name);
  }
  assert.equal(await member('opencv-building.jpg').count(), 0);
  // Thumbnails load (served by photo id through the same door as the grid's).
  await waitFor(
    async () =>
      page
        .getByTestId('duplicate-member')
        .locator('img')
        .evaluateAll((images) =>
          images.every((image) => Number(Reflect.get(image, 'naturalWidth')) > 0),
        ),
    'the thumbnails to load',
    30_000,
  );
  const summary = await page.getByTestId('duplicates-summary').innerText();
  assert.match(summary, /2 groups · .+ to free/);
  assert.match(await page.getByTestId('trash-selection').innerText(), /^3 selected · /);
  await browser.screenshot('duplicates');

  await page.getByTestId('tier-exact').click();
  await waitFor(async () => (await groups().count()) === 1, 'the exact copies only', 30_000);
  assert.equal(await groups().first().getAttribute('data-tier'), 'exact');
  await page.getByTestId('tier-near').click();
  await waitFor(
    async () =>
      (await groups().count()) === 1 &&
      (await groups().first().getAttribute('data-tier')) === 'near',
    'the near-duplicates only',
    30_000,
  );
  assert.deepEqual(browser.problems, []);
});

test('Move selected to trash asks first, then moves the copies to the trash', async () => {
  await page.getByRole('button', { name: 'All', exact: true }).click();
  await waitFor(async () => (await groups().count()) === 2, 'both groups again', 30_000);
  // Untick one copy: it stays.
  await member('baboon-q40.jpg').getByRole('checkbox').uncheck();
  assert.match(await page.getByTestId('trash-selection').innerText(), /^2 selected · /);
  await page.getByTestId('trash-selected').click();
  assert.match(
    await page.getByTestId('trash-confirm-text').innerText(),
    /Move 2 photos \(.+\) to the trash\?/,
  );
  await browser.screenshot('duplicates-confirm');
  await page.getByTestId('trash-confirm').click();
  await waitFor(async () => (await groups().count()) === 1, 'one group left', 60_000);
  await browser.screenshot('duplicates-after-trash');

  // Each file in the trash has its .trashinfo saying where it came from (what Restore reads).
  const infos = await readdir(path.join(trashDir, 'info'));
  const origins = await Promise.all(
    infos.map(async (info) => {
      const text = await readFile(path.join(trashDir, 'info', info), 'utf8');
      return decodeURI(/^Path=(.*)$/m.exec(text)![1]!);
    }),
  );
  assert.deepEqual(
    origins.sort(),
    [EXACT_COPY, NEAR_COPIES[0]!].map((name) => path.join(photosDir, name)).sort(),
  );
  for (const info of infos) {
    await access(path.join(trashDir, 'files', info.replace(/\.trashinfo$/, '')));
  }
  for (const name of [EXACT_COPY, NEAR_COPIES[0]!]) {
    await assert.rejects(access(path.join(photosDir, name)), name);
    assert.equal(engine.catalog.getPhotoByPath(path.join(photosDir, name)), undefined);
  }
  for (const name of [...ORIGINALS, NEAR_COPIES[1]!]) await access(path.join(photosDir, name));
  // What is left: the baboon with the copy that was kept.
  const left = await backend.handle('listDuplicates', {});
  assert.deepEqual(
    left.groups.map((group) => group.members.map((m) => path.relative(photosDir, m.photo.path))),
    [['opencv-baboon.jpg', NEAR_COPIES[1]]],
  );
  assert.deepEqual(browser.problems, []);
});

import assert from 'node:assert/strict';
import { link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { PhotoRow } from '../../src-main/engine/catalog/catalog.js';
import type { Backend } from '../../src-main/engine/backend.js';
import type { Engine } from '../../src-main/engine/engine.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';
import { waitFor } from '../helpers/live.js';
import { startAppSession } from '../e2e/app-session.js';
import type { AppSession } from '../e2e/app-session.js';
import { ARTIFACTS_DIR } from '../e2e/browser.js';
import type { Browser } from '../e2e/browser.js';

/**
 * A library of 100,000 photos in the browser: the grid must stay virtualised (a bounded number
 * of tiles in the DOM wherever it is scrolled), reach the last photo, and keep frames short.
 * Decoding 100,000 images would take hours, so a few real photos are indexed by the engine and
 * the rest are hard links to them in a real folder, catalogued directly with the metadata and
 * thumbnail of the photo they link to: on disk and in the catalog the library is the real thing.
 */

const PHOTOS = 100_000;
const SEEDS = 6;
const PER_SUBFOLDER = 1000;
/** Far more than a screenful (about 60 tiles here), far fewer than the library. */
const MAX_TILES = 300;
const MAX_ELEMENTS = 3000;
/** Generous: the point is that frames stay short, not to benchmark a loaded test machine. */
const MAX_MEDIAN_FRAME_MS = 100;

let photosDir: string;
let session: AppSession;
let engine: Engine;
let backend: Backend;
let server: RunningServer;
let browser: Browser;
let page: Page;

/** Adds `count` hard links to the seeds below `folder`, each catalogued as a copy of its seed. */
async function growLibrary(
  folderId: number,
  folder: string,
  seeds: PhotoRow[],
  count: number,
): Promise<void> {
  const links: { path: string; seed: PhotoRow }[] = [];
  for (let i = 0; i < count; i++) {
    const seed = seeds[i % seeds.length]!;
    const subfolder = path.join(
      folder,
      `batch-${String(Math.floor(i / PER_SUBFOLDER)).padStart(3, '0')}`,
    );
    links.push({
      path: path.join(subfolder, `${String(i).padStart(6, '0')}${path.extname(seed.path)}`),
      seed,
    });
  }
  for (let i = 0; i < links.length; i += PER_SUBFOLDER) {
    const batch = links.slice(i, i + PER_SUBFOLDER);
    await mkdir(path.dirname(batch[0]!.path), { recursive: true });
    await Promise.all(batch.map((entry) => link(entry.seed.path, entry.path)));
  }
  // A hard link shares its seed's size and mtime, so reconciling finds every row up to date.
  const base = Date.parse('2020-01-01T00:00:00Z');
  engine.catalog.transaction(() => {
    links.forEach(({ path: file, seed }, i) =>
      engine.catalog.upsertPhoto({
        path: file,
        folderId,
        size: seed.size,
        mtimeMs: seed.mtimeMs,
        contentHash: seed.contentHash,
        width: seed.width,
        height: seed.height,
        format: seed.format,
        takenAt: new Date(base - i * 60_000).toISOString(),
        status: 'indexed',
        lastError: null,
      }),
    );
  });
}

/** Resolves on the library's first report of being idle, which follows its start-up walk. */
function libraryStarted(timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the library did not start')), timeoutMs);
    const unsubscribe = backend.subscribe((event) => {
      if (event.type === 'indexing' && event.progress.state === 'idle') {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
  });
}

before(async () => {
  // No model: with one, every catalogued photo would be queued for its missing vector.
  session = await startAppSession('large', {
    prepare: async (dir) => {
      photosDir = path.join(dir, 'photos');
      await copyCorpusPhotos(photosDir, SEEDS);
    },
    beforeBackend: async (opened) => {
      engine = opened;
      const summary = await engine.indexFolder(photosDir);
      const seeds = engine.catalog
        .photosInFolder(summary.folder.id)
        .filter((photo) => photo.status === 'indexed' && photo.contentHash !== null);
      assert.ok(seeds.length > 0, 'some seed photos have thumbnails');
      const catalogued = engine.catalog.listPhotos(0, 1).total;
      await growLibrary(summary.folder.id, summary.folder.path, seeds, PHOTOS - catalogued);
      assert.equal(engine.catalog.listPhotos(0, 1).total, PHOTOS);
    },
    // Measured once the library has walked and reconciled its 100,000 files at start-up: the
    // UI is what this file tests, and the walk competes with the server for the disk meanwhile.
    beforeServer: (opened) => {
      backend = opened;
      return libraryStarted();
    },
  });
  ({ server, browser, page } = session);
});

after(async () => {
  await session?.close();
});

interface DomCount {
  tiles: number;
  elements: number;
}

async function domCount(): Promise<DomCount> {
  return { tiles: await page.locator('.tile').count(), elements: await page.locator('*').count() };
}

function assertBounded(count: DomCount, where: string): void {
  assert.ok(count.tiles > 0 && count.tiles <= MAX_TILES, `${count.tiles} tiles ${where}`);
  assert.ok(count.elements <= MAX_ELEMENTS, `${count.elements} elements ${where}`);
}

/** Every tile in view has its photo and a decoded thumbnail. */
async function tilesFilled(grid: Locator): Promise<boolean> {
  return grid.evaluate((viewport) => {
    const box = viewport.getBoundingClientRect();
    const visible = [...viewport.querySelectorAll('.tile')].filter((tile) => {
      const rect = tile.getBoundingClientRect();
      return rect.bottom > box.top && rect.top < box.bottom;
    });
    return (
      visible.length > 0 &&
      visible.every((tile) => {
        const image = tile.querySelector('img');
        return tile.hasAttribute('data-photo-id') && image?.complete && image.naturalWidth > 0;
      })
    );
  });
}

let total: number;

test('the library of 100,000 photos opens on the grid', async () => {
  await page.goto(server.url);
  const grid = page.getByRole('listbox', { name: 'All photos' });
  await grid.waitFor();
  total = (await backend.handle('getStatus', {})).photos;
  const count = page.getByTestId('nav-library').locator('.count');
  await waitFor(
    async () => (await count.textContent()) === total.toLocaleString('en-US'),
    'the library count',
    30_000,
  );
  await waitFor(() => tilesFilled(grid), 'thumbnails in view', 30_000);
  assertBounded(await domCount(), 'at the top');
  await browser.screenshot('10-large-library');
});

test('a fling keeps the DOM bounded, frames short and skips the thumbnails it passes', async () => {
  const grid = page.getByRole('listbox', { name: 'All photos' });
  // A fling: a screen-sized step every frame for a few hundred frames, measured in the page,
  // counting the tiles that came and went and the thumbnails they asked for.
  const run = await grid.evaluate(async (viewport) => {
    // The test's TypeScript has no DOM types: the page's globals, reached through the element.
    const window = viewport.ownerDocument.defaultView;
    const frames: number[] = [];
    const tilesSeen = new Set<string>();
    const withImage = new Set<string>();
    let maxTiles = 0;
    let last = performance.now();
    for (let frame = 0; frame < 300; frame++) {
      viewport.scrollTop += viewport.clientHeight;
      await new Promise((resolve) => window.requestAnimationFrame(resolve));
      const now = performance.now();
      frames.push(now - last);
      last = now;
      const tiles = [...viewport.querySelectorAll('.tile')];
      maxTiles = Math.max(maxTiles, tiles.length);
      for (const tile of tiles) {
        tilesSeen.add(tile.getAttribute('data-index'));
        if (tile.querySelector('img')) withImage.add(tile.getAttribute('data-index'));
      }
    }
    const firstIndex = Number(viewport.querySelector('.tile')?.getAttribute('data-index'));
    return {
      frames,
      maxTiles,
      firstIndex,
      elements: viewport.ownerDocument.querySelectorAll('*').length,
      tilesPassed: tilesSeen.size,
      thumbnailsAskedFor: withImage.size,
    };
  });
  const sorted = [...run.frames].sort((a, b) => a - b);
  const percentile = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  const timing = {
    frames: sorted.length,
    medianMs: percentile(0.5),
    p95Ms: percentile(0.95),
    maxMs: sorted.at(-1)!,
    maxTiles: run.maxTiles,
    tilesPassed: run.tilesPassed,
    thumbnailsAskedFor: run.thumbnailsAskedFor,
    elements: run.elements,
  };
  // Kept beside the screenshots: how the grid did on this machine.
  await writeFile(
    path.join(ARTIFACTS_DIR, 'large-library-scroll.json'),
    `${JSON.stringify(timing, null, 2)}\n`,
  );
  assert.ok(run.firstIndex > 1000, `the fling went deep (first tile ${run.firstIndex})`);
  assertBounded({ tiles: run.maxTiles, elements: run.elements }, 'while scrolling');
  assert.ok(
    timing.medianMs <= MAX_MEDIAN_FRAME_MS,
    `median frame ${timing.medianMs.toFixed(1)} ms (p95 ${timing.p95Ms.toFixed(1)} ms)`,
  );
  // Thousands of requests for tiles long gone would hold up the ones the fling stopped at.
  assert.ok(
    run.thumbnailsAskedFor <= run.tilesPassed / 4,
    `${run.thumbnailsAskedFor} thumbnails asked for by ${run.tilesPassed} tiles`,
  );
  await waitFor(() => tilesFilled(grid), 'thumbnails after the fling', 30_000);
});

test('End reaches the last photo; Home comes back to the first', async () => {
  const grid = page.getByRole('listbox', { name: 'All photos' });
  const [lastPhoto] = (await backend.handle('listPhotos', { offset: total - 1, limit: 1 })).items;
  await grid.focus();
  await page.keyboard.press('End');
  const last = page.locator(`.tile[data-index="${total - 1}"]`);
  await waitFor(
    async () => (await last.getAttribute('data-photo-id')) === String(lastPhoto!.id),
    'the last photo to show',
    30_000,
  );
  assert.match((await last.getAttribute('class')) ?? '', /\bselected\b/);
  const atBottom = await grid.evaluate(
    (viewport) => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 1,
  );
  assert.ok(atBottom, 'scrolled to the very end');
  await waitFor(() => tilesFilled(grid), 'thumbnails at the end', 30_000);
  assertBounded(await domCount(), 'at the end');
  await browser.screenshot('11-large-library-end');

  // The middle, as a dragged scrollbar would jump there.
  await grid.evaluate((viewport) => (viewport.scrollTop = viewport.scrollHeight / 2));
  await waitFor(() => tilesFilled(grid), 'the middle to fill', 30_000);
  const middle = Number(await page.locator('.tile').first().getAttribute('data-index'));
  assert.ok(Math.abs(middle - total / 2) < total / 100, `near the middle: ${middle}`);
  assertBounded(await domCount(), 'in the middle');

  await grid.focus();
  await page.keyboard.press('Home');
  await waitFor(
    async () => (await page.locator('.tile.selected').getAttribute('data-index')) === '0',
    'the first photo to be selected',
    30_000,
  );
  assert.equal(await grid.evaluate((viewport) => viewport.scrollTop), 0);
  assert.deepEqual(browser.problems, []);
});

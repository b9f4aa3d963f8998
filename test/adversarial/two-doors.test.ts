import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PhotoSummary, SearchResults } from '../../src-main/contract/api.js';
import { connectBackend } from '../../src-main/shell/engine-protocol.js';
import { builtShell, exited, forkEngineHost } from '../helpers/engine-host.js';
import { FERRET, ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Two doors on one library: one writer at a time (the others are told who holds it), readers
 * beside it, and afterwards a library that `ferret check` finds clean with every photo
 * searchable. Before the library lock, a watcher saved its index over the one a CLI `index`
 * wrote, and every photo that CLI had indexed dropped out of search.
 */
describe('two doors on one library', () => {
  let root: string;
  let args: string[];

  /** `ferret watch` in the background, resolved once it watches. */
  async function startWatch(): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
    const child = spawn(process.execPath, [FERRET, ...args, 'watch'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(() => /watching \d+ folders/.test(stderr), 'ferret watch to start');
    return { child, exited };
  }

  async function status(): Promise<{ photos: number; embedded: number; errors: number }> {
    const run = await ferret([...args, '--json', 'status']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  }

  async function assertCleanAndSearchable(photos: number): Promise<void> {
    const check = await ferret([...args, '--json', 'check']);
    assert.equal(check.code, 0, `ferret check: ${check.stdout}${check.stderr}`);
    // The report counts what status does: the catalog's photos and the model's vectors.
    const { consistent, photos: catalogued, vectors: embedded } = JSON.parse(check.stdout);
    assert.equal(consistent, true);
    assert.deepEqual({ catalogued, embedded }, { catalogued: photos, embedded: photos });
    const search = await ferret([...args, '--json', 'search', 'a photo', '-k', '100']);
    assert.equal((JSON.parse(search.stdout) as SearchResults).hits.length, photos);
  }

  before(async () => {
    root = await tempDir('two-doors');
    args = ['--library', path.join(root, 'library'), '--model-dir', await tinyModelDir()];
  });

  after(() => rm(root, { recursive: true, force: true }));

  test('a one-shot index beside a running watcher is refused, and nothing is lost', async () => {
    const watched = await copyCorpusPhotos(path.join(root, 'a'), 3);
    const other = path.join(root, 'b');
    const otherPhotos = await copyCorpusPhotos(other, 6);
    assert.equal((await ferret([...args, 'index', path.join(root, 'a')])).code, 0);

    const watch = await startWatch();
    const refused = await ferret([...args, 'index', other]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^ferret: Ferret is already using this library \\(pid ${watch.child.pid}, started `,
      ),
    );
    // Readers work beside the writer.
    assert.equal((await status()).photos, 3);
    // A watched photo changes; the watcher indexes it and saves its index on stop.
    await copyFile(otherPhotos[5]!, watched[0]!);
    watch.child.kill('SIGTERM');
    assert.equal(await watch.exited, 0);

    const indexed = await ferret([...args, 'index', other]);
    assert.equal(indexed.code, 0, indexed.stderr);
    await assertCleanAndSearchable(9);
  });

  test('two index runs at once: one indexes, the other is refused', async () => {
    const folder = path.join(root, 'c');
    const copied = await copyCorpusPhotos(folder, 12);
    const runs = await Promise.all([
      ferret([...args, '--json', 'index', folder]),
      ferret([...args, '--json', 'index', folder]),
    ]);
    const codes = runs.map((run) => run.code).sort();
    assert.deepEqual(codes, [0, 1], runs.map((run) => run.stderr).join('\n'));
    const winner = runs.find((run) => run.code === 0)!;
    const summary = JSON.parse(winner.stdout);
    assert.equal(summary.added + summary.unchanged, copied.length);
    const photos = (await status()).photos;
    await assertCleanAndSearchable(photos);
  });

  test('a lock left by a killed writer is taken over', async () => {
    const watch = await startWatch();
    watch.child.kill('SIGKILL');
    await watch.exited;
    const run = await ferret([...args, 'index', path.join(root, 'a')]);
    assert.equal(run.code, 0, run.stderr);
  });

  test("the desktop app's engine beside the CLI: one writer, readers beside it, nothing lost", async () => {
    const shellDir = await builtShell();
    const before = await status();
    const watched = await copyCorpusPhotos(path.join(root, 'd'), 4);
    const later = path.join(root, 'e');
    await copyCorpusPhotos(later, 5);

    // The app's engine host as Electron main runs it, on the same library and model.
    const app = forkEngineHost(shellDir, { FERRET_LIBRARY: path.join(root, 'library') });
    let appStderr = '';
    app.stderr!.on('data', (chunk: Buffer) => (appStderr += chunk.toString()));
    const appExited = exited(app);
    const backend = connectBackend(
      {
        postMessage: (message) => app.send(message as object),
        onMessage: (listener) => app.on('message', listener),
      },
      { openPath: async () => true, showInFolder: async () => true },
    );
    await backend.ready;
    await backend.handle('useModelFolder', { path: args[3]! });
    await backend.handle('addFolder', { path: path.join(root, 'd') });
    const indexed = async (photos: number) => {
      const now = await backend.handle('getStatus', {});
      return now.indexing.state === 'idle' && now.photos === photos && now.embedded === photos;
    };
    await waitFor(() => indexed(before.photos + 4), 'the app to index its new folder', 300_000);

    // A one-shot writer is refused with who holds the library; a reader works beside it.
    const refused = await ferret([...args, 'index', later]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`already using this library \\(pid ${app.pid}, `));
    const search = await ferret([...args, '--json', 'search', 'a photo', '-k', '100']);
    assert.equal(search.code, 0, search.stderr);
    assert.equal((JSON.parse(search.stdout) as SearchResults).hits.length, before.photos + 4);

    // A photo changes under the app's watcher (it takes the fourth's picture); the app
    // re-embeds it and saves its index on quit.
    const byPath = async () => {
      const page = await backend.handle('listPhotos', { offset: 0, limit: 1000 });
      return new Map(page.items.map((photo) => [photo.path, photo]));
    };
    const sizeOf = (photo: PhotoSummary | undefined) => `${photo?.width}x${photo?.height}`;
    const target = sizeOf((await byPath()).get(watched[3]!));
    assert.notEqual(sizeOf((await byPath()).get(watched[0]!)), target);
    await copyFile(watched[3]!, watched[0]!);
    await waitFor(
      async () =>
        sizeOf((await byPath()).get(watched[0]!)) === target && (await indexed(before.photos + 4)),
      'the app to index the changed photo',
      300_000,
    );
    await backend.shutdown();
    app.disconnect();
    assert.equal(await appExited, 0, appStderr);

    const cli = await ferret([...args, 'index', later]);
    assert.equal(cli.code, 0, cli.stderr);
    await assertCleanAndSearchable(before.photos + 4 + 5);
  });
});

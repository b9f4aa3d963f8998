import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SearchResults } from '../../src-main/contract/api.js';
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

  async function status(): Promise<{ photos: number; embedded: number }> {
    const run = await ferret([...args, '--json', 'status']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  }

  async function assertCleanAndSearchable(photos: number): Promise<void> {
    const check = await ferret([...args, '--json', 'check']);
    assert.equal(check.code, 0, `ferret check: ${check.stdout}${check.stderr}`);
    assert.equal(JSON.parse(check.stdout).consistent, true);
    const { photos: catalogued, embedded } = await status();
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
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Input that crashed, hung or blew up the CLI: every door must answer it with one line and
 * an exit status, within a bound on time and memory.
 */
describe('hostile CLI input', () => {
  let root: string;
  let library: string;
  let photos: string;
  let modelDir: string;
  const withModel = () => ['--library', library, '--model-dir', modelDir];

  before(async () => {
    [root, modelDir] = await Promise.all([tempDir('cli-input'), tinyModelDir()]);
    library = path.join(root, 'library');
    photos = path.join(root, 'photos');
    await copyCorpusPhotos(photos, 2);
    const indexed = await ferret([...withModel(), 'index', photos]);
    assert.equal(indexed.code, 0, indexed.stderr);
  });

  after(() => fs.rm(root, { recursive: true, force: true }));

  test('an over-long query is cut (or, past any argument, refused) with a message, not a crash', async () => {
    const huge = await ferret([...withModel(), 'search', 'a dog '.repeat(5000)]);
    assert.equal(huge.signal, null, 'the process crashed');
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /^ferret: an argument of 30000 characters is longer than any/);
    const long = await ferret([...withModel(), 'search', 'a dog '.repeat(250)]);
    assert.equal(long.code, 0, long.stderr);
    assert.match(
      long.stderr,
      /^The search text is 1499 characters long; its first 1000 are searched for\.\n/,
    );
  });

  test('a FIFO named like a photo is refused at once, not waited on', async () => {
    const fifo = path.join(root, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    const run = await ferret([...withModel(), 'similar', fifo], { timeoutMs: 30_000 });
    assert.equal(run.signal, null, 'similar hung on a FIFO');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /pipe\.jpg is not a regular file/);
  });

  test('a device file behind an image name is refused before anything is read', async () => {
    const zero = path.join(root, 'zero.jpg');
    await fs.symlink('/dev/zero', zero);
    const run = await ferret([...withModel(), 'similar', zero], { timeoutMs: 30_000 });
    assert.equal(run.signal, null, 'similar kept reading /dev/zero');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /zero\.jpg is not a regular file/);
  });

  test('--library naming a file is refused with one clear line', async () => {
    const file = path.join(root, 'not-a-folder');
    await fs.writeFile(file, 'x');
    for (const command of [['status'], ['index', photos]]) {
      const run = await ferret(['--library', file, ...command]);
      assert.equal(run.code, 1);
      assert.equal(run.stderr, `ferret: ${file} is a file, not a library folder (see --library)\n`);
    }
  });

  test('an empty folder path is refused instead of meaning the current folder', async () => {
    const cwd = path.join(root, 'cwd');
    await copyCorpusPhotos(cwd, 1);
    for (const args of [
      ['index', ''],
      ['folders', 'add', ''],
      ['similar', ''],
    ]) {
      const run = await ferret([...withModel(), ...args], { cwd });
      assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^ferret: the path is empty\n$/, args.join(' '));
    }
    const folders = await ferret([...withModel(), '--json', 'folders', 'list']);
    assert.deepEqual(
      JSON.parse(folders.stdout).map((folder: { path: string }) => folder.path),
      [await fs.realpath(photos)],
    );
  });
});

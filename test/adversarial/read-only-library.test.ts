import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SearchResults } from '../../src-main/contract/api.js';
import { fillDisk, run, unmount } from '../helpers/disk.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Opening a library to read it writes nothing: on a full disk and on a read-only mount,
 * status, search and check still answer. (Needs permission to mount a small tmpfs.)
 */
describe('reading a library that cannot be written', () => {
  let root: string;
  let library: string;
  let args: string[];
  let mounted = false;

  before(async () => {
    root = await tempDir('read-only');
    library = path.join(root, 'library');
    const refused =
      run('mkdir', [library]) ??
      run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'ferret-ro', library]);
    mounted = refused === null;
    if (!mounted) return;
    args = ['--library', library, '--model-dir', await tinyModelDir(), '--json'];
    await copyCorpusPhotos(path.join(root, 'photos'), 4);
    const indexed = await ferret([...args, 'index', path.join(root, 'photos')]);
    assert.equal(indexed.code, 0, indexed.stderr);
  });

  after(async () => {
    if (mounted) await unmount(library);
    await rm(root, { recursive: true, force: true });
  });

  async function assertReadable(where: string): Promise<void> {
    const status = await ferret([...args, 'status']);
    assert.equal(status.code, 0, `${where}: status: ${status.stdout}${status.stderr}`);
    assert.equal(JSON.parse(status.stdout).embedded, 4);
    const search = await ferret([...args, 'search', 'a photo', '-k', '10']);
    assert.equal(search.code, 0, `${where}: search: ${search.stdout}${search.stderr}`);
    assert.equal((JSON.parse(search.stdout) as SearchResults).hits.length, 4);
    const check = await ferret([...args, 'check']);
    assert.equal(check.code, 0, `${where}: check: ${check.stdout}${check.stderr}`);
  }

  test('on a full disk', async (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here');
    const filler = fillDisk(library);
    try {
      await assertReadable('full disk');
    } finally {
      await rm(filler);
    }
  });

  test('on a read-only mount', async (t) => {
    if (!mounted) return t.skip('cannot mount a tmpfs here');
    assert.equal(run('mount', ['-o', 'remount,ro', library]), null);
    try {
      await assertReadable('read-only');
    } finally {
      run('mount', ['-o', 'remount,rw', library]);
    }
  });
});

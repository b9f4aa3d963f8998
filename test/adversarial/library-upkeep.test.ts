import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { openSync, closeSync, writeSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Backend } from '../../src-main/engine/backend.js';
import { FERRET, ferret } from '../helpers/ferret-cli.js';
import { waitFor } from '../helpers/live.js';
import { tempDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/** What the library leaves behind and how it tells about itself: thumbnails, links, damage. */

let root: string;

before(async () => {
  root = await tempDir('upkeep');
});

after(() => rm(root, { recursive: true, force: true }));

/**
 * Indexes `folder` into `library` in this process, as `ferret index` does (the same backend,
 * no model): for a library a test starts from, not one whose indexing it is about. A process
 * of the CLI's per library cost about 0.5 CPU-s of start-up.
 */
async function indexedLibrary(library: string, folder: string): Promise<void> {
  const backend = await Backend.open({ libraryDir: library, quiet: true });
  try {
    await backend.indexFolder(folder);
  } finally {
    await backend.close();
  }
}

/** Every file under the thumbnails folder, by name. */
async function thumbnailFiles(library: string): Promise<string[]> {
  const files = await readdir(path.join(library, 'thumbnails'), { recursive: true });
  return files.filter((file) => path.extname(file) !== '').map((file) => path.basename(file));
}

test('folders remove deletes the thumbnails only its photos showed', async () => {
  const library = path.join(root, 'remove-library');
  const kept = path.join(root, 'kept');
  const leaving = path.join(root, 'leaving');
  await copyCorpusPhotos(kept, 2);
  // The same first two photos and two more: the shared ones' thumbnails stay for the folder
  // that stays.
  await copyCorpusPhotos(leaving, 4);
  for (const folder of [kept, leaving]) await indexedLibrary(library, folder);
  assert.equal((await thumbnailFiles(library)).length, 4);

  const removed = await ferret(['--library', library, 'folders', 'remove', leaving]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal((await thumbnailFiles(library)).length, 2);
  const check = await ferret(['--library', library, '--json', 'check']);
  assert.equal(check.code, 0, check.stdout);
});

/** Writes what writeFileAtomic leaves when the process dies between writing and renaming. */
async function leaveStrayFiles(library: string): Promise<string[]> {
  const stray = [
    path.join(library, 'thumbnails', 'ab', `${'ab'.padEnd(64, '0')}.webp`),
    path.join(library, 'display', 'cd', `${'cd'.padEnd(64, '0')}.jpg`),
  ].map((file) => `${file}.0b9f6a3e-1c1d-4c55-9d2e-55c1e0d7a001.tmp`);
  for (const file of stray) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'half a preview');
  }
  return stray;
}

async function remaining(files: string[]): Promise<string[]> {
  const found = await Promise.all(
    files.map((file) =>
      stat(file).then(
        () => file,
        () => null,
      ),
    ),
  );
  return found.filter((file) => file !== null);
}

test('temporary preview files a killed run left are removed by the next writer', async () => {
  const library = path.join(root, 'stray-library');
  const photos = path.join(root, 'stray-photos');
  await copyCorpusPhotos(photos, 2);
  await indexedLibrary(library, photos);
  const stray = await leaveStrayFiles(library);
  assert.equal((await ferret(['--library', library, 'index', photos])).code, 0);
  assert.deepEqual(await remaining(stray), []);
});

test('ferret check reports temporary preview files a killed run left; --repair removes them', async () => {
  const library = path.join(root, 'stray-check-library');
  const photos = path.join(root, 'stray-check-photos');
  await copyCorpusPhotos(photos, 2);
  await indexedLibrary(library, photos);
  const stray = await leaveStrayFiles(library);

  const check = await ferret(['--library', library, 'check']);
  assert.equal(check.code, 1, check.stdout);
  assert.match(check.stdout, /^ {2}2 temporary files a killed run left in the previews$/m);
  const checkJson = await ferret(['--library', library, '--json', 'check']);
  assert.deepEqual(JSON.parse(checkJson.stdout).strayTemporaryFiles.sort(), stray.sort());
  assert.deepEqual(await remaining(stray), stray, 'check, a reader, removed something');

  const repair = await ferret(['--library', library, '--json', 'check', '--repair']);
  assert.equal(repair.code, 0, repair.stdout + repair.stderr);
  assert.equal(JSON.parse(repair.stdout).after.consistent, true);
  assert.deepEqual(await remaining(stray), []);
  assert.equal((await ferret(['--library', library, 'check'])).code, 0);
});

test('ferret check beside a running writer does not take its writes in flight for leftovers', async () => {
  const library = path.join(root, 'stray-writer-library');
  const photos = path.join(root, 'stray-writer-photos');
  await copyCorpusPhotos(photos, 1);
  await indexedLibrary(library, photos);
  const watch = spawn(process.execPath, [FERRET, '--library', library, 'watch'], { stdio: 'pipe' });
  let stderr = '';
  watch.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  watch.stdout!.resume();
  const exited = new Promise((resolve) => watch.on('exit', resolve));
  try {
    await waitFor(() => /watching \d+ folders/.test(stderr), 'ferret watch to start');
    // What a thumbnail write of the watcher looks like until its rename.
    await leaveStrayFiles(library);
    const check = await ferret(['--library', library, '--json', 'check']);
    assert.deepEqual(JSON.parse(check.stdout).strayTemporaryFiles, []);
  } finally {
    watch.kill('SIGTERM');
    await exited;
  }
});

test('a folder added through a symbolic link is removed by that same path', async () => {
  const library = path.join(root, 'link-library');
  const real = path.join(root, 'real-photos');
  await copyCorpusPhotos(real, 2);
  const link = path.join(root, 'linked-photos');
  await symlink(real, link);
  assert.equal((await ferret(['--library', library, 'index', link])).code, 0);
  const removed = await ferret(['--library', library, '--json', 'folders', 'remove', link]);
  assert.equal(removed.code, 0, removed.stdout + removed.stderr);
  assert.equal(JSON.parse(removed.stdout).removedPhotos, 2);
  const folders = await ferret(['--library', library, '--json', 'folders', 'list']);
  assert.deepEqual(JSON.parse(folders.stdout), []);
});

test('status and check report a damaged catalog instead of a normal library', async () => {
  const library = path.join(root, 'damaged-library');
  const photos = path.join(root, 'damaged-photos');
  await copyCorpusPhotos(photos, 3);
  await indexedLibrary(library, photos);
  const catalog = path.join(library, 'catalog.sqlite');
  const db = new Database(catalog);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const { rootpage } = db
    .prepare("SELECT rootpage FROM sqlite_master WHERE name = 'photos'")
    .get() as { rootpage: number };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  // A disk error in the photos table's first page: its cell pointers lead nowhere. Counting
  // photos reads an index instead, so without a check the library looked normal.
  const fd = openSync(catalog, 'r+');
  writeSync(fd, Buffer.from([0x0d, 0, 0, 0, 0x50, 0x10, 0, 0]), 0, 8, (rootpage - 1) * pageSize);
  closeSync(fd);

  for (const command of ['status', 'check']) {
    const run = await ferret(['--library', library, '--json', command]);
    assert.equal(run.code, 1, `${command}: ${run.stdout}`);
    const { error } = JSON.parse(run.stdout) as { error: string };
    assert.match(error, /catalog .* is damaged/, command);
    assert.equal(error.split('\n').length, 1);
  }
});

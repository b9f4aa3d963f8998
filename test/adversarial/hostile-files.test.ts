import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { SearchResults } from '../../src-main/contract/api.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { writeHostileFiles, type HostileFolder } from './hostile-files.js';

/**
 * A folder of hostile files (hostile-files.ts) indexed through the CLI as a user would: every
 * bad file is recorded with a reason a user understands, the run ends, the good photos among
 * them are indexed and found, nothing the files point at outside the folder is read or
 * fetched, and the indexing process's memory stays bounded.
 */

/**
 * The most the indexing process may hold at its peak (VmHWM). It needs about 230 MB here (the
 * runtime, sharp, onnxruntime and the tiny model); decoding the 16000x16000 PNG in full as RGB
 * would add 768 MB, and reading /dev/zero grows without end.
 */
const PEAK_MEMORY_LIMIT_MB = 640;

let root: string;
let hostile: HostileFolder;
let outsideFile: string;
let server: net.Server;
const connections: string[] = [];

before(async () => {
  root = await tempDir('hostile');
  server = net.createServer((socket) => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  outsideFile = path.join(root, 'outside', 'secret.txt');
  await mkdir(path.dirname(outsideFile));
  await writeFile(outsideFile, 'not for Ferret\n');
  await writeFile(path.join(root, 'outside', 'calibration.txt'), 'read by the test itself\n');
  const { port } = server.address() as AddressInfo;
  hostile = await writeHostileFiles(path.join(root, 'photos'), { port, outsideFile });
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

/**
 * Marks a file as not read since it was written (its access time an hour before its change
 * time), and says whether this file system shows a read in the access time at all (relatime
 * does; noatime does not), by reading a second file so marked.
 */
async function watchReads(file: string): Promise<{ read: () => Promise<boolean>; seen: boolean }> {
  const markUnread = async (target: string) => {
    const { mtime } = await stat(target);
    await utimes(target, new Date(mtime.getTime() - 3_600_000), mtime);
    return (await stat(target)).atimeMs;
  };
  const calibration = path.join(root, 'outside', 'calibration.txt');
  const before = await markUnread(calibration);
  await readFile(calibration);
  const seen = (await stat(calibration)).atimeMs !== before;
  const unread = await markUnread(file);
  return { read: async () => (await stat(file)).atimeMs !== unread, seen };
}

test('a folder of hostile files is indexed: each bad file named with its reason, the good ones found', async (t) => {
  const model = await tinyModelDir();
  const library = path.join(root, 'library');
  const args = ['--library', library, '--model-dir', model, '--json'];
  const outside = await watchReads(outsideFile);
  const peakFile = path.join(root, 'peak-memory');
  const preload = pathToFileURL(
    path.resolve(import.meta.dirname, '../helpers/report-peak-memory.mjs'),
  );

  const run = await ferret([...args, 'index', hostile.dir], {
    env: { NODE_OPTIONS: `--import=${preload.href}`, FERRET_TEST_PEAK_MEMORY_FILE: peakFile },
    // A bound, not a speed: a hang (a FIFO read, /dev/zero) is killed here and fails the test.
    timeoutMs: 300_000,
  });
  assert.equal(run.signal, null, `the run was killed: ${run.stderr}`);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const summary = JSON.parse(run.stdout) as {
    scanned: number;
    added: number;
    failures: { path: string; message: string }[];
  };

  const bad = hostile.files.filter((file) => file.reason !== null);
  const good = hostile.files.filter((file) => file.reason === null);
  assert.equal(summary.scanned, hostile.files.length, 'every file under a photo name was found');
  const reasons = new Map(
    summary.failures.map((failure) => [path.basename(failure.path), failure.message]),
  );
  for (const file of bad) {
    const reason = reasons.get(file.name);
    assert.ok(reason !== undefined, `${file.what} (${file.name}) was not recorded as failed`);
    assert.doesNotMatch(reason, /\n/, `${file.name}: one line`);
    assert.match(reason, file.reason!, `${file.what} (${file.name}): ${reason}`);
  }
  assert.deepEqual(
    [...reasons.keys()].sort(),
    bad.map((file) => file.name).sort(),
    'only the bad files failed',
  );
  assert.equal(summary.added, good.length);

  // The same reasons are kept in the catalog, and `ferret check` finds the library sound.
  const status = JSON.parse((await ferret([...args, 'status'])).stdout);
  assert.deepEqual(
    { photos: status.photos, errors: status.errors, embedded: status.embedded },
    { photos: hostile.files.length, errors: bad.length, embedded: good.length },
  );
  const check = await ferret([...args, 'check']);
  assert.equal(check.code, 0, check.stdout);

  const search = await ferret([...args, 'search', 'a photo', '-k', '100']);
  const hits = (JSON.parse(search.stdout) as SearchResults).hits;
  assert.deepEqual(
    hits.map((hit) => path.basename(hit.photo.path)).sort(),
    good.map((file) => file.name).sort(),
  );

  assert.deepEqual(connections, [], 'something fetched what an SVG pointed at');
  if (outside.seen) assert.equal(await outside.read(), false, `${outsideFile} was read`);
  else t.diagnostic('this file system does not record reads: the outside file is not checked');

  if (process.platform === 'linux') {
    const peakMb = Number(await readFile(peakFile, 'utf8')) / 1024;
    t.diagnostic(`peak memory of the indexing process: ${peakMb.toFixed(0)} MB`);
    assert.ok(peakMb < PEAK_MEMORY_LIMIT_MB, `peak memory ${peakMb.toFixed(0)} MB`);
  }
});

import assert from 'node:assert/strict';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { SearchResults } from '../../src-main/contract/api.js';
import { fillDisk, run, UNPRIVILEGED, unmount, unprivileged } from '../helpers/disk.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

const PHOTOS = 4;

/**
 * Errors writing Ferret's own files are the library's, never a photo's: the run stops with one
 * line naming the folder, no photo is recorded as failed, and once the cause is gone the same
 * command indexes everything. Photos that older versions recorded as failed for such a cause
 * are found by `ferret check` and indexed again by `check --repair`.
 */
describe("errors on the library's own folders", () => {
  let root: string;
  let photos: string;
  let model: string;

  before(async () => {
    root = await tempDir('write-errors');
    photos = path.join(root, 'photos');
    await copyCorpusPhotos(photos, PHOTOS);
    model = await tinyModelDir();
  });

  after(() => rm(root, { recursive: true, force: true }));

  /** The CLI on `library`, run through `through` (setpriv, as another user) if given. */
  function cli(library: string, through: string[] = []) {
    const args = ['--library', library, '--model-dir', model, '--json'];
    return {
      run: (...command: string[]) => ferret([...args, ...command], { through }),
      status: async () => JSON.parse((await ferret([...args, 'status'], { through })).stdout),
    };
  }

  /** The run stopped on the library, recorded nothing against photos, and works once fixed. */
  async function assertStopsThenRecovers(
    library: string,
    fix: () => Promise<void>,
    why: RegExp,
    through: string[] = [],
  ) {
    const { run: ferretRun, status } = cli(library, through);
    const stopped = await ferretRun('index', photos);
    assert.equal(stopped.code, 1, stopped.stdout + stopped.stderr);
    const { error } = JSON.parse(stopped.stdout) as { error: string };
    assert.match(error, /thumbnails folder/);
    assert.match(error, why);
    assert.equal(error.split('\n').length, 1);
    assert.equal((await status()).errors, 0, 'a photo was blamed for the library');

    await fix();
    const indexed = await ferretRun('index', photos);
    assert.equal(indexed.code, 0, indexed.stdout + indexed.stderr);
    // Consistent (a photo recorded as failed that decodes is a stale error), and every photo
    // catalogued has its vector: none blamed, all searchable.
    const check = await ferretRun('check');
    assert.equal(check.code, 0, check.stdout);
    const { photos: catalogued, vectors } = JSON.parse(check.stdout);
    assert.deepEqual({ catalogued, vectors }, { catalogued: PHOTOS, vectors: PHOTOS });
  }

  test('a file where the thumbnails folder should be', async () => {
    const library = path.join(root, 'file-in-the-way');
    await mkdir(library);
    const thumbnails = path.join(library, 'thumbnails');
    await writeFile(thumbnails, 'not a folder');
    await assertStopsThenRecovers(
      library,
      () => rm(thumbnails),
      /a file stands where a folder should be/,
    );
  });

  test('a thumbnails folder that cannot be written', async (t) => {
    // Root writes to any folder, so as root (CI) Ferret runs as `nobody`, owning the library
    // but not its thumbnails folder: what one `sudo ferret index` leaves behind.
    const asUser = unprivileged();
    if (typeof asUser === 'string') return t.skip(asUser);
    const library = path.join(root, 'read-only-thumbnails');
    const thumbnails = path.join(library, 'thumbnails');
    await mkdir(library);
    await mkdir(thumbnails, { mode: 0o555 });
    if (asUser.length > 0) {
      await chmod(root, 0o755);
      await chown(library, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
      // Built by this user first: the other cannot write the CLI's bundle.
      assert.equal((await ferret(['--help'])).code, 0);
    }
    await assertStopsThenRecovers(
      library,
      () => rm(thumbnails, { recursive: true }),
      /permission denied/,
      asUser,
    );
  });

  test('a library folder that cannot be written', async (t) => {
    const asUser = unprivileged();
    if (typeof asUser === 'string') return t.skip(asUser);
    const library = path.join(root, 'read-only-library');
    await mkdir(library, { mode: 0o555 });
    if (asUser.length > 0) {
      await chmod(root, 0o755);
      await chown(library, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
      assert.equal((await ferret(['--help'])).code, 0);
    }
    const refused = await cli(library, asUser).run('index', photos);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.equal(
      JSON.parse(refused.stdout).error,
      `cannot use ${library} as the library: permission denied`,
    );
  });

  test('a full disk under the thumbnails folder', async (t) => {
    const library = path.join(root, 'full-thumbnails');
    const thumbnails = path.join(library, 'thumbnails');
    await mkdir(thumbnails, { recursive: true });
    if (run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'ferret-thumbs', thumbnails]) !== null) {
      return t.skip('cannot mount a tmpfs here');
    }
    try {
      const filler = fillDisk(thumbnails);
      await assertStopsThenRecovers(library, () => rm(filler), /the disk is full/);
    } finally {
      await unmount(thumbnails);
    }
  });

  test('photos an older version blamed are found by check and indexed by check --repair', async () => {
    const library = path.join(root, 'blamed-before');
    const { run: ferretRun, status } = cli(library);
    assert.equal((await ferretRun('index', photos)).code, 0);
    // What versions before this fix left behind: every photo "unreadable", without a vector.
    const db = new Database(path.join(library, 'catalog.sqlite'));
    db.exec(`UPDATE photos SET status = 'error',
      last_error = 'EACCES: permission denied, open ''thumbnails/ab/x.webp.tmp'''`);
    db.exec('DELETE FROM vectors');
    db.close();
    assert.equal((await status()).errors, PHOTOS);

    const check = await ferretRun('check');
    assert.equal(check.code, 1, check.stdout);
    assert.equal(JSON.parse(check.stdout).staleErrors.length, PHOTOS);
    const repair = await ferretRun('check', '--repair');
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    // Consistent after: no stale error left, and every photo has its vector again.
    const { consistent, photos: catalogued, vectors } = JSON.parse(repair.stdout).after;
    assert.equal(consistent, true);
    assert.deepEqual({ catalogued, vectors }, { catalogued: PHOTOS, vectors: PHOTOS });
    const search = await ferretRun('search', 'a photo', '-k', '10');
    assert.equal((JSON.parse(search.stdout) as SearchResults).hits.length, PHOTOS);
  });

  test('a photo that really is broken stays recorded and check stays clean', async () => {
    const library = path.join(root, 'really-broken');
    const broken = path.join(root, 'with-broken');
    await copyCorpusPhotos(broken, 2);
    await writeFile(path.join(broken, 'truncated.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const { run: ferretRun, status } = cli(library);
    assert.equal((await ferretRun('index', broken)).code, 0);
    assert.equal((await status()).errors, 1);
    const check = await ferretRun('check');
    assert.equal(check.code, 0, check.stdout);
    assert.deepEqual(JSON.parse(check.stdout).staleErrors, []);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { Engine } from '../../src-main/engine/engine.js';
import { libraryPaths } from '../../src-main/engine/library-paths.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { waitFor } from '../helpers/live.js';
import { catalogWithVectors } from '../helpers/random-vectors.js';

/**
 * A folder's removal killed half-way (the app closed from the task manager, a crash), with
 * the write-ahead log's checkpoints deferred as a removal defers them: the catalog is sound
 * and consistent (no vector without its photo, day counts that add up), the folder is still
 * there with the photos not yet removed, and removing it again finishes the job.
 */

const PHOTOS = 20_000;
const ENGINE = pathToFileURL(path.resolve(import.meta.dirname, '../../src-main/engine/engine.ts'));
const LOGGER = pathToFileURL(
  path.resolve(import.meta.dirname, '../../src-main/engine/util/logger.ts'),
);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-removal-kill-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function count(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

test('a folder removal killed half-way leaves a consistent catalog; removing again finishes', async () => {
  const root = path.join(scratch, 'library');
  const paths = libraryPaths(root);
  const { catalog, folder } = catalogWithVectors(paths.catalog, {
    model: 'kill-test@1',
    dimensions: 16,
    photos: PHOTOS,
    seed: 5,
  });
  catalog.close();
  const modelDir = path.join(root, 'no-model');

  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { Engine } from ${JSON.stringify(ENGINE.href)};
       import { silentLogger } from ${JSON.stringify(LOGGER.href)};
       const engine = await Engine.open({ libraryDir: ${JSON.stringify(root)},
         modelDir: ${JSON.stringify(modelDir)}, logger: silentLogger });
       await engine.removeFolder(${folder.id});`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Killed once the first transactions are in: the moment is set by the work, not a timer.
  await waitFor(
    () => child.exitCode !== null || count(paths.catalog, 'SELECT count(*) FROM photos') < PHOTOS,
    'the removal to begin',
    120_000,
  );
  child.kill('SIGKILL');
  assert.equal(await exited, null, `the removal ended before it was killed: ${stderr}`);

  const left = count(paths.catalog, 'SELECT count(*) FROM photos');
  assert.ok(left > 0 && left < PHOTOS, `${left} photos left`);
  assert.equal(count(paths.catalog, 'SELECT count(*) FROM folders'), 1);
  assert.equal(count(paths.catalog, 'SELECT count(*) FROM vectors'), left);
  assert.equal(
    count(
      paths.catalog,
      'SELECT count(*) FROM vectors WHERE photo_id NOT IN (SELECT id FROM photos)',
    ),
    0,
  );
  assert.equal(count(paths.catalog, 'SELECT sum(count) FROM photo_days'), left);
  const db = new Database(paths.catalog, { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();

  const engine = await Engine.open({ libraryDir: root, modelDir, logger: silentLogger });
  assert.equal(engine.listPhotos(0, 1).total, left);
  assert.deepEqual(await engine.removeFolder(folder.id), { removedPhotos: left });
  assert.deepEqual(engine.listFolders(), []);
  engine.catalog.assertSound();
  await engine.close();
  assert.equal(count(paths.catalog, 'SELECT count(*) FROM vectors'), 0);
  assert.equal(count(paths.catalog, 'SELECT count(*) FROM photo_days'), 0);
});

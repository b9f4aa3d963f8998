import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { defaultLogDir, LogFile } from '../../src-main/engine/util/log-file.js';
import { tempDir } from '../helpers/fixtures.js';

const scratch = await tempDir('log-file');
after(() => rm(scratch, { recursive: true, force: true }));

test('each run starts ferret.log afresh and keeps the previous runs, four at most', async () => {
  const dir = path.join(scratch, 'runs');
  for (let run = 1; run <= 6; run++) {
    const log = LogFile.startRun(dir);
    log.write('info', `run ${run}`);
    LogFile.join(log.file, 'engine').write('warn', `engine of run ${run}`);
  }
  assert.deepEqual((await readdir(dir)).sort(), [
    'ferret.1.log',
    'ferret.2.log',
    'ferret.3.log',
    'ferret.4.log',
    'ferret.log',
  ]);
  const current = await readFile(path.join(dir, 'ferret.log'), 'utf8');
  assert.match(current, /^\S+Z main info: run 6\n\S+Z engine warn: engine of run 6\n$/);
  assert.match(await readFile(path.join(dir, 'ferret.4.log'), 'utf8'), /run 2\n/);
});

test('a run whose log outgrows 5 MB moves on to a new file', async () => {
  const dir = path.join(scratch, 'large');
  const log = LogFile.startRun(dir);
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 5300; i++) log.write('info', line);
  const files = (await readdir(dir)).sort();
  assert.deepEqual(files, ['ferret.1.log', 'ferret.log']);
  assert.ok((await stat(path.join(dir, 'ferret.1.log'))).size > 5 * 1024 * 1024);
  assert.ok((await stat(path.join(dir, 'ferret.log'))).size < 1024 * 1024);
});

test('a log that cannot be written does not stop the app', async () => {
  const blocked = path.join(scratch, 'not-a-folder');
  await writeFile(blocked, '');
  const log = LogFile.join(path.join(blocked, 'ferret.log'), 'main');
  assert.doesNotThrow(() => log.write('error', 'still running'));
});

test('the log folder is the platform one, unless FERRET_LOG_DIR says otherwise', () => {
  assert.equal(defaultLogDir({ FERRET_LOG_DIR: '/somewhere' }), '/somewhere');
  if (process.platform === 'linux') {
    assert.equal(defaultLogDir({ XDG_CONFIG_HOME: '/cfg' }), '/cfg/Ferret/logs');
  }
});

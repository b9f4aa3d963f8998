import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

const scratch = await tempDir('npm-start');
after(() => rm(scratch, { recursive: true, force: true }));

test("npm start without Electron's binary says so, how to fix it, and what works meanwhile", async () => {
  // Electron's own override of where its binary is: an empty folder, as after an offline install.
  const run = await promisify(execFile)('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: scratch },
  }).then(
    () => assert.fail('npm start succeeded without Electron'),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 2, run.stderr);
  assert.match(lines[0]!, /^ferret: Electron's binary is not installed .*cannot start\.$/);
  assert.match(lines[1]!, /`npx install-electron`/);
  assert.match(lines[1]!, /`npx ferret serve` runs Ferret in your browser/);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
});

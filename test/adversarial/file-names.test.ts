import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

let root: string;

before(async () => {
  root = await tempDir('file-names');
});

after(() => rm(root, { recursive: true, force: true }));

test('a photo whose name is not valid UTF-8 is reported with the true reason', async () => {
  const photos = path.join(root, 'photos');
  const [photo] = await copyCorpusPhotos(photos, 1);
  // "caf\xff.jpg": Latin-1 bytes, as an old camera or a Windows share may write them.
  const badName = Buffer.concat([
    Buffer.from(`${photos}/caf`),
    Buffer.from([0xff]),
    Buffer.from('.jpg'),
  ]);
  await writeFile(badName, await readFile(photo!));

  const library = path.join(root, 'library');
  const run = await ferret(['--library', library, '--json', 'index', photos]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const summary = JSON.parse(run.stdout);
  assert.equal(summary.added, 1);
  assert.equal(summary.failed, 0);
  assert.deepEqual(
    summary.scanProblems.map((problem: { path: string; kind: string; message: string }) => [
      path.basename(problem.path),
      problem.kind,
      problem.message,
    ]),
    [
      [
        'caf\ufffd.jpg',
        'bad-name',
        'the name is not valid UTF-8, so Ferret cannot record it: rename it to index it',
      ],
    ],
  );
  assert.doesNotMatch(run.stdout, /no longer exists/);
});

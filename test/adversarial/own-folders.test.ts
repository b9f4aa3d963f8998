import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

let root: string;

before(async () => {
  root = await tempDir('own-folders');
});

after(() => rm(root, { recursive: true, force: true }));

test('indexing a folder that holds the library, a model or another library skips them', async () => {
  const photos = await copyCorpusPhotos(path.join(root, 'photos'), 3);
  const library = path.join(root, 'library');
  // A model folder (with a picture in it, as a model's sample might be).
  const model = path.join(root, 'model');
  await cp(await tinyModelDir(), model, { recursive: true });
  await copyFile(photos[0]!, path.join(model, 'sample.jpg'));
  const args = ['--library', library, '--model-dir', model, '--json'];
  // Another Ferret library inside the folder, with its own thumbnails.
  const other = path.join(root, 'other-library');
  await mkdir(other);
  assert.equal((await ferret(['--library', other, 'index', path.join(root, 'photos')])).code, 0);

  for (let run = 1; run <= 3; run++) {
    const indexed = await ferret([...args, 'index', root]);
    assert.equal(indexed.code, 0, indexed.stderr);
    const status = JSON.parse((await ferret([...args, 'status'])).stdout);
    assert.equal(status.photos, 3, `run ${run}: the library indexed its own files`);
  }
});

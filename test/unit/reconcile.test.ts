import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { SqliteCatalog } from '../../src-main/engine/catalog/catalog.js';
import { reconcileFolder } from '../../src-main/engine/library/reconcile.js';
import { tempDir } from '../helpers/fixtures.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

// More files than one slice of the reconcile (2,000), spread over subfolders, so the paged
// read of the catalog and the sliced comparison and queueing are all crossed.
const FILES = 4500;

test('a folder larger than a slice is reconciled whole: unchanged, changed, new and gone files', async () => {
  const root = await tempDir('reconcile');
  dirs.push(root);
  const photosDir = path.join(root, 'photos');
  const files: string[] = [];
  for (let sub = 0; sub < 3; sub++) {
    await fs.mkdir(path.join(photosDir, `event-${sub}`), { recursive: true });
  }
  for (let i = 0; i < FILES; i++) {
    const file = path.join(photosDir, `event-${i % 3}`, `IMG_${String(i).padStart(5, '0')}.jpg`);
    await fs.writeFile(file, 'x');
    files.push(file);
  }
  const catalog = SqliteCatalog.open(path.join(root, 'catalog.sqlite'));
  try {
    const folder = catalog.addFolder(photosDir);
    const first = await reconcileFolder(catalog, folder, () => false);
    assert.deepEqual(
      first.available && [first.scanned, first.unchanged, first.queued, first.removals],
      [FILES, 0, FILES, 0],
    );
    assert.equal(catalog.countJobs().index, FILES);

    // Catalogued as they are, then: one changed, one deleted, one new, one that needs work.
    const stats = await Promise.all(files.map((file) => fs.stat(file)));
    catalog.transaction(() => {
      files.forEach((file, i) => {
        catalog.upsertPhoto({
          path: file,
          folderId: folder.id,
          size: stats[i]!.size,
          mtimeMs: Math.trunc(stats[i]!.mtimeMs),
          contentHash: null,
          status: 'indexed',
          lastError: null,
        });
      });
    });
    catalog.clearJobs();
    await fs.writeFile(files[10]!, 'changed');
    await fs.rm(files[2500]!);
    const added = path.join(photosDir, 'event-1', 'new.jpg');
    await fs.writeFile(added, 'x');
    const needing = files[4000]!;
    const second = await reconcileFolder(catalog, folder, (photo) => photo.path === needing);
    assert.deepEqual(
      second.available && [second.scanned, second.unchanged, second.queued, second.removals],
      [FILES, FILES - 3, 3, 1],
    );
  } finally {
    catalog.close();
  }
});

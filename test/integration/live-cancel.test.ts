import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { createBackend } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { photoFolder, tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';

const cleanup: string[] = [];
after(() => Promise.all(cleanup.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

test('cancelling stops indexing and keeps what is left: Resume and a restart go on with it', async () => {
  const [folder, modelDir, libraryDir] = await Promise.all([
    photoFolder({ count: 6, broken: false }),
    tinyModelDir(),
    tempDir('library'),
  ]);
  cleanup.push(folder.dir, libraryDir);
  const extra = folder.photos.pop()!;
  const spare = path.join(libraryDir, path.basename(extra));
  await fs.rename(extra, spare);
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  const backend = createBackend(engine, undefined, {
    writeFinishMs: 200,
    removalGraceMs: 400,
    pollIntervalMs: 100,
    retryMs: 300,
    inferenceWorker: false,
  });
  try {
    await backend.handle('pauseIndexing', {});
    await backend.handle('addFolder', { path: folder.dir });
    await waitFor(() => engine.catalog.countJobs().index === 5, 'the folder queued');

    const progress = await backend.handle('cancelIndexing', {});
    assert.equal(progress.state, 'paused', 'incomplete, with Resume');
    assert.equal(engine.catalog.countJobs().index, 5, 'what is left stays queued');
    assert.equal(engine.catalog.countByStatus().indexed ?? 0, 0);
    // Watching goes on: a photo added now is queued behind the rest.
    const added = path.join(folder.dir, path.basename(extra));
    await fs.rename(spare, added);
    await waitFor(() => engine.catalog.countJobs().index === 6, 'the new photo queued');
  } finally {
    await backend.close();
    await engine.close();
  }

  // A restart goes on with the work that was stopped.
  const reopened = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  const again = createBackend(reopened, undefined, { inferenceWorker: false });
  try {
    await waitFor(
      () => reopened.catalog.countByStatus().indexed === 6,
      'every photo indexed after the restart',
    );
    assert.equal(reopened.catalog.countJobs().index, 0);
  } finally {
    await again.close();
    await reopened.close();
  }
});

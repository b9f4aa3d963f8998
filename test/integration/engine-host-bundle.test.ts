import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LibraryStatus } from '../../src-main/contract/api.js';
import { connectBackend, type RemoteBackend } from '../../src-main/shell/engine-protocol.js';
import { builtShell, exited, forkEngineHost } from '../helpers/engine-host.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * The engine host as it ships (dist/shell's engine-host.js and its embedding worker, built by
 * esbuild), driven from a plain Node process through the protocol Electron main uses.
 */

function connect(child: ChildProcess, opened: string[]): RemoteBackend {
  return connectBackend(
    {
      postMessage: (message) => child.send(message as object),
      onMessage: (listener) => child.on('message', listener),
    },
    {
      openPath: async (file) => {
        opened.push(file);
        return true;
      },
      showInFolder: async () => true,
    },
  );
}

/** better-sqlite3's addon for this Node, copied out of node_modules as `npm start` places Electron's. */
async function separateSqliteBinding(dir: string): Promise<string> {
  const packageDir = path.dirname(
    createRequire(import.meta.url).resolve('better-sqlite3/package.json'),
  );
  const binding = path.join(dir, 'native', 'better_sqlite3.node');
  await mkdir(path.dirname(binding), { recursive: true });
  await copyFile(path.join(packageDir, 'build', 'Release', 'better_sqlite3.node'), binding);
  return binding;
}

describe('the bundled engine host', () => {
  let scratch: string;
  let shellDir: string;
  before(async () => {
    scratch = await tempDir('engine-host');
    shellDir = await builtShell();
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  test('opens a library, indexes real photos, searches, and shuts down cleanly', async () => {
    // A dozen photos show the bundle's engine and embedding worker at work; indexing the whole
    // corpus is engine.test.ts's job.
    const corpus = path.join(scratch, 'photos');
    const [copied, modelDir] = await Promise.all([copyCorpusPhotos(corpus, 12), tinyModelDir()]);
    const library = path.join(scratch, 'library');
    const logFile = path.join(scratch, 'logs', 'ferret.log');
    await mkdir(path.dirname(logFile));
    const child = forkEngineHost(shellDir, {
      FERRET_LIBRARY: library,
      FERRET_LOG_FILE: logFile,
      FERRET_SQLITE_BINDING: await separateSqliteBinding(scratch),
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const opened: string[] = [];
    const backend = connect(child, opened);
    const events: string[] = [];
    backend.subscribe((event) => events.push(event.type));

    await backend.ready;
    const model = await backend.handle('useModelFolder', { path: modelDir });
    assert.equal(model.present, true);
    await backend.handle('addFolder', { path: corpus });
    const photos = copied.length;
    let status: LibraryStatus | undefined;
    await waitFor(
      async () => {
        status = await backend.handle('getStatus', {});
        return status.indexing.state === 'idle' && status.embedded + status.errors >= photos;
      },
      'the photos to be indexed',
      300_000,
    );
    assert.equal(status!.photos, photos);
    assert.ok(status!.embedded > photos * 0.9, `${status!.embedded} of ${photos} embedded`);
    assert.ok(events.includes('indexing'), 'progress events crossed the port');

    const { hits } = await backend.handle('searchText', {
      query: 'a dog on the beach',
      limit: 5,
      step: 0,
      order: 'relevance',
    });
    assert.equal(hits.length, 5);
    for (const hit of hits) assert.ok(hit.photo.path.startsWith(corpus), hit.photo.path);
    const similar = await backend.handle('findSimilar', {
      photoId: hits[0]!.photo.id,
      limit: 3,
      step: 0,
      order: 'relevance',
    });
    assert.equal(similar.hits.length, 3);
    assert.ok(similar.hits.every((hit) => hit.photo.id !== hits[0]!.photo.id));
    const thumbnail = await backend.media('thumbnail', hits[0]!.photo.id);
    assert.equal(thumbnail?.contentType, 'image/webp');
    assert.ok(thumbnail.bytes.length > 0);
    assert.equal(await backend.media('photo', 999_999), null);

    // A desktop action asked by the host is answered by this side, as main answers it.
    assert.deepEqual(await backend.handle('openPhoto', { photoId: hits[0]!.photo.id }), {
      opened: true,
    });
    assert.deepEqual(opened, [hits[0]!.photo.path]);

    await backend.shutdown();
    // With the port closed and the engine closed, nothing may keep the process alive.
    child.disconnect();
    assert.equal(await exited(child), 0, stderr);
    const log = await readFile(logFile, 'utf8');
    assert.match(log, / engine info: opened the library /);
    assert.match(log, / engine info: embedding worker: /);
    assert.match(log, / engine info: closed the library/);
  });

  test('a better-sqlite3 addon that is not there stops the host with the reason', async () => {
    const child = forkEngineHost(shellDir, {
      FERRET_LIBRARY: path.join(scratch, 'other-library'),
      FERRET_SQLITE_BINDING: path.join(scratch, 'nowhere', 'better_sqlite3.node'),
    });
    const backend = connect(child, []);
    await assert.rejects(backend.ready, /cannot open the catalog .*nowhere/);
    await backend.shutdown();
    child.disconnect();
    assert.equal(await exited(child), 0);
  });
});

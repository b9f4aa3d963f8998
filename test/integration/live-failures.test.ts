import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import type { FolderInfo, IndexingProgress } from '../../src-main/contract/api.js';
import { Engine } from '../../src-main/engine/engine.js';
import { checkLibrary, type CheckReport } from '../../src-main/engine/library/library-check.js';
import { LiveLibrary, type LiveLibraryEvents } from '../../src-main/engine/library/live-library.js';
import { isImagePath } from '../../src-main/engine/media/image-files.js';
import type { Logger } from '../../src-main/engine/util/logger.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { corpusDir } from '../helpers/corpus.js';
import { fillDisk, run, UNPRIVILEGED, unmount, unprivileged } from '../helpers/disk.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { embedCounter, waitFor } from '../helpers/live.js';

/**
 * "Nothing lost": a full disk, an unreadable folder, a symlink loop and a drive that goes away
 * each give a clear status, leave the catalog and the vector index in agreement, and the work
 * goes on by itself once the cause is gone. The causes are real (a tmpfs that fills up, a bind
 * mount that is unmounted, a process without the permission to read); where this machine does
 * not allow one, that case is skipped with the reason.
 */

const TIMING = { writeFinishMs: 200, removalGraceMs: 400, pollIntervalMs: 100, retryMs: 300 };

/** Set in the process that runs the library as an unprivileged user (see `LibraryProcess`). */
const CHILD_CONFIG = 'FERRET_LIVE_FAILURES_CHILD';

if (process.env[CHILD_CONFIG] !== undefined) {
  await serveLibrary(JSON.parse(process.env[CHILD_CONFIG]) as ChildConfig);
} else {
  describe('the live library when the machine gets in the way', () => {
    let modelDir: string;
    let pool: string[];
    /** Distinct real photos (the smallest of the corpus, for speed), none handed out twice. */
    const take = (count: number) => {
      assert.ok(pool.length >= count, 'the corpus has run out of photos');
      return pool.splice(0, count);
    };

    before(async () => {
      [modelDir, pool] = await Promise.all([tinyModelDir(), smallCorpusPhotos()]);
    });

    test('a full disk pauses the work with its reason and resumes when there is space', async (t) => {
      const libraryDir = await tempDir('full-disk');
      const cleanup = new Cleanup(t);
      cleanup.add(() => fs.rm(libraryDir, { recursive: true, force: true }));
      const refused = run('mount', [
        '-t',
        'tmpfs',
        '-o',
        'size=8m',
        'ferret-full-disk',
        libraryDir,
      ]);
      if (refused !== null) return t.skip(`cannot mount a small tmpfs to fill: ${refused}`);
      cleanup.add(() => unmount(libraryDir));

      const folder = await tempDir('full-disk-photos');
      cleanup.add(() => fs.rm(folder, { recursive: true, force: true }));
      const [first, queuedBefore, arrivingWhileFull] = [take(4), take(4), take(4)];
      const initial = await copyInto(folder, first);

      const problems: string[] = [];
      const live = await openLibrary(libraryDir, modelDir, {
        onProgress: (progress) => progress.problem && problems.push(progress.problem),
      });
      const { engine, library } = live;
      cleanup.add(() => live.close());
      await library.start();
      await library.addFolder(folder);
      await library.settled();
      assert.equal(engine.catalog.countByStatus().indexed, 4);

      // Work queued before the disk fills up, and changes that arrive while it is full.
      library.pause();
      const queued = await copyInto(folder, queuedBefore);
      await waitFor(() => engine.catalog.countJobs().index === 4, 'the new photos to be queued');
      const filler = fillDisk(libraryDir);
      library.resume();
      const arrived = await copyInto(folder, arrivingWhileFull);
      await fs.rm(initial[0]!);

      await waitFor(
        () => /disk is full/.test(library.progress().problem ?? ''),
        'the full disk to be reported',
      );
      assert.match(problems.join('\n'), /the disk is full: indexing is paused/);
      await assert.rejects(library.settled(), /the disk is full/);
      // Work held back, nothing blamed on the photos, and what is there is whole.
      await new Promise((resolve) => setTimeout(resolve, 3 * TIMING.retryMs));
      assert.match(library.progress().problem ?? '', /disk is full/);
      assert.deepEqual(engine.catalog.countByStatus(), { indexed: 4, error: 0 });
      assert.ok(engine.catalog.countJobs().index >= 4, 'the queued work is kept');
      for (const file of [...queued, ...arrived]) assert.equal(photoAt(engine, file), undefined);
      const full = await checkLibrary(engine);
      assertInAgreement(full);
      assert.deepEqual(full.missingFiles, [initial[0]], 'the removal waits for space too');
      assertSqliteIntact(libraryDir);

      await fs.rm(filler);
      const expected = [...initial.slice(1), ...queued, ...arrived];
      await waitFor(
        () =>
          expected.every((file) => photoAt(engine, file)?.status === 'indexed') &&
          photoAt(engine, initial[0]!) === undefined,
        'the work to resume once there is space',
        30_000,
      );
      await library.settled();
      assert.equal(library.progress().problem, null);
      assertConsistent(await checkLibrary(engine), expected.length);
      await live.close();
      await assertReopensWhole(libraryDir, modelDir, expected.length);
    });

    test('an unreadable folder is named, its photos kept, and read once it may be', async (t) => {
      const cleanup = new Cleanup(t);
      const [libraryDir, folder] = await Promise.all([
        tempDir('unreadable-library'),
        tempDir('unreadable-photos'),
      ]);
      cleanup.add(() => fs.rm(libraryDir, { recursive: true, force: true }));
      cleanup.add(async () => {
        await restorePermissions(folder);
        await fs.rm(folder, { recursive: true, force: true });
      });
      const privateDir = path.join(folder, 'private');
      const probe = path.join(folder, '.probe');
      await fs.mkdir(probe, { mode: 0 });
      const top = await copyInto(folder, take(3));
      const hidden = await copyInto(privateDir, take(3));
      await fs.chmod(folder, 0o755);
      await fs.chmod(privateDir, 0);
      await fs.chmod(probe, 0);
      const asUser = unprivileged();
      if (typeof asUser === 'string') return t.skip(asUser);
      if (asUser.length > 0) await fs.chown(libraryDir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
      /**
       * Takes the library's permission to read `dir` and puts photos in it. Root still writes
       * there after; an owner cannot, so then they arrive just before (the watcher waits 200 ms
       * for a new file to settle, by which time the folder is closed).
       */
      const lockAndAdd = async (dir: string, photos: string[]) => {
        if (asUser.length > 0) await fs.chmod(dir, 0);
        const added = await copyInto(dir, photos);
        await fs.chmod(dir, 0);
        return added;
      };

      const child = LibraryProcess.start({ libraryDir, modelDir, folder, probe }, asUser);
      cleanup.add(() => child.kill());
      const first = await child.waitFor(
        (state) => state.probe !== null && !state.busy,
        'the library to index what it can read',
      );
      if (first.probe === 'readable') {
        return t.skip(
          'the library process can read a folder with mode 000 (it can override permissions)',
        );
      }
      // A subfolder that cannot be read: the folder says so, the rest is indexed.
      assert.equal(first.folders[0]!.status, 'ok');
      assert.match(first.folders[0]!.error ?? '', /private: permission denied/);
      assert.deepEqual(indexedPaths(first), [...top].sort());
      assertConsistent(first.check, 3);

      await fs.chmod(privateDir, 0o755);
      const readable = await child.waitFor(
        (state) =>
          state.folders[0]!.error === null && indexedPaths(state).length === 6 && !state.busy,
        'the subfolder to be read once it may be',
      );
      assert.deepEqual(indexedPaths(readable), [...top, ...hidden].sort());
      assertConsistent(readable.check, 6);

      // The library folder itself, while it is watched: unavailable, nothing removed.
      const addedMeanwhile = await lockAndAdd(folder, take(1));
      const locked = await child.waitFor(
        (state) => state.folders[0]!.status === 'unavailable',
        'the folder to be marked unavailable',
      );
      assert.equal(locked.folders[0]!.error, 'permission denied');
      assert.deepEqual(indexedPaths(locked), [...top, ...hidden].sort());
      assert.equal(locked.check.vectors, 6);
      assertInAgreement(locked.check);
      assert.deepEqual(locked.check.missingFiles, []);

      await fs.chmod(folder, 0o755);
      const back = await child.waitFor(
        (state) =>
          state.folders[0]!.status === 'ok' && indexedPaths(state).length === 7 && !state.busy,
        'the folder to come back and its new photo to be indexed',
      );
      assert.deepEqual(indexedPaths(back), [...top, ...hidden, ...addedMeanwhile].sort());

      // A subfolder that loses its permissions while watched: its photos stay as they were.
      const addedToLocked = await lockAndAdd(privateDir, take(1));
      const hiddenAgain = await child.waitFor(
        (state) => /private: permission denied/.test(state.folders[0]!.error ?? '') && !state.busy,
        'the subfolder to be reported unreadable',
      );
      assert.equal(hiddenAgain.folders[0]!.status, 'ok');
      assert.deepEqual(indexedPaths(hiddenAgain), [...top, ...hidden, ...addedMeanwhile].sort());
      assert.deepEqual(errorPaths(hiddenAgain), []);
      assertConsistent(hiddenAgain.check, 7);

      await fs.chmod(privateDir, 0o755);
      const all = [...top, ...hidden, ...addedMeanwhile, ...addedToLocked];
      const settled = await child.waitFor(
        (state) =>
          state.folders[0]!.error === null &&
          indexedPaths(state).length === all.length &&
          !state.busy,
        'the subfolder to be read again',
      );
      assert.deepEqual(indexedPaths(settled), all.sort());
      assertConsistent(settled.check, all.length);
      await child.stop();
      await assertReopensWhole(libraryDir, modelDir, all.length);
    });

    test('symlink loops are named, followed never, and the note goes when they do', async (t) => {
      const cleanup = new Cleanup(t);
      const [libraryDir, folder, staging] = await Promise.all([
        tempDir('loop-library'),
        tempDir('loop-photos'),
        tempDir('loop-staging'),
      ]);
      for (const dir of [libraryDir, folder, staging]) {
        cleanup.add(() => fs.rm(dir, { recursive: true, force: true }));
      }
      const top = await copyInto(folder, take(2));
      const album = await copyInto(path.join(folder, 'album'), take(2));
      const loops = [
        path.join(folder, 'album', 'back'),
        path.join(folder, 'a'),
        path.join(folder, 'b'),
      ];
      await fs.symlink(folder, loops[0]!);
      await fs.symlink(loops[2]!, loops[1]!);
      await fs.symlink(loops[1]!, loops[2]!);

      let live = await openLibrary(libraryDir, modelDir);
      let { engine, library } = live;
      cleanup.add(() => live.close());
      await library.start();
      await library.addFolder(folder);
      await library.settled();
      let info = engine.listFolders()[0]!;
      assert.equal(info.status, 'ok');
      assert.match(info.error ?? '', /symbolic link loop/);
      assert.deepEqual(catalogPaths(engine), [...top, ...album].sort());
      assertConsistent(await checkLibrary(engine), 4);

      // A folder moved in while watched, with a link back up to the library folder.
      const tripStaged = path.join(staging, 'trip');
      const tripPhotos = (await copyInto(tripStaged, take(2))).map((file) =>
        path.join(folder, 'trip', path.basename(file)),
      );
      await fs.symlink(folder, path.join(tripStaged, 'up'));
      loops.push(path.join(folder, 'trip', 'up'));
      await fs.rename(tripStaged, path.join(folder, 'trip'));
      await waitFor(
        () => tripPhotos.every((file) => photoAt(engine, file)?.status === 'indexed'),
        'the moved-in folder to be indexed',
      );
      // Four loops now: the note names the first and counts the rest.
      await waitFor(
        () => /\(and 3 more\)$/.test(engine.listFolders()[0]!.error ?? ''),
        'the new loop to be noted',
      );
      await library.settled();
      const everything = [...top, ...album, ...tripPhotos].sort();
      assert.deepEqual(catalogPaths(engine), everything, 'nothing catalogued through a loop');
      assertConsistent(await checkLibrary(engine), 6);

      // Across a restart the scan agrees: no duplicates, nothing removed.
      await live.close();
      live = await openLibrary(libraryDir, modelDir);
      ({ engine, library } = live);
      const embedded = embedCounter(engine);
      await library.start();
      await library.settled();
      assert.deepEqual(catalogPaths(engine), everything);
      assert.equal(embedded(), 0);
      info = engine.listFolders()[0]!;
      assert.match(info.error ?? '', /symbolic link loop/);

      for (const loop of loops) await fs.rm(loop);
      await waitFor(() => engine.listFolders()[0]!.error === null, 'the note to go with the loops');
      const added = await copyInto(path.join(folder, 'album'), take(1));
      await waitFor(() => photoAt(engine, added[0]!)?.status === 'indexed', 'a new photo');
      await library.settled();
      assertConsistent(await checkLibrary(engine), 7);
    });

    test('an unplugged drive keeps its photos, and is caught up with when it is back', async (t) => {
      const cleanup = new Cleanup(t);
      const [libraryDir, drive, media] = await Promise.all([
        tempDir('unplug-library'),
        tempDir('unplug-drive'),
        tempDir('unplug-media'),
      ]);
      for (const dir of [libraryDir, drive, media]) {
        cleanup.add(() => fs.rm(dir, { recursive: true, force: true }));
      }
      // Mounted like a removable drive: its own mount point, made on mounting and removed on
      // unmounting. Where mounting is not allowed the drive's folder is moved away and back.
      const mountPoint = path.join(media, 'CAMERA');
      let bindMount = true;
      const plug = async () => {
        if (bindMount) {
          await fs.mkdir(mountPoint);
          const refused = run('mount', ['--bind', drive, mountPoint]);
          if (refused === null) return;
          await fs.rmdir(mountPoint);
          bindMount = false;
          t.diagnostic(`no bind mount (${refused}): the folder is moved away and back instead`);
        }
        await fs.rename(drive, mountPoint);
      };
      const unplug = async () => {
        if (!bindMount) return fs.rename(mountPoint, drive);
        await unmount(mountPoint);
        await fs.rmdir(mountPoint);
      };
      const onDrive = await copyInto(path.join(drive, 'DCIM'), take(4));
      await plug();
      cleanup.add(() => bindMount && unmount(mountPoint));
      const mounted = (file: string) => path.join(mountPoint, path.relative(drive, file));

      const live = await openLibrary(libraryDir, modelDir);
      const { engine, library } = live;
      cleanup.add(() => live.close());
      const embedded = embedCounter(engine);
      await library.start();
      await library.addFolder(mountPoint);
      await library.settled();
      const ids = new Map(onDrive.map((file) => [file, photoAt(engine, mounted(file))!.id]));
      assert.equal(embedded(), 4);

      // Unplugged with work still queued.
      library.pause();
      const queued = await copyInto(path.join(mountPoint, 'DCIM'), take(2));
      await waitFor(() => engine.catalog.countJobs().index === 2, 'the new photos to be queued');
      await unplug();
      library.resume();
      await waitFor(
        () => engine.listFolders()[0]!.status === 'unavailable',
        'the unplugged drive to be noticed',
      );
      assert.equal(engine.listFolders()[0]!.error, 'no longer exists');
      await new Promise((resolve) => setTimeout(resolve, 3 * TIMING.retryMs));
      assert.deepEqual(engine.catalog.countByStatus(), { indexed: 4, error: 0 });
      const away = await checkLibrary(engine);
      assert.deepEqual(away.unavailableFolders, [mountPoint]);
      assertInAgreement(away);
      assert.deepEqual(away.missingFiles, [], 'an unplugged drive is not a deletion');
      assert.equal(away.vectors, 4);

      // Used elsewhere meanwhile: one photo deleted, one added.
      await fs.rm(onDrive[0]!);
      const addedElsewhere = await copyInto(path.join(drive, 'DCIM'), take(1));
      await plug();
      await waitFor(() => engine.listFolders()[0]!.status === 'ok', 'the drive to be back');
      const expected = [...onDrive.slice(1), ...addedElsewhere].map(mounted).concat(queued);
      await waitFor(
        () =>
          expected.every((file) => photoAt(engine, file)?.status === 'indexed') &&
          photoAt(engine, mounted(onDrive[0]!)) === undefined,
        'the library to catch up with the drive',
      );
      await library.settled();
      for (const file of onDrive.slice(1)) {
        assert.equal(photoAt(engine, mounted(file))!.id, ids.get(file), 'kept, not re-added');
      }
      assert.equal(embedded(), 4 + 3, 'only the new photos were embedded');
      assertConsistent(await checkLibrary(engine), expected.length);
    });
  });
}

interface OpenLibrary {
  engine: Engine;
  library: LiveLibrary;
  /** Stops the library and closes the engine; again, it does nothing. */
  close(): Promise<void>;
}

/** The engine and its live library (not started yet: counters go in first). */
async function openLibrary(
  libraryDir: string,
  modelDir: string,
  events: LiveLibraryEvents = {},
): Promise<OpenLibrary> {
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  const library = new LiveLibrary(engine, events, { ...TIMING, inferenceWorker: false });
  let closed: Promise<void> | null = null;
  return {
    engine,
    library,
    close: () => (closed ??= library.stop().then(() => engine.close())),
  };
}

// Checks

/**
 * The catalog and the vector index agree and no indexed photo lacks its vector or thumbnail
 * (work may still wait, and the disk may be ahead of the catalog).
 */
function assertInAgreement(report: CheckReport): void {
  const summary = JSON.stringify(report, null, 1);
  assert.deepEqual(
    report.vectorIndexDifferences,
    { missing: [], different: [], extra: [] },
    summary,
  );
  assert.equal(report.vectorIndexSize, report.vectors, summary);
  assert.deepEqual(report.photosWithoutVector, [], summary);
  assert.deepEqual(report.missingThumbnails, [], summary);
}

/** `ferret check`'s verdict: all agree, with the disk too, and nothing waits. */
function assertConsistent(report: CheckReport, photos: number): void {
  assertInAgreement(report);
  assert.deepEqual(report.missingFiles, [], JSON.stringify(report, null, 1));
  assert.ok(report.consistent, JSON.stringify(report, null, 1));
  assert.equal(report.photos, photos);
  assert.equal(report.vectors, photos);
}

/** SQLite's own verdict on the catalog file, from a connection of its own. */
function assertSqliteIntact(libraryDir: string): void {
  const db = new Database(path.join(libraryDir, 'catalog.sqlite'), { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
}

/** Opened afresh, the library is whole: the saved index is used as it is, not rebuilt. */
async function assertReopensWhole(libraryDir: string, modelDir: string, photos: number) {
  assertSqliteIntact(libraryDir);
  const notes: string[] = [];
  const logger: Logger = { info: (line) => notes.push(line), warn: (line) => notes.push(line) };
  const engine = await Engine.open({ libraryDir, modelDir, logger });
  try {
    assert.deepEqual(
      notes.filter((line) => /vector index/.test(line)),
      [],
    );
    assertConsistent(await checkLibrary(engine), photos);
  } finally {
    await engine.close();
  }
}

function photoAt(engine: Engine, file: string) {
  return engine.catalog.getPhotoByPath(file);
}

function catalogPaths(engine: Engine): string[] {
  return engine.catalog
    .listPhotos(0, 1000)
    .items.map((photo) => photo.path)
    .sort();
}

// Photos and the machine

/** The corpus's JPEGs, smallest first: real photos that decode quickly. */
async function smallCorpusPhotos(): Promise<string[]> {
  const dir = await corpusDir();
  const names = (await fs.readdir(dir)).filter(
    (name) => /\.jpe?g$/i.test(name) && isImagePath(name),
  );
  const sized = await Promise.all(
    names.map(async (name) => ({
      file: path.join(dir, name),
      size: (await fs.stat(path.join(dir, name))).size,
    })),
  );
  return sized
    .sort((a, b) => a.size - b.size || a.file.localeCompare(b.file))
    .map(({ file }) => file);
}

async function copyInto(dir: string, files: readonly string[]): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const copies = files.map((file) => path.join(dir, path.basename(file)));
  await Promise.all(files.map((file, i) => fs.copyFile(file, copies[i]!)));
  return copies;
}

async function restorePermissions(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755).catch(() => {});
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) await restorePermissions(path.join(dir, entry.name));
  }
}

/** Runs cleanup steps in reverse order of adding when the test ends, pass or fail. */
class Cleanup {
  private readonly steps: (() => unknown)[] = [];

  constructor(t: TestContext) {
    t.after(async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          console.error('cleanup:', error);
        }
      }
    });
  }

  add(step: () => unknown): void {
    this.steps.push(step);
  }
}

// The library in a process of its own, as a user that permissions apply to

interface ChildConfig {
  libraryDir: string;
  modelDir: string;
  folder: string;
  /** A folder with mode 000: whether the process can read it tells if permissions apply. */
  probe: string;
}

interface ChildState {
  probe: 'blocked' | 'readable' | null;
  busy: boolean;
  progress: IndexingProgress;
  folders: FolderInfo[];
  photos: { path: string; status: string; lastError: string | null }[];
  check: CheckReport;
}

type ChildRequest = { id: number; type: 'state' | 'stop' };
type ChildReply = { id: number; state?: ChildState; error?: string };

function indexedPaths(state: ChildState): string[] {
  return state.photos
    .filter((photo) => photo.status === 'indexed')
    .map((photo) => photo.path)
    .sort();
}

function errorPaths(state: ChildState): string[] {
  return state.photos.filter((photo) => photo.status !== 'indexed').map((photo) => photo.path);
}

/** The library, watching, in a child process that answers questions about its state. */
class LibraryProcess {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (reply: ChildReply) => void; reject: (error: Error) => void }
  >();
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (reply: ChildReply) => {
      this.waiting.get(reply.id)?.resolve(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', (code, signal) => {
      const error = new Error(`the library process ended (${signal ?? code}):\n${this.output}`);
      for (const { reject } of this.waiting.values()) reject(error);
      this.waiting.clear();
    });
  }

  static start(config: ChildConfig, wrapper: string[]): LibraryProcess {
    // Not a test run of its own: without the runner's context it only serves the library.
    const env: NodeJS.ProcessEnv = { ...process.env, [CHILD_CONFIG]: JSON.stringify(config) };
    delete env.NODE_TEST_CONTEXT;
    const command = [...wrapper, process.execPath, '--import', 'tsx', import.meta.filename];
    const child = spawn(command[0]!, command.slice(1), {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new LibraryProcess(child);
  }

  async state(): Promise<ChildState> {
    const reply = await this.ask('state');
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.state!;
  }

  /** Polls the state until `condition` holds; fails with the last state after `timeoutMs`. */
  async waitFor(
    condition: (state: ChildState) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<ChildState> {
    const deadline = Date.now() + timeoutMs;
    let state: ChildState | null = null;
    let failure: unknown = null;
    while (Date.now() < deadline) {
      try {
        state = await this.state();
      } catch (error) {
        // Still starting ('starting'), or a question it could not answer: asked again.
        if (this.child.exitCode !== null || this.child.signalCode !== null) throw error;
        failure = error;
      }
      if (state !== null && condition(state)) return state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `timed out waiting for ${what}; last state: ${JSON.stringify(state, null, 1)}; ` +
        `last failure: ${String(failure)}`,
    );
  }

  async stop(): Promise<void> {
    await this.ask('stop');
    await this.exited();
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited();
  }

  private exited(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  private ask(type: ChildRequest['type']): Promise<ChildReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, type } satisfies ChildRequest);
    });
  }
}

/** The child's side: runs the library and answers `state` and `stop` over the IPC channel. */
async function serveLibrary(config: ChildConfig): Promise<void> {
  let probe: ChildState['probe'] = null;
  let library: LiveLibrary | null = null;
  let engine: Engine | null = null;
  process.on('message', (request: ChildRequest) => {
    void (async (): Promise<ChildReply> => {
      if (request.type === 'stop') {
        await library?.stop();
        await engine?.close();
        return { id: request.id };
      }
      if (engine === null || library === null) return { id: request.id, error: 'starting' };
      const progress = library.progress();
      return {
        id: request.id,
        state: {
          probe,
          busy:
            progress.state === 'running' || Object.values(engine.catalog.countJobs()).some(Boolean),
          progress,
          folders: engine.listFolders(),
          photos: engine.catalog.listPhotos(0, 1000).items.map((photo) => ({
            path: photo.path,
            status: photo.status,
            lastError: photo.lastError,
          })),
          check: await checkLibrary(engine),
        },
      };
    })()
      .catch((error: unknown) => ({ id: request.id, error: String(error) }))
      .then((reply) => {
        process.send!(reply, () => {
          if (request.type === 'stop') process.exit(0);
        });
      });
  });
  probe = await fs.readdir(config.probe).then(
    () => 'readable' as const,
    () => 'blocked' as const,
  );
  const opened = await Engine.open({
    libraryDir: config.libraryDir,
    modelDir: config.modelDir,
    logger: silentLogger,
  });
  const live = new LiveLibrary(opened, {}, { ...TIMING, inferenceWorker: false });
  await live.start();
  if (opened.listFolders().length === 0) await live.addFolder(config.folder);
  [engine, library] = [opened, live];
}

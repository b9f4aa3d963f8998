import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { register } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { FerretApi, LibraryStatus } from '../../src-main/contract/api.js';
import { builtShell } from '../helpers/engine-host.js';
import { tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';

/**
 * Electron main and the preload as they ship (dist/shell), loaded under Node with a stand-in
 * for `electron` that records what they register. The engine host behind main is the real
 * bundle, in a Node child process. Literal values below on purpose: a weakened setting in the
 * sources must fail here, not be read back from them.
 */

register('../helpers/electron/resolve-hook.mjs', import.meta.url);
const electron = await import('../helpers/electron/stand-in.js');
const { recorded } = electron;

const OUR_PAGE = { senderFrame: { url: 'ferret-app://renderer/index.html' } };
const FOREIGN_PAGE = { senderFrame: { url: 'https://example.com/' } };

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };
function invoke(channel: string, event: object, method: string, args: unknown): Promise<Outcome> {
  const handler = recorded.ipcHandlers.get(channel) as
    ((event: object, method: string, args: unknown) => Promise<Outcome>) | undefined;
  assert.ok(handler, `no handler on ${channel}`);
  return handler(event, method, args);
}

describe('Electron main, bundled', () => {
  let scratch: string;
  let logFile: string;
  let shellDir: string;

  before(async () => {
    scratch = await tempDir('shell-wiring');
    process.env.FERRET_LOG_DIR = path.join(scratch, 'logs');
    process.env.FERRET_LIBRARY = path.join(scratch, 'library');
    logFile = path.join(scratch, 'logs', 'ferret.log');
    shellDir = await builtShell();
    await import(pathToFileURL(path.join(shellDir, 'main.js')).href);
    await waitFor(() => recorded.ipcHandlers.size > 0, 'main to wire the window');
  });

  after(async () => {
    for (const host of recorded.hosts) host.kill();
    await rm(scratch, { recursive: true, force: true });
  });

  test('the window is sandboxed and isolated, with the preload that ships', () => {
    assert.equal(recorded.windows.length, 1);
    const [window] = recorded.windows;
    const preferences = window!.options.webPreferences!;
    assert.equal(preferences.contextIsolation, true);
    assert.equal(preferences.sandbox, true);
    assert.equal(preferences.nodeIntegration, false);
    assert.equal(preferences.nodeIntegrationInWorker, false);
    assert.equal(preferences.nodeIntegrationInSubFrames, false);
    assert.equal(preferences.webSecurity, true);
    assert.equal(preferences.allowRunningInsecureContent, false);
    assert.equal(preferences.webviewTag, false);
    assert.equal(preferences.preload, path.join(shellDir, 'preload.cjs'));
    assert.ok(existsSync(preferences.preload as string));
    assert.equal(window!.loadedUrl, 'ferret-app://renderer/index.html');
  });

  test('pages may not navigate away or open windows, and get no permission', () => {
    const contents = recorded.windows[0]!.webContents;
    assert.deepEqual(contents.windowOpenHandler?.(), { action: 'deny' });
    for (const guarded of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      let prevented = false;
      contents.emit(guarded, { preventDefault: () => (prevented = true) });
      assert.ok(prevented, `${guarded} is prevented`);
    }
    let granted: boolean | undefined;
    recorded.permissionRequestHandler!(
      ...([{}, 'media', (answer: boolean) => (granted = answer)] as never[]),
    );
    assert.equal(granted, false);
    assert.equal(recorded.permissionCheckHandler!(...([{}, 'notifications'] as never[])), false);
  });

  test('both schemes are privileged as secure (no CSP bypass) and handled', async () => {
    const schemes = recorded.privilegedSchemes.map(({ scheme }) => scheme).sort();
    assert.deepEqual(schemes, ['ferret-app', 'ferret-media']);
    for (const { privileges } of recorded.privilegedSchemes) {
      assert.equal(privileges.secure, true);
      assert.notEqual(privileges.bypassCSP, true);
      assert.notEqual(privileges.corsEnabled, true);
    }
    assert.deepEqual([...recorded.protocolHandlers.keys()].sort(), schemes);
    const app = recorded.protocolHandlers.get('ferret-app')!;
    const media = recorded.protocolHandlers.get('ferret-media')!;
    assert.equal((await app(new Request('ferret-app://elsewhere/index.html'))).status, 404);
    assert.equal(
      (await app(new Request('ferret-app://renderer/%2e%2e/%2e%2e/package.json'))).status,
      404,
    );
    assert.equal((await media(new Request('ferret-media://photo/12345'))).status, 404);
    assert.equal((await media(new Request('ferret-media://photo/..%2Fetc'))).status, 404);
  });

  test('IPC: exactly the two channels; calls from our page reach the engine, others are refused', async () => {
    assert.deepEqual([...recorded.ipcHandlers.keys()].sort(), ['ferret:call', 'ferret:desktop']);
    const status = await invoke('ferret:call', OUR_PAGE, 'getStatus', {});
    assert.equal(status.ok, true, JSON.stringify(status));
    assert.equal((status as { value: LibraryStatus }).value.photos, 0);
    const refused = await invoke('ferret:call', FOREIGN_PAGE, 'getStatus', {});
    assert.deepEqual(refused, { ok: false, error: 'refused: the call did not come from Ferret' });
    const invalid = await invoke('ferret:call', OUR_PAGE, 'searchText', { query: 42 });
    assert.equal(invalid.ok, false);
    assert.match((invalid as { error: string }).error, /^invalid request: searchText/);
    const unknown = await invoke('ferret:desktop', OUR_PAGE, 'runShell', {});
    assert.equal(unknown.ok, false);
  });

  test('this run is logged in the user log folder, and Help shows the file', async () => {
    const help = recorded.applicationMenu!.template.find((item) => item.role === 'help');
    const show = help?.submenu?.find((item) => item.label === 'Show Log File');
    assert.ok(show, 'Help → Show Log File');
    show.click!();
    assert.deepEqual(recorded.shownInFolder, [logFile]);
    await waitFor(
      async () => / engine info: opened the library /.test(await readFile(logFile, 'utf8')),
      'the engine host to log the library it opened',
    );
    assert.match(await readFile(logFile, 'utf8'), / main info: Ferret 0\.0\.0-stand-in starting/);
  });

  /** What main told the window on `channel`, in order. */
  const sentOn = (channel: string) =>
    recorded.windows[0]!.webContents.sent.filter((message) => message.channel === channel).map(
      ({ args }) => args[0],
    );
  const connectionStates = () => sentOn('ferret:connection') as boolean[];
  const stoppedEvents = () =>
    sentOn('ferret:event').filter(
      (event) => (event as { type?: string }).type === 'engine-stopped',
    );
  /** Kills the engine host of the moment, as a crash would. */
  const crash = () => recorded.hosts.at(-1)!.child.kill('SIGKILL');
  const RESTART_WAIT_MS = 120_000;

  test('an engine crash is logged, the window is told it is disconnected, and main starts the engine again', async () => {
    crash();
    await waitFor(
      () => connectionStates().at(-1) === false,
      'the window to hear that the engine is gone',
    );
    assert.match(await readFile(logFile, 'utf8'), / main error: engine host crashed: /);
    const failed = await invoke('ferret:call', OUR_PAGE, 'getStatus', {});
    assert.equal(failed.ok, false);

    // Main restarts it without being asked; the window hears it is back, and calls work.
    await waitFor(
      () => connectionStates().at(-1) === true,
      'the engine to be back',
      RESTART_WAIT_MS,
    );
    assert.equal(recorded.hosts.length, 2);
    assert.deepEqual(connectionStates(), [false, true]);
    assert.deepEqual(stoppedEvents(), [], 'nothing for the user to do');
    const status = await invoke('ferret:call', OUR_PAGE, 'getStatus', {});
    assert.equal(status.ok, true, JSON.stringify(status));
    assert.match(await readFile(logFile, 'utf8'), / main info: restarting the engine host in /);
  });

  test('an engine that keeps crashing is restarted three times in a row, then left for Restart', async () => {
    // The first crash above was restart 1 of 3; two more crashes are restarted too.
    for (let restart = 2; restart <= 3; restart++) {
      crash();
      await waitFor(
        () => recorded.hosts.length === restart + 1 && connectionStates().at(-1) === true,
        `restart ${restart}`,
        RESTART_WAIT_MS,
      );
    }
    crash();
    await waitFor(() => stoppedEvents().length === 1, 'the window to hear it is left stopped');
    assert.equal(connectionStates().at(-1), false);
    assert.match(
      (stoppedEvents()[0] as { reason: string }).reason,
      /^the engine stopped \(exit code/,
    );
    assert.match(await readFile(logFile, 'utf8'), /crashed 4 times in a row: left stopped/);
    // No fifth host comes by itself.
    assert.equal(recorded.hosts.length, 4);
    assert.equal((await invoke('ferret:call', OUR_PAGE, 'getStatus', {})).ok, false);

    // Restart is the user's: it brings the engine back, and the window hears so.
    const restarted = await invoke('ferret:desktop', OUR_PAGE, 'restartEngine', {});
    assert.deepEqual(restarted, { ok: true, value: null });
    assert.equal(recorded.hosts.length, 5);
    assert.equal(connectionStates().at(-1), true);
    const status = await invoke('ferret:call', OUR_PAGE, 'getStatus', {});
    assert.equal(status.ok, true);
  });

  test('quitting closes the engine first, then quits', async () => {
    let prevented = false;
    electron.app.emit('before-quit', { preventDefault: () => (prevented = true) });
    assert.ok(prevented, 'the first quit waits for the engine');
    await waitFor(() => recorded.quits === 1, 'main to quit');
    const host = recorded.hosts.at(-1)!.child;
    await waitFor(() => host.exitCode !== null || host.signalCode !== null, 'the host to exit');
    assert.match(await readFile(logFile, 'utf8'), / engine info: closed the library/);
  });
});

describe('the preload, bundled', () => {
  test('exposes exactly FerretApi as window.ferret, over the two channels', async () => {
    const source = await readFile(path.join(await builtShell(), 'preload.cjs'), 'utf8');
    const required: string[] = [];
    // A sandboxed preload gets a require that knows `electron` and little else.
    const module = { exports: {} };
    vm.runInNewContext(source, {
      module,
      exports: module.exports,
      require: (id: string) => {
        required.push(id);
        if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
        return electron;
      },
    });
    assert.deepEqual(required, ['electron']);
    assert.deepEqual([...recorded.exposed.keys()], ['ferret']);
    const api = recorded.exposed.get('ferret') as FerretApi;
    assert.deepEqual(Object.keys(api).sort(), [
      'call',
      'desktop',
      'door',
      'mediaUrl',
      'onConnection',
      'onEvent',
    ]);
    assert.equal(api.door, 'electron');
    assert.equal(api.mediaUrl('thumbnail', 7), 'ferret-media://thumbnail/7');

    electron.rendererInvoke.answer = () => ({ ok: true, value: 'answered' });
    assert.equal(await api.call('getStatus', {}), 'answered');
    electron.rendererInvoke.answer = () => ({ ok: false, error: 'no such photo' });
    await assert.rejects(api.desktop!('showPhotoMenu', { photoId: 1 }), /^Error: no such photo$/);
    assert.deepEqual(recorded.rendererInvokes, [
      ['ferret:call', 'getStatus', {}],
      ['ferret:desktop', 'showPhotoMenu', { photoId: 1 }],
    ]);

    const events: unknown[] = [];
    const stop = api.onEvent((event) => events.push(event));
    electron.ipcRenderer.emit('ferret:event', {}, { type: 'library-changed' });
    stop();
    electron.ipcRenderer.emit('ferret:event', {}, { type: 'library-changed' });
    assert.deepEqual(events, [{ type: 'library-changed' }]);

    // Main's word on whether the engine can be reached, as the browser door's event stream.
    const states: boolean[] = [];
    const unwatch = api.onConnection((connected) => states.push(connected));
    electron.ipcRenderer.emit('ferret:connection', {}, false);
    electron.ipcRenderer.emit('ferret:connection', {}, true);
    unwatch();
    electron.ipcRenderer.emit('ferret:connection', {}, false);
    assert.deepEqual(states, [false, true]);
  });
});

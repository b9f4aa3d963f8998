import { app, BrowserWindow, dialog, Menu, shell } from 'electron';
import path from 'node:path';
import { IpcChannel } from './channels.js';
import { startEngineHost } from './engine-process.js';
import { registerIpc } from './ipc.js';
import { applicationMenu } from './menus.js';
import { handleSchemes, registerPrivilegedSchemes } from './protocol.js';
import { createMainWindow, lockDownApp } from './window.js';
import { defaultLogDir, LogFile } from '../engine/backend.js';
import type { EngineEvent } from '../contract/api.js';
import { errorMessage } from '../contract/format.js';

/**
 * Electron main: windows, menus, protocols and IPC validation only. The engine lives in a
 * utilityProcess (engine-host.ts); the renderer reaches it only through the preload's FerretApi.
 */

const here = import.meta.dirname;

registerPrivilegedSchemes();

function modelsDir(): string {
  return app.isPackaged
    ? path.join(process.resourcesPath, 'models')
    : path.join(app.getAppPath(), 'models');
}

async function start(log: LogFile): Promise<void> {
  lockDownApp();
  let window: BrowserWindow | null = null;
  const engine = startEngineHost({
    script: path.join(here, 'engine-host.js'),
    // FERRET_SQLITE_BINDING comes from `npm start` (scripts/start.mjs) and passes through.
    env: { ...process.env, FERRET_MODELS_DIR: modelsDir(), FERRET_LOG_FILE: log.file },
    log,
    onConnection: (connected) => {
      if (window !== null && !window.isDestroyed()) {
        window.webContents.send(IpcChannel.connection, connected);
      }
    },
    onStopped: (reason) => {
      if (window !== null && !window.isDestroyed()) {
        const stopped: EngineEvent = { type: 'engine-stopped', reason };
        window.webContents.send(IpcChannel.event, stopped);
      }
    },
  });
  handleSchemes(engine.backend, path.join(here, '..', 'renderer'));
  Menu.setApplicationMenu(applicationMenu({ showLogFile: () => shell.showItemInFolder(log.file) }));
  window = createMainWindow(path.join(here, 'preload.cjs'));
  const unwire = registerIpc(engine, window);

  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    unwire();
    // The engine saves its index on close; quit once it has (or the grace time is over).
    void engine.stop().finally(() => {
      log.write('info', 'quit');
      app.quit();
    });
  });

  engine.ready().catch((error: unknown) => {
    log.write('error', `could not open the library: ${errorMessage(error)}`);
    dialog.showErrorBox('Ferret could not open its library', String(error));
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const log = LogFile.startRun(defaultLogDir());
  log.write('info', `Ferret ${app.getVersion()} starting (Electron ${process.versions.electron})`);
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app
    .whenReady()
    .then(() => start(log))
    .catch((error: unknown) => {
      log.write('error', `could not start: ${errorMessage(error)}`);
      dialog.showErrorBox('Ferret could not start', String(error));
      app.quit();
    });
}

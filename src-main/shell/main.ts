import { app, BrowserWindow, dialog, Menu, shell, utilityProcess } from 'electron';
import path from 'node:path';
import { connectBackend } from './engine-protocol.js';
import type { RemoteBackend } from './engine-protocol.js';
import { registerIpc } from './ipc.js';
import { applicationMenu } from './menus.js';
import { handleSchemes, registerPrivilegedSchemes } from './protocol.js';
import { createMainWindow, lockDownApp } from './window.js';

/**
 * Electron main: windows, menus, protocols and IPC validation only. The engine lives in a
 * utilityProcess (engine-host.ts); the renderer reaches it only through the preload's FerretApi.
 */

const here = import.meta.dirname;
const SHUTDOWN_GRACE_MS = 5000;

registerPrivilegedSchemes();

function modelsDir(): string {
  return app.isPackaged
    ? path.join(process.resourcesPath, 'models')
    : path.join(app.getAppPath(), 'models');
}

function startEngineHost(): { backend: RemoteBackend; stop: () => Promise<void> } {
  const host = utilityProcess.fork(path.join(here, 'engine-host.js'), [], {
    serviceName: 'Ferret engine',
    env: { ...process.env, FERRET_MODELS_DIR: modelsDir() },
  });
  const backend = connectBackend(
    {
      postMessage: (message) => host.postMessage(message),
      onMessage: (listener) => host.on('message', listener),
    },
    {
      openPath: async (file) => (await shell.openPath(file)) === '',
      showInFolder: async (file) => {
        shell.showItemInFolder(file);
        return true;
      },
    },
  );
  host.on('exit', (code) => backend.disconnected(`the engine stopped (exit code ${code})`));

  const stop = async () => {
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
    await Promise.race([backend.shutdown(), grace]);
    host.kill();
  };
  return { backend, stop };
}

async function start(): Promise<void> {
  lockDownApp();
  const engine = startEngineHost();
  handleSchemes(engine.backend, path.join(here, '..', 'renderer'));
  Menu.setApplicationMenu(applicationMenu());
  const window = createMainWindow(path.join(here, 'preload.cjs'));
  const unwire = registerIpc(engine.backend, window);

  let stopping = false;
  app.on('before-quit', (event) => {
    if (stopping) return;
    stopping = true;
    event.preventDefault();
    unwire();
    // The engine saves its index on close; quit once it has (or the grace time is over).
    void engine.stop().finally(() => app.quit());
  });

  engine.backend.ready.catch((error: unknown) => {
    dialog.showErrorBox('Ferret could not open its library', String(error));
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.whenReady().then(start, (error: unknown) => {
    dialog.showErrorBox('Ferret could not start', String(error));
    app.quit();
  });
}

import { dialog, ipcMain, shell } from 'electron';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import { mapUrl } from '../contract/format.js';
import { IpcChannel } from './channels.js';
import type { CallOutcome } from './channels.js';
import { dispatchCall, dispatchDesktop } from './dispatch.js';
import type { DesktopHandlers } from './dispatch.js';
import type { EngineHost } from './engine-process.js';
import { showPhotoMenu } from './menus.js';
import { isAppUrl } from './security.js';

const FOLDER_DIALOG_TITLES = {
  photos: 'Add a folder of photos',
  model: 'Choose the folder that holds the model',
} as const;

/** Only our own page may call; anything else (a stray frame, a navigation) is refused. */
function fromOurPage(event: IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url);
}

const REFUSED: CallOutcome<never> = {
  ok: false,
  error: 'refused: the call did not come from Ferret',
};

/** Wires the window to the engine; returns the function that unwires it. */
export function registerIpc(engine: EngineHost, window: BrowserWindow): () => void {
  const { backend } = engine;
  const desktop: DesktopHandlers = {
    restartEngine: async () => {
      await engine.restart();
      return null;
    },
    showPhotoMenu: () => showPhotoMenu(window),
    pickFolder: async ({ purpose }) => {
      const result = await dialog.showOpenDialog(window, {
        title: FOLDER_DIALOG_TITLES[purpose],
        properties: ['openDirectory'],
      });
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    // The URL is built here from two validated numbers: the page cannot open any other address.
    openMap: async ({ latitude, longitude }) => {
      await shell.openExternal(mapUrl(latitude, longitude));
      return { opened: true };
    },
  };

  ipcMain.handle(IpcChannel.call, (event, method: unknown, args: unknown) =>
    fromOurPage(event) ? dispatchCall(backend, method, args) : REFUSED,
  );
  ipcMain.handle(IpcChannel.desktop, (event, method: unknown, args: unknown) =>
    fromOurPage(event) ? dispatchDesktop(desktop, method, args) : REFUSED,
  );
  const unsubscribe = backend.subscribe((event) => {
    if (!window.isDestroyed()) window.webContents.send(IpcChannel.event, event);
  });

  return () => {
    ipcMain.removeHandler(IpcChannel.call);
    ipcMain.removeHandler(IpcChannel.desktop);
    unsubscribe();
  };
}

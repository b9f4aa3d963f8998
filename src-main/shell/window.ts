import { app, BrowserWindow, session } from 'electron';
import { APP_ORIGIN } from './channels.js';
import { LOCKED_DOWN_PREFERENCES, lockDown } from './security.js';

/** Once, before any window: the guards hold for every web contents, not only the main window's. */
export function lockDownApp(): void {
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  // The page needs no permission at all (camera, notifications, …): every request is refused.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, answer) =>
    answer(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 860,
    minHeight: 560,
    title: 'Ferret',
    backgroundColor: '#0e1014',
    show: false,
    webPreferences: { ...LOCKED_DOWN_PREFERENCES, preload: preloadPath },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

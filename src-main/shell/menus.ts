import { Menu } from 'electron';
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron';
import type { PhotoMenuAction } from '../contract/api.js';

/** The photo's native context menu; resolves with the choice, or null when dismissed. */
export function showPhotoMenu(window: BrowserWindow): Promise<PhotoMenuAction | null> {
  return new Promise((resolve) => {
    let chosen: PhotoMenuAction | null = null;
    const item = (label: string, action: PhotoMenuAction): MenuItemConstructorOptions => ({
      label,
      click: () => (chosen = action),
    });
    const menu = Menu.buildFromTemplate([
      item('Find Similar', 'find-similar'),
      { type: 'separator' },
      item('Open', 'open'),
      item(process.platform === 'darwin' ? 'Reveal in Finder' : 'Show in Folder', 'show-in-folder'),
    ]);
    // `callback` runs after the click handler, so the choice is known by then.
    menu.popup({ window, callback: () => resolve(chosen) });
  });
}

/** The standard menus, and under Help the way to this run's log file. */
export function applicationMenu(actions: { showLogFile: () => void }): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Show Log File', click: actions.showLogFile }] },
  ];
  return Menu.buildFromTemplate(template);
}

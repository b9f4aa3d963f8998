import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A stand-in for the `electron` module, for loading the shell's bundles under plain Node. It
 * records what they register (windows, IPC handlers, protocol handlers, permission handlers,
 * menus) and does only what Node can honestly do: utilityProcess.fork forks a real Node
 * child with an IPC channel, net.fetch reads real files. It checks wiring, not Electron.
 */

type Handler = (...args: never[]) => unknown;

export const recorded = {
  privilegedSchemes: [] as { scheme: string; privileges: Record<string, boolean> }[],
  protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
  ipcHandlers: new Map<string, Handler>(),
  windows: [] as StandInWindow[],
  menus: [] as MenuTemplate[],
  applicationMenu: null as StandInMenu | null,
  permissionRequestHandler: null as Handler | null,
  permissionCheckHandler: null as Handler | null,
  shownInFolder: [] as string[],
  errorBoxes: [] as string[],
  hosts: [] as StandInUtilityProcess[],
  quits: 0,
  exposed: new Map<string, unknown>(),
  rendererInvokes: [] as unknown[][],
};

class StandInApp extends EventEmitter {
  readonly isPackaged = false;
  getAppPath = () => path.resolve(import.meta.dirname, '../../..');
  getVersion = () => '0.0.0-stand-in';
  requestSingleInstanceLock = () => true;
  whenReady = () => Promise.resolve();
  quit = () => {
    recorded.quits++;
  };
}
export const app = new StandInApp();

export class StandInWebContents extends EventEmitter {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: Handler | null = null;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: Handler): void {
    this.windowOpenHandler = handler;
  }
}

export class StandInWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  loadedUrl: string | null = null;
  constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
    super();
    recorded.windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  static getAllWindows = () => recorded.windows;
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed = () => false;
  isMinimized = () => false;
  restore(): void {}
  focus(): void {}
}
export { StandInWindow as BrowserWindow };

type MenuTemplate = { label?: string; role?: string; click?: () => void; submenu?: MenuTemplate }[];
class StandInMenu {
  constructor(readonly template: MenuTemplate) {}
  static buildFromTemplate(template: MenuTemplate): StandInMenu {
    recorded.menus.push(template);
    return new StandInMenu(template);
  }
  static setApplicationMenu(menu: StandInMenu): void {
    recorded.applicationMenu = menu;
  }
  popup(): void {}
}
export { StandInMenu as Menu };

export const dialog = {
  showErrorBox: (title: string, content: string) =>
    recorded.errorBoxes.push(`${title}: ${content}`),
  showOpenDialog: () => Promise.resolve({ canceled: true, filePaths: [] }),
};

export const shell = {
  openPath: () => Promise.resolve(''),
  showItemInFolder: (file: string) => recorded.shownInFolder.push(file),
};

export const ipcMain = {
  handle(channel: string, handler: Handler): void {
    if (recorded.ipcHandlers.has(channel)) throw new Error(`a second handler for ${channel}`);
    recorded.ipcHandlers.set(channel, handler);
  },
  removeHandler: (channel: string) => recorded.ipcHandlers.delete(channel),
};

export const protocol = {
  registerSchemesAsPrivileged(schemes: typeof recorded.privilegedSchemes): void {
    recorded.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void {
    recorded.protocolHandlers.set(scheme, handler);
  },
};

export const net = {
  async fetch(url: string): Promise<Response> {
    if (!url.startsWith('file:')) throw new Error(`the stand-in fetches files only, not ${url}`);
    return new Response(await readFile(fileURLToPath(url)));
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler: Handler) =>
      (recorded.permissionRequestHandler = handler),
    setPermissionCheckHandler: (handler: Handler) => (recorded.permissionCheckHandler = handler),
  },
};

/** Electron's UtilityProcess over a forked Node child (structured-clone messages, piped output). */
export class StandInUtilityProcess extends EventEmitter {
  readonly child;
  constructor(modulePath: string, args: string[], options: { env?: NodeJS.ProcessEnv }) {
    super();
    this.child = fork(modulePath, args, {
      env: options.env,
      serialization: 'advanced',
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.on('message', (message) => this.emit('message', message));
    this.child.on('exit', (code) => this.emit('exit', code));
  }
  get pid() {
    return this.child.pid;
  }
  get stdout() {
    return this.child.stdout;
  }
  get stderr() {
    return this.child.stderr;
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as object);
  }
  kill(): boolean {
    return this.child.kill();
  }
}

export const utilityProcess = {
  fork(modulePath: string, args: string[], options: { env?: NodeJS.ProcessEnv }) {
    const host = new StandInUtilityProcess(modulePath, args, options);
    recorded.hosts.push(host);
    return host;
  },
};

export const contextBridge = {
  exposeInMainWorld: (key: string, api: unknown) => recorded.exposed.set(key, api),
};

/** What the renderer side's invoke answers: set by the test. */
export const rendererInvoke = {
  answer: (..._args: unknown[]): unknown => ({ ok: true, value: null }),
};

export const ipcRenderer = Object.assign(new EventEmitter(), {
  invoke(...args: unknown[]): Promise<unknown> {
    recorded.rendererInvokes.push(args);
    return Promise.resolve(rendererInvoke.answer(...args));
  },
});

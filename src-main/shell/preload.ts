import { contextBridge, ipcRenderer } from 'electron';
import type { EngineEvent, FerretApi } from '../contract/api.js';
import { IpcChannel, mediaUrl } from './channels.js';
import type { CallOutcome } from './channels.js';

/**
 * The renderer's only door to the rest of the app: exactly FerretApi, as window.ferret.
 * Bundled to CommonJS (sandboxed preloads cannot load ES modules) with type-only imports.
 */

async function invoke<T>(channel: string, method: string, args: unknown): Promise<T> {
  const outcome = (await ipcRenderer.invoke(channel, method, args)) as CallOutcome<T>;
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.value;
}

const api: FerretApi = {
  door: 'electron',
  call: (method, args) => invoke(IpcChannel.call, method, args),
  desktop: (method, args) => invoke(IpcChannel.desktop, method, args),
  onEvent(listener) {
    const forward = (_event: Electron.IpcRendererEvent, engineEvent: EngineEvent) =>
      listener(engineEvent);
    ipcRenderer.on(IpcChannel.event, forward);
    return () => {
      ipcRenderer.removeListener(IpcChannel.event, forward);
    };
  },
  onConnection(listener) {
    const forward = (_event: Electron.IpcRendererEvent, connected: boolean) =>
      listener(connected === true);
    ipcRenderer.on(IpcChannel.connection, forward);
    return () => {
      ipcRenderer.removeListener(IpcChannel.connection, forward);
    };
  },
  mediaUrl,
};

contextBridge.exposeInMainWorld('ferret', api);

import { Backend, defaultLibraryDir, LogFile } from '../engine/backend.js';
import { serveBackend, type PortLike } from './engine-protocol.js';

/**
 * Entry of the engine's utilityProcess: indexing and inference run here, so the window (and
 * main) never wait on them. Main forwards validated calls; see engine-protocol.ts.
 */

/**
 * The port to main: Electron's parentPort in the app, or Node's IPC channel when the bundle
 * is forked by a plain Node process (the tests drive it that way, with the same protocol).
 */
function portToMain(): PortLike {
  const parent = (process as { parentPort?: Electron.ParentPort }).parentPort;
  if (parent !== undefined) {
    return {
      postMessage: (message) => parent.postMessage(message),
      onMessage: (listener) => parent.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined) {
    throw new Error('the engine host is started by Ferret (or forked with an IPC channel)');
  }
  return {
    postMessage: (message) => send(message),
    onMessage: (listener) => process.on('message', listener),
  };
}

// Main says where this run's log is, and which better-sqlite3 build matches this runtime.
const log = process.env.FERRET_LOG_FILE
  ? LogFile.join(process.env.FERRET_LOG_FILE, 'engine')
  : null;

serveBackend(portToMain(), async (desktop) => {
  const libraryDir = defaultLibraryDir();
  const backend = await Backend.open({
    libraryDir,
    desktop,
    logger: log?.logger(),
    sqliteBinding: process.env.FERRET_SQLITE_BINDING,
  });
  log?.write('info', `opened the library ${libraryDir}`);
  void backend.startLiveLibrary();
  backend.warmUpSearch();
  const close = backend.close.bind(backend);
  backend.close = async () => {
    await close();
    log?.write('info', 'closed the library');
  };
  return backend;
});

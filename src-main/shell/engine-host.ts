import type { ParentPort } from 'electron';
import { Backend, defaultLibraryDir } from '../engine/backend.js';
import { serveBackend } from './engine-protocol.js';

/**
 * Entry of the engine's utilityProcess: indexing and inference run here, so the window (and
 * main) never wait on them. Main forwards validated calls; see engine-protocol.ts.
 */

const parent: ParentPort = process.parentPort;

serveBackend(
  {
    postMessage: (message) => parent.postMessage(message),
    onMessage: (listener) => parent.on('message', (event) => listener(event.data)),
  },
  async (desktop) => {
    const backend = await Backend.open({ libraryDir: defaultLibraryDir(), desktop });
    void backend.startLiveLibrary();
    backend.warmUpSearch();
    return backend;
  },
);

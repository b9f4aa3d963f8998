import type { ParentPort } from 'electron';
import { createBackend } from '../engine/backend.js';
import { Engine } from '../engine/engine.js';
import { defaultLibraryDir } from '../engine/library-paths.js';
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
    const engine = await Engine.open({ libraryDir: defaultLibraryDir() });
    const backend = createBackend(engine, desktop);
    return {
      ...backend,
      async close() {
        await backend.close();
        await engine.close();
      },
    };
  },
);

import { shell, utilityProcess } from 'electron';
import { createInterface } from 'node:readline';
import type { ApiBackend, EngineEvent } from '../contract/api.js';
import type { LogFile } from '../engine/backend.js';
import { connectBackend, type RemoteBackend } from './engine-protocol.js';

/**
 * The engine's utilityProcess as main sees it: one ApiBackend that survives the host. Calls go
 * to the host of the moment; when it dies the crash is logged (with what it printed) and
 * `onStopped` is told, and `restart` starts a new one behind the same backend.
 */

const SHUTDOWN_GRACE_MS = 5000;

export interface EngineHostOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  log: LogFile;
  /** The host stopped without being asked to (a crash): the window offers a restart. */
  onStopped: (reason: string) => void;
}

interface RunningHost {
  backend: RemoteBackend;
  stop(): Promise<void>;
}

function logLines(
  stream: NodeJS.ReadableStream | null,
  log: LogFile,
  level: 'info' | 'error',
): void {
  if (stream === null) return;
  createInterface({ input: stream }).on('line', (line) => log.write(level, `engine host: ${line}`));
}

function startHost(options: EngineHostOptions): RunningHost {
  const { log } = options;
  const host = utilityProcess.fork(options.script, [], {
    serviceName: 'Ferret engine',
    env: options.env,
    stdio: 'pipe',
  });
  // What the host prints itself (a crash's stack, a native library's complaint) is kept too.
  logLines(host.stdout, log, 'info');
  logLines(host.stderr, log, 'error');
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
  let stopping = false;
  host.on('exit', (code) => {
    const reason = `the engine stopped (exit code ${code})`;
    backend.disconnected(reason);
    if (stopping) {
      log.write('info', `engine host exited (code ${code})`);
      return;
    }
    log.write('error', `engine host crashed: ${reason}`);
    options.onStopped(reason);
  });
  log.write('info', `engine host started (pid ${host.pid})`);

  return {
    backend,
    async stop() {
      stopping = true;
      const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS));
      await Promise.race([backend.shutdown(), grace]);
      host.kill();
    },
  };
}

export interface EngineHost {
  /** Forwards to whichever host is running; events keep flowing across restarts. */
  readonly backend: ApiBackend;
  /** Resolves when the current host has opened the library; rejects with its reason. */
  ready(): Promise<void>;
  /** Stops the current host (if still running) and starts a new one. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function startEngineHost(options: EngineHostOptions): EngineHost {
  const listeners = new Set<(event: EngineEvent) => void>();
  let current = startHost(options);
  const follow = (host: RunningHost) =>
    host.backend.subscribe((event) => {
      for (const listener of listeners) listener(event);
    });
  follow(current);

  return {
    backend: {
      handle: (method, args) => current.backend.handle(method, args),
      media: (kind, photoId) => current.backend.media(kind, photoId),
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    ready: () => current.backend.ready,
    async restart() {
      await current.stop();
      options.log.write('info', 'restarting the engine host');
      current = startHost(options);
      follow(current);
      await current.backend.ready;
    },
    stop: () => current.stop(),
  };
}

import { shell, utilityProcess } from 'electron';
import { createInterface } from 'node:readline';
import type { ApiBackend, EngineEvent } from '../contract/api.js';
import { errorMessage } from '../contract/format.js';
import type { LogFile } from '../engine/backend.js';
import { connectBackend, type RemoteBackend } from './engine-protocol.js';

/**
 * The engine's utilityProcess as main sees it: one ApiBackend that survives the host. Calls go
 * to the host of the moment. When it dies the crash is logged (with what it printed), the
 * window is told it is disconnected, and main starts a new host itself, a few times with a
 * growing pause; a host that keeps dying is left stopped and `onStopped` is told, so the window
 * offers an explicit Restart (`restart`), behind the same backend.
 */

const SHUTDOWN_GRACE_MS = 5000;
/** The pauses before each restart after a crash; after the last, the user decides. */
const RESTART_DELAYS_MS = [500, 2000, 5000] as const;
/** A host that has run this long without crashing starts the count of restarts afresh. */
const STABLE_MS = 60_000;

export interface EngineHostOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  log: LogFile;
  /** Whether the engine can be reached: false from a crash until a new host is ready. */
  onConnection: (connected: boolean) => void;
  /** The host kept crashing (or a new one could not open the library): Restart is the user's. */
  onStopped: (reason: string) => void;
}

interface RunningHost {
  backend: RemoteBackend;
  startedAt: number;
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

function startHost(options: EngineHostOptions, onCrash: (reason: string) => void): RunningHost {
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
    onCrash(reason);
  });
  log.write('info', `engine host started (pid ${host.pid})`);

  return {
    backend,
    startedAt: Date.now(),
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
  const { log } = options;
  const listeners = new Set<(event: EngineEvent) => void>();
  /** Restarts after crashes in a row (a host that ran STABLE_MS resets it). */
  let restarts = 0;
  let pendingRestart: NodeJS.Timeout | null = null;
  let stopped = false;

  const launch = (): RunningHost => {
    const host = startHost(options, (reason) => onCrash(host, reason));
    host.backend.subscribe((event) => {
      for (const listener of listeners) listener(event);
    });
    return host;
  };

  /** Hosts that died: their failed `ready` is the crash's, already handled. */
  const crashed = new WeakSet<RunningHost>();

  /** A new host is up once it has opened the library; one that cannot is left stopped. */
  const connectWhenReady = (host: RunningHost) =>
    host.backend.ready.then(
      () => {
        if (host === current) options.onConnection(true);
      },
      (error: unknown) => {
        // A crash says so itself (onCrash); this is a host that is up but cannot open.
        if (host === current && !crashed.has(host)) options.onStopped(errorMessage(error));
      },
    );

  function onCrash(host: RunningHost, reason: string) {
    crashed.add(host);
    if (host !== current || stopped) return;
    options.onConnection(false);
    if (Date.now() - host.startedAt >= STABLE_MS) restarts = 0;
    const delay = RESTART_DELAYS_MS[restarts];
    if (delay === undefined) {
      log.write('error', `the engine host crashed ${restarts + 1} times in a row: left stopped`);
      options.onStopped(reason);
      return;
    }
    restarts++;
    log.write(
      'info',
      `restarting the engine host in ${delay} ms (${restarts} of ${RESTART_DELAYS_MS.length})`,
    );
    pendingRestart = setTimeout(() => {
      pendingRestart = null;
      current = launch();
      void connectWhenReady(current);
    }, delay);
  }

  let current = launch();

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
      if (pendingRestart !== null) clearTimeout(pendingRestart);
      pendingRestart = null;
      restarts = 0;
      await current.stop();
      log.write('info', 'restarting the engine host');
      current = launch();
      await current.backend.ready;
      options.onConnection(true);
    },
    stop: () => {
      stopped = true;
      if (pendingRestart !== null) clearTimeout(pendingRestart);
      return current.stop();
    },
  };
}

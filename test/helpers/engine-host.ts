import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { bundleShell } from '../../scripts/bundle.mjs';

export const SHELL_DIR = path.resolve(import.meta.dirname, '../../dist/shell');
export const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');

let built: Promise<void> | undefined;

/** The shell's bundles as they ship (dist/shell), built once per test process. */
export function builtShell(): Promise<void> {
  built ??= bundleShell(SHELL_DIR);
  return built;
}

/**
 * The bundled engine host in a plain Node child process, talking over Node's IPC channel with
 * structured-clone messages (as Electron's utilityProcess port does).
 */
export function forkEngineHost(env: NodeJS.ProcessEnv): ChildProcess {
  return fork(path.join(SHELL_DIR, 'engine-host.js'), [], {
    env: { ...process.env, FERRET_MODELS_DIR: MODELS_DIR, ...env },
    serialization: 'advanced',
    // Plain Node, as the bundle ships: not the test runner's tsx loader.
    execArgv: [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/** Resolves with the exit code once the child has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { bundleShell } from '../../scripts/bundle.mjs';

/**
 * The shell's bundles as they ship, built for this test process alone: beside dist/shell (so
 * they find node_modules as it does), never over it, since another test file may be loading
 * its own copy at the same moment.
 */
export const SHELL_DIR = path.resolve(import.meta.dirname, `../../dist/shell-test-${process.pid}`);
export const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');

let built: Promise<void> | undefined;

/** The shell's bundles, built once per test process and removed when it exits. */
export function builtShell(): Promise<void> {
  if (built === undefined) {
    process.once('exit', () => rmSync(SHELL_DIR, { recursive: true, force: true }));
    built = bundleShell(SHELL_DIR);
  }
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

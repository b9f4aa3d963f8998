import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { bundleIsCurrent } from '../../scripts/bundle-inputs.mjs';
import { bundleShell } from '../../scripts/bundle.mjs';

/**
 * The shell's bundles as they ship, for the tests, beside dist/shell (so they find node_modules
 * as it does), never over it. test/prepare.ts builds them once for a whole run; a test file run
 * on its own when they are missing or older than their sources builds a copy for its process
 * alone, since another test file may be loading the shared copy at the same moment.
 */
export const PREPARED_SHELL_DIR = path.resolve(import.meta.dirname, '../../dist/shell-test');
export const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');

let built: Promise<string> | undefined;

/** The folder of the shell's bundles, current with their sources, built once per test process. */
export function builtShell(): Promise<string> {
  if (built !== undefined) return built;
  if (bundleIsCurrent(PREPARED_SHELL_DIR, 'main.js')) {
    built = Promise.resolve(PREPARED_SHELL_DIR);
  } else {
    const ownDir = `${PREPARED_SHELL_DIR}-${process.pid}`;
    process.once('exit', () => rmSync(ownDir, { recursive: true, force: true }));
    built = bundleShell(ownDir).then(() => ownDir);
  }
  return built;
}

/**
 * The bundled engine host in a plain Node child process, talking over Node's IPC channel with
 * structured-clone messages (as Electron's utilityProcess port does).
 */
export function forkEngineHost(shellDir: string, env: NodeJS.ProcessEnv): ChildProcess {
  return fork(path.join(shellDir, 'engine-host.js'), [], {
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

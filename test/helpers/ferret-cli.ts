import { execFile } from 'node:child_process';
import path from 'node:path';

export const FERRET = path.resolve(import.meta.dirname, '../../bin/ferret.js');

export interface Run {
  /** The exit status; null when a signal ended the process. */
  code: number | null;
  /** The signal that ended it (a crash, or the timeout's kill), if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `ferret` CLI as a user would, in its own process. A run past `timeoutMs` is killed
 * (and says so through `signal`), so a hang fails the test instead of stalling it. `through`
 * is a command to run it through (setpriv, to run it as another user).
 */
export function ferret(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; through?: string[] } = {},
): Promise<Run> {
  const [command, ...commandArgs] = [...(options.through ?? []), process.execPath, FERRET, ...args];
  return new Promise((resolve) => {
    execFile(
      command!,
      commandArgs,
      {
        env: { ...process.env, ...options.env },
        cwd: options.cwd,
        maxBuffer: 16 * 1024 * 1024,
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
      },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: unknown; signal?: NodeJS.Signals }) | null;
        resolve({
          code: failed === null ? 0 : typeof failed.code === 'number' ? failed.code : null,
          signal: failed?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

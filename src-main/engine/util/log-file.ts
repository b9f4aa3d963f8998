import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '../../contract/format.js';
import type { Logger } from './logger.js';

/**
 * The desktop app's log: `ferret.log` in the user's log folder holds the current run, written
 * by main, the engine host and (through the host) the embedding worker. Each run starts a new
 * file, and so does a run's file that outgrows MAX_BYTES; older ones are kept as
 * ferret.1.log … ferret.<KEPT>.log. Every line is appended on its own (open, append, close),
 * so processes sharing the file never overwrite each other and follow a rotation at once.
 */

export const LOG_FILE_NAME = 'ferret.log';
const MAX_BYTES = 5 * 1024 * 1024;
const KEPT = 4;

/** Where each platform keeps an app's logs (as Electron's app.getPath('logs')), or $FERRET_LOG_DIR. */
export function defaultLogDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRET_LOG_DIR) return env.FERRET_LOG_DIR;
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Logs', 'Ferret');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Ferret', 'logs');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Ferret', 'logs');
  }
}

function rotated(file: string, generation: number): string {
  return file.replace(/\.log$/, `.${generation}.log`);
}

/** Moves the current file aside: ferret.log becomes ferret.1.log, the oldest is dropped. */
function rotate(file: string): void {
  rmSync(rotated(file, KEPT), { force: true });
  for (let generation = KEPT - 1; generation >= 1; generation--) {
    try {
      renameSync(rotated(file, generation), rotated(file, generation + 1));
    } catch {
      // That generation does not exist yet.
    }
  }
  try {
    renameSync(file, rotated(file, 1));
  } catch {
    // No file yet, or another process has just moved it.
  }
}

export class LogFile {
  private constructor(
    readonly file: string,
    private readonly source: string,
  ) {}

  /** Main, once per run: the previous run's file is moved aside. */
  static startRun(dir: string): LogFile {
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, LOG_FILE_NAME);
    rotate(file);
    return new LogFile(file, 'main');
  }

  /** Another process of the same run writing to `file`, its lines marked with `source`. */
  static join(file: string, source: string): LogFile {
    return new LogFile(file, source);
  }

  write(level: 'info' | 'warn' | 'error', message: string): void {
    const line = `${new Date().toISOString()} ${this.source} ${level}: ${message}\n`;
    try {
      appendFileSync(this.file, line);
      if (statSync(this.file).size > MAX_BYTES) rotate(this.file);
    } catch (error) {
      // A log that cannot be written must not stop the app; say so where someone may look.
      process.stderr.write(`ferret: cannot write ${this.file}: ${errorMessage(error)}\n${line}`);
    }
  }

  /** An engine Logger writing here. */
  logger(): Logger {
    return {
      info: (message) => this.write('info', message),
      warn: (message) => this.write('warn', message),
    };
  }
}

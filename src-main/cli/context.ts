import path from 'node:path';
import type { Command } from 'commander';
import type { ExecutionProviderName } from '../contract/api.js';
import { UserError } from '../contract/errors.js';
import { Backend, defaultLibraryDir, ModelUnavailableError } from '../engine/backend.js';
import { modelProblemForCli } from './model-problem.js';
import { createOutput, type Output } from './output.js';

interface GlobalOptions {
  library: string;
  modelDir?: string;
  providers?: ExecutionProviderName[];
  json: boolean;
}

function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/**
 * Opens the library's backend for one command, holding the library's lock (one writer at a
 * time), and always closes it, so the vector index is saved and the lock released. A
 * missing model is worded here, while the backend can still say which model
 * `ferret models fetch` gets.
 */
export async function withBackend<T>(
  command: Command,
  run: (backend: Backend, output: Output) => Promise<T>,
  access: 'read' | 'write' = 'write',
): Promise<T> {
  const options = globalOptions(command);
  const output = createOutput(options.json);
  const backend = await Backend.open({
    access,
    libraryDir: options.library ?? defaultLibraryDir(),
    modelDir: options.modelDir,
    providers: options.providers,
    quiet: options.json,
  });
  try {
    return await run(backend, output);
  } catch (error) {
    if (error instanceof ModelUnavailableError) {
      throw new UserError(modelProblemForCli(error.problem, backend.modelInfo()));
    }
    throw error;
  } finally {
    await backend.close();
  }
}

/**
 * For commands that only read (search, status, check): no lock, nothing written, so they work
 * beside a running app or `ferret watch`, on a full disk and on a read-only library.
 */
export function withReadBackend<T>(
  command: Command,
  run: (backend: Backend, output: Output) => Promise<T>,
): Promise<T> {
  return withBackend(command, run, 'read');
}

/** Resolves on Ctrl+C or a polite kill, so long-running commands can close the engine cleanly. */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * A folder typed in a terminal, made absolute against the terminal's folder (the engine takes
 * only full paths). An empty one is passed on as it is, for the engine to refuse.
 */
export function terminalPath(value: string): string {
  return value.trim() === '' ? value : path.resolve(value);
}

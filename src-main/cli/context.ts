import type { Command } from 'commander';
import type { ExecutionProviderName } from '../contract/api.js';
import { ModelUnavailableError } from '../engine/embedder/model-store.js';
import { Engine } from '../engine/engine.js';
import { defaultLibraryDir } from '../engine/library-paths.js';
import { stderrLogger, silentLogger } from '../engine/util/logger.js';
import { UserError } from '../engine/util/user-error.js';
import { modelProblemForCli } from './model-problem.js';
import { createOutput, type Output } from './output.js';

export interface GlobalOptions {
  library: string;
  modelDir?: string;
  providers?: ExecutionProviderName[];
  json: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/**
 * Opens the engine for one command and always closes it, so the index is saved. A missing
 * model is worded here, while the engine can still say which model `ferret models fetch` gets.
 */
export async function withEngine<T>(
  command: Command,
  run: (engine: Engine, output: Output) => Promise<T>,
): Promise<T> {
  const options = globalOptions(command);
  const output = createOutput(options.json);
  const engine = await Engine.open({
    libraryDir: options.library ?? defaultLibraryDir(),
    modelDir: options.modelDir,
    providers: options.providers,
    logger: options.json ? silentLogger : stderrLogger,
  });
  try {
    return await run(engine, output);
  } catch (error) {
    if (error instanceof ModelUnavailableError) {
      throw new UserError(modelProblemForCli(error.problem, engine.bundledManifest));
    }
    throw error;
  } finally {
    await engine.close();
  }
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

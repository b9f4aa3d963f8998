import { Command, CommanderError, Option } from 'commander';
import { EXECUTION_PROVIDERS } from '../contract/api.js';
import { MAX_QUERY_LENGTH } from '../contract/api.js';
import { UserError } from '../contract/errors.js';
import { checkCommand } from './commands/check.js';
import { debugCommand } from './commands/debug.js';
import { duplicatesCommand } from './commands/duplicates.js';
import { foldersCommand } from './commands/folders.js';
import { indexCommand } from './commands/index-folder.js';
import { modelsCommand } from './commands/models.js';
import { photosCommand, searchCommand, similarCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { doctorCommand, statusCommand } from './commands/status.js';
import { watchCommand } from './commands/watch.js';
import { errorMessage } from '../contract/format.js';
import packageJson from '../../package.json' with { type: 'json' };

const program = new Command('ferret')
  .description('Find photos by what is in them.')
  .version(packageJson.version)
  .option(
    '--library <dir>',
    'library folder (catalog, index, thumbnails); default: per-user data folder or $FERRET_LIBRARY',
  )
  .option('--model-dir <dir>', 'model folder (with ferret-model.json)')
  .addOption(
    new Option(
      '--providers <list>',
      'execution providers to try, in order, e.g. cuda,cpu',
    ).argParser((value) =>
      value.split(',').map((name) => {
        if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
          throw new UserError(
            `unknown execution provider "${name}" (known: ${EXECUTION_PROVIDERS.join(', ')})`,
          );
        }
        return name;
      }),
    ),
  )
  .option('--json', 'machine-readable output', false)
  .exitOverride()
  .addCommand(indexCommand)
  .addCommand(watchCommand)
  .addCommand(foldersCommand)
  .addCommand(checkCommand)
  .addCommand(searchCommand)
  .addCommand(similarCommand)
  .addCommand(duplicatesCommand)
  .addCommand(photosCommand)
  .addCommand(statusCommand)
  .addCommand(doctorCommand)
  .addCommand(modelsCommand)
  .addCommand(serveCommand)
  .addCommand(debugCommand);

for (const command of program.commands) command.exitOverride();

/**
 * No argument Ferret takes is longer than a path (4096 on Linux). A longer one is refused
 * before anything loads: onnxruntime-node crashes (SIGSEGV) creating a session in a process
 * whose command line holds an argument of some tens of thousands of characters.
 */
const MAX_ARGUMENT_LENGTH = 4096;

/** Runs the command line; a failure is one line (or a JSON error) and a non-zero exit. */
async function main(): Promise<void> {
  try {
    const tooLong = process.argv.slice(2).find((arg) => arg.length > MAX_ARGUMENT_LENGTH);
    if (tooLong !== undefined) {
      throw new UserError(
        `an argument of ${tooLong.length} characters is longer than any Ferret takes (at most ${MAX_ARGUMENT_LENGTH}; a search reads the first ${MAX_QUERY_LENGTH} of its text)`,
      );
    }
    await program.parseAsync();
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
    } else {
      const message = errorMessage(error);
      const unexpected = !(error instanceof UserError);
      if (program.opts().json) {
        process.stdout.write(`${JSON.stringify({ error: message })}\n`);
      } else {
        process.stderr.write(`ferret: ${message}\n`);
      }
      if (unexpected && process.env.FERRET_DEBUG) console.error(error);
      process.exitCode = 1;
    }
  }
}

// The bundle is CommonJS (see scripts/bundle.mjs), which has no top-level await.
void main();

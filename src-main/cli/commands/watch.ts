import { Command } from 'commander';
import { UserError } from '../../contract/errors.js';
import type { EngineEvent } from '../../contract/api.js';
import { describeSpeed } from '../../contract/format.js';
import { untilStopSignal, withBackend } from '../context.js';
import type { Output } from '../output.js';

interface WatchOptions {
  exitWhenIdle: boolean;
}

/** One line of progress: rewritten in place on a terminal, every few seconds in a log. */
function progressPrinter(output: Output): (event: EngineEvent) => void {
  const tty = process.stderr.isTTY === true;
  let lastLine = '';
  let lastLogged = 0;
  return (event) => {
    if (output.json || event.type !== 'indexing') return;
    const { progress } = event;
    const line =
      progress.problem ??
      (progress.state === 'running'
        ? `indexing ${progress.done}/${progress.total} · ${describeSpeed(progress)}`
        : progress.state === 'paused'
          ? 'paused'
          : 'watching: up to date');
    if (line === lastLine) return;
    lastLine = line;
    if (tty) {
      process.stderr.write(`\r\x1b[K${line}`);
    } else if (Date.now() - lastLogged > 2000 || progress.state !== 'running') {
      lastLogged = Date.now();
      process.stderr.write(`${line}\n`);
    }
  };
}

export const watchCommand = new Command('watch')
  .description('keep the library up to date in the foreground: catch up, then index changes')
  .option('--exit-when-idle', 'catch up with the disk, finish the queued work and exit', false)
  .action(async (options: WatchOptions, command: Command) => {
    await withBackend(command, async (backend, output) => {
      const folders = await backend.handle('listFolders', {});
      if (folders.length === 0) {
        throw new UserError('no folders in the library yet: ferret folders add <folder>');
      }
      // The same live library the app runs, through the same backend.
      const unsubscribe = backend.subscribe(progressPrinter(output));
      try {
        await backend.startLiveLibrary();
        if (options.exitWhenIdle) await backend.untilIdle();
        else {
          output.note(`watching ${folders.length} folders; Ctrl+C stops`);
          await untilStopSignal();
        }
      } finally {
        await backend.stopLiveLibrary();
        unsubscribe();
        if (!output.json && process.stderr.isTTY) process.stderr.write('\n');
      }
      const status = await backend.handle('getStatus', {});
      output.result(status, () =>
        [
          `${status.photos} photos (${status.indexed} indexed, ${status.embedded} searchable, ${status.errors} unreadable)`,
          ...status.folders
            .filter((folder) => folder.status !== 'ok')
            .map((folder) => `  unavailable: ${folder.path} (${folder.error})`),
        ].join('\n'),
      );
    });
  });

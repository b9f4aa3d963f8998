import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { ModelInfo } from '../../contract/api.js';
import { describeSpeed } from '../../contract/format.js';
import type { IndexingResult } from '../../engine/backend.js';
import { terminalPath, withBackend } from '../context.js';
import { modelProblemForCli } from '../model-problem.js';

export const indexCommand = new Command('index')
  .description('index the photos in a folder (and add it to the library)')
  .argument('<folder>', 'folder of photos')
  .action(async (folder: string, _options, command: Command) => {
    await withBackend(command, async (backend, output) => {
      const bar =
        !output.json && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                format: 'indexing [{bar}] {value}/{total} photos · {speed}',
              },
              cliProgress.Presets.shades_classic,
            )
          : null;
      let started = false;
      const startedAt = Date.now();
      const summary = await backend.indexFolder(terminalPath(folder), {
        onProgress: (progress) => {
          if (bar === null) return;
          if (!started) bar.start(progress.total, 0, { speed: '' });
          started = true;
          bar.setTotal(progress.total);
          bar.update(progress.done, { speed: describeSpeed(progress) });
        },
      });
      bar?.stop();
      output.result(summary, () =>
        describeSummary(summary, (Date.now() - startedAt) / 1000, backend.modelInfo()),
      );
    });
  });

function describeSummary(summary: IndexingResult, seconds: number, fetchable: ModelInfo): string {
  const lines = [
    `${summary.folder.path}: ${summary.scanned} photos found in ${seconds.toFixed(1)} s`,
    `  ${summary.added} added, ${summary.updated} updated, ${summary.moved} moved, ${summary.unchanged} unchanged, ${summary.removed} removed, ${summary.failed} failed`,
  ];
  if (summary.embedded > 0) lines.push(`  ${summary.embedded} embedded for search`);
  for (const failure of summary.failures.slice(0, 20))
    lines.push(`  failed: ${failure.path}: ${failure.message}`);
  if (summary.failures.length > 20)
    lines.push(`  … and ${summary.failures.length - 20} more failures`);
  for (const problem of summary.scanProblems)
    lines.push(`  skipped: ${problem.path}: ${problem.message}`);
  if (summary.modelProblem !== null)
    lines.push(
      `  note: photos were catalogued but not embedded: ${modelProblemForCli(summary.modelProblem, fetchable)}`,
    );
  return lines.join('\n');
}

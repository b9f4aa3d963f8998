import { Command } from 'commander';
import { withReadBackend } from '../context.js';
import { modelProblemForCli } from '../model-problem.js';

export const statusCommand = new Command('status')
  .description('what the library holds and whether search is ready')
  .action(async (_options, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      backend.assertCatalogSound();
      await backend.vectorIndexOpened();
      const status = await backend.handle('getStatus', {});
      output.result({ library: backend.libraryDir, ...status }, () => {
        const lines = [
          `library: ${backend.libraryDir}`,
          `photos: ${status.photos} (${status.indexed} indexed, ${status.embedded} searchable, ${status.errors} unreadable)`,
          ...(status.formats.length > 0
            ? [
                `formats: ${status.formats.map(({ format, photos }) => `${format} ${photos}`).join(', ')}`,
              ]
            : []),
          ...(status.vectorIndex && status.vectorIndex.state !== 'ready'
            ? [
                status.vectorIndex.state === 'loading'
                  ? 'vector index: opening'
                  : `vector index: rebuilding (it was ${status.vectorIndex.reason}), ${status.vectorIndex.done} of ${status.vectorIndex.total} photos; searches are exact and slower meanwhile`,
              ]
            : []),
          `model: ${status.model.problem ? `none — ${modelProblemForCli(status.model.problem, status.model)}` : `${status.model.name} (${backend.modelDir})`}`,
          `folders:`,
          ...status.folders.map(
            (folder) =>
              `  ${folder.path}: ${folder.photos} photos${folder.error ? ` (${folder.error})` : ''}`,
          ),
        ];
        if (status.folders.length === 0) lines.push('  none yet: ferret index <folder>');
        return lines.join('\n');
      });
    });
  });

export const doctorCommand = new Command('doctor')
  .description('check execution providers, model files and checksums')
  .action(async (_options, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const report = await backend.doctor();
      output.result(report, () =>
        [
          `onnxruntime-node ${report.onnxruntime.node}`,
          `providers in this build: ${report.availableProviders.map((provider) => provider.name).join(', ')}`,
          `provider order: ${report.providerOrder.join(' → ')}`,
          `running on: ${report.runningProvider ?? report.providerProblem ?? 'no model loaded'}`,
          `model folder: ${report.modelDir}`,
          report.model.problem
            ? `model: missing — ${modelProblemForCli(report.model.problem, report.model)}`
            : `model: ${report.model.name}`,
          ...report.files.map((file) => `  ${file.status.padEnd(8)} ${file.path}`),
          `desktop app's log: ${report.desktopLogFile}`,
        ].join('\n'),
      );
      if (report.files.some((file) => file.status !== 'ok') || report.providerProblem !== null)
        process.exitCode = 1;
    });
  });

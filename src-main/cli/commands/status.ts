import { Command } from 'commander';
import * as ort from 'onnxruntime-node';
import { IDLE_PROGRESS } from '../../contract/api.js';
import { verifyModelFolder } from '../../engine/embedder/model-store.js';
import { defaultProviderOrder } from '../../engine/embedder/providers.js';
import { withEngine } from '../context.js';
import { modelProblemForCli } from '../model-problem.js';
import { errorMessage } from '../../contract/format.js';

export const statusCommand = new Command('status')
  .description('what the library holds and whether search is ready')
  .action(async (_options, command: Command) => {
    await withEngine(command, async (engine, output) => {
      const status = engine.status(IDLE_PROGRESS);
      output.result({ library: engine.paths.root, ...status }, () => {
        const lines = [
          `library: ${engine.paths.root}`,
          `photos: ${status.photos} (${status.indexed} indexed, ${status.embedded} searchable, ${status.errors} unreadable)`,
          `model: ${status.model.problem ? `none — ${modelProblemForCli(status.model.problem, engine.bundledManifest)}` : `${status.model.name} (${engine.modelDir})`}`,
          `folders:`,
          ...status.folders.map(
            (folder) =>
              `  ${folder.path}: ${folder.photoCount} photos${folder.error ? ` (${folder.error})` : ''}`,
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
    await withEngine(command, async (engine, output) => {
      const backends = ort.listSupportedBackends();
      const files = engine.model
        ? await verifyModelFolder(engine.model.dir, engine.model.manifest)
        : [];
      let runningProvider: string | null = null;
      let providerProblem: string | null = null;
      if (engine.model) {
        try {
          await engine.model.warmUp({ image: true });
          runningProvider = engine.model.provider;
        } catch (error) {
          providerProblem = errorMessage(error);
        }
      }
      const report = {
        onnxruntime: ort.env.versions,
        availableProviders: backends,
        providerOrder: engine.providers,
        platformDefaultOrder: defaultProviderOrder(),
        runningProvider,
        providerProblem,
        model: engine.modelInfo(),
        modelDir: engine.modelDir,
        files,
      };
      output.result(report, () =>
        [
          `onnxruntime-node ${ort.env.versions.node}`,
          `providers in this build: ${backends.map((backend) => backend.name).join(', ')}`,
          `provider order: ${engine.providers.join(' → ')}`,
          `running on: ${runningProvider ?? providerProblem ?? 'no model loaded'}`,
          `model folder: ${engine.modelDir}`,
          report.model.problem
            ? `model: missing — ${modelProblemForCli(report.model.problem, engine.bundledManifest)}`
            : `model: ${report.model.name}`,
          ...files.map((file) => `  ${file.status.padEnd(8)} ${file.path}`),
        ].join('\n'),
      );
      if (files.some((file) => file.status !== 'ok') || providerProblem !== null)
        process.exitCode = 1;
    });
  });

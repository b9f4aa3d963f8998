import { Command } from 'commander';
import type { BundledModel } from '../../contract/api.js';
import { describeDownloadProgress, formatBytes } from '../../contract/format.js';
import { withBackend, withReadBackend } from '../context.js';

const listCommand = new Command('list')
  .description('the models Ferret can download: size, whether installed, which is selected')
  .action(async (_options, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const models = await backend.handle('listBundledModels', {});
      output.result(models, () => describeModels(models));
    });
  });

function describeModels(models: BundledModel[]): string {
  const idWidth = Math.max(...models.map((model) => model.id.length));
  const rows = models.map((model) =>
    [
      `${model.selected ? '*' : ' '} ${model.id.padEnd(idWidth)}`,
      (model.downloadBytes === null ? '' : formatBytes(model.downloadBytes)).padStart(7),
      (model.installed ? 'installed' : 'not installed').padEnd(13),
      model.name,
    ].join('  '),
  );
  return [...rows, '* selected (`ferret models use <id>` selects another)'].join('\n');
}

const useCommand = new Command('use')
  .description('select the bundled model to download and search with')
  .argument('<id>', 'a model id from `ferret models list`')
  .action(async (id: string, _options, command: Command) => {
    await withBackend(command, async (backend, output) => {
      const info = await backend.handle('selectBundledModel', { id });
      output.result(info, () => {
        if (!info.present) {
          const size = info.downloadBytes === null ? '' : ` (${formatBytes(info.downloadBytes)})`;
          return `${info.name} is selected: \`ferret models fetch\` downloads it${size}`;
        }
        // Vectors are kept per model: the photos catalogued so far have none from this one yet.
        return `${info.name} is selected and ready: \`ferret watch --exit-when-idle\` embeds the photos already in the library`;
      });
    });
  });

const fetchCommand = new Command('fetch')
  .description('download a bundled model (by default the selected one), resuming where it stopped')
  .argument('[id]', 'a model id from `ferret models list`')
  .action(async (id: string | undefined, _options, command: Command) => {
    await withBackend(command, async (backend, output) => {
      let lastLine = 0;
      const fetched = await backend.fetchBundledModel(id, (progress) => {
        const now = Date.now();
        if (now - lastLine < 500 && progress.state === 'downloading') return;
        lastLine = now;
        output.note(`${progress.file}: ${describeDownloadProgress(progress)}`);
      });
      const { info, dir } = fetched;
      if (info === null) {
        output.result(
          { id: fetched.id, name: fetched.name, dir, selected: false },
          () =>
            `${fetched.name} is ready in ${dir}; \`ferret models use ${fetched.id}\` switches to it`,
        );
        return;
      }
      output.result(info, () => `${info.name} is ready in ${dir}`);
    });
  });

export const modelsCommand = new Command('models')
  .description('list, select and download models')
  .addCommand(listCommand.exitOverride())
  .addCommand(useCommand.exitOverride())
  .addCommand(fetchCommand.exitOverride());

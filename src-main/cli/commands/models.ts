import { Command } from 'commander';
import { fetchModel } from '../../engine/embedder/model-store.js';
import { withEngine } from '../context.js';
import { describeDownloadProgress } from '../../contract/format.js';

const fetchCommand = new Command('fetch')
  .description('download the default model (OpenAI CLIP ViT-B/32), resuming where it stopped')
  .action(async (_options, command: Command) => {
    await withEngine(command, async (engine, output) => {
      let lastLine = 0;
      await fetchModel({
        manifest: engine.bundledManifest,
        dir: engine.modelDir,
        onProgress: (progress) => {
          const now = Date.now();
          if (now - lastLine < 500 && progress.state === 'downloading') return;
          lastLine = now;
          output.note(`${progress.file}: ${describeDownloadProgress(progress)}`);
        },
      });
      const info = await engine.loadModel();
      output.result(info, () => `${info.name} is ready in ${engine.modelDir}`);
    });
  });

export const modelsCommand = new Command('models')
  .description('manage models')
  .addCommand(fetchCommand);

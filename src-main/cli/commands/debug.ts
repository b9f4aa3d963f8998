import fs from 'node:fs/promises';
import { Command } from 'commander';
import { withReadBackend } from '../context.js';

const tokenizeCommand = new Command('tokenize')
  .description('print the token ids the text tower receives')
  .argument('<text>')
  .action(async (text: string, _options, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const ids = backend.tokenize(text);
      output.result({ text, ids }, () => ids.join(' '));
    });
  });

const preprocessCommand = new Command('preprocess')
  .description('write the float32 CHW tensor the image tower receives')
  .argument('<image>')
  .requiredOption('--out <file>', 'where to write the little-endian float32 [3,size,size] tensor')
  .action(async (image: string, options: { out: string }, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const { bytes, shape } = await backend.imageTensor(image);
      await fs.writeFile(options.out, bytes);
      output.result(
        { out: options.out, shape },
        () => `wrote ${options.out} (float32 ${shape.join('x')})`,
      );
    });
  });

export const debugCommand = new Command('debug')
  .description('look inside the model front ends')
  .addCommand(tokenizeCommand)
  .addCommand(preprocessCommand);

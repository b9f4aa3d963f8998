import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { TextTokenizer } from '../../engine/embedder/tokenizer.js';
import { clipTensor, tensorToBytes } from '../../engine/media/preprocess.js';
import { UserError } from '../../engine/util/user-error.js';
import { withEngine } from '../context.js';

const tokenizeCommand = new Command('tokenize')
  .description('print the token ids the text tower receives')
  .argument('<text>')
  .action(async (text: string, _options, command: Command) => {
    await withEngine(command, async (engine, output) => {
      const model = engine.model;
      const tokenizer = model
        ? model.textTokenizer()
        : TextTokenizer.fromFile(
            path.join(engine.modelDir, engine.bundledManifest.text!.tokenizer),
            engine.bundledManifest.text!,
          );
      const ids = tokenizer.encode(text);
      output.result({ text, ids }, () => ids.join(' '));
    });
  });

const preprocessCommand = new Command('preprocess')
  .description('write the float32 CHW tensor the image tower receives')
  .argument('<image>')
  .requiredOption('--out <file>', 'where to write the little-endian float32 [3,size,size] tensor')
  .action(async (image: string, options: { out: string }, command: Command) => {
    await withEngine(command, async (engine, output) => {
      const spec = (engine.model?.manifest ?? engine.bundledManifest).image;
      const bytes = await fs.readFile(image).catch(() => {
        throw new UserError(`cannot read ${image}`);
      });
      const tensor = await clipTensor(bytes, spec);
      await fs.writeFile(options.out, tensorToBytes(tensor));
      const shape = [3, spec.size, spec.size];
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

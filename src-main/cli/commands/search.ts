import { Command, InvalidArgumentError } from 'commander';
import type { SearchHit } from '../../contract/api.js';
import { checkSearchText } from '../../contract/schemas.js';
import { withReadBackend } from '../context.js';

export function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  }
  return count;
}

function describeHits(hits: SearchHit[]): string {
  if (hits.length === 0) return 'no results';
  return hits
    .map((hit, i) => `${String(i + 1).padStart(3)}. ${hit.score.toFixed(4)}  ${hit.photo.path}`)
    .join('\n');
}

export const searchCommand = new Command('search')
  .description('find photos by what is in them, e.g. "dog on the beach at sunset"')
  // Checked before the engine opens, so a refused query loads no model.
  .argument('<text>', 'what to look for', checkSearchText)
  .option('-k, --limit <n>', 'number of results', parseCount, 20)
  .action(async (text: string, options: { limit: number }, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const hits = await backend.handle('searchText', { query: text, limit: options.limit });
      output.result(hits, () => describeHits(hits));
    });
  });

export const similarCommand = new Command('similar')
  .description('find photos similar to a photo (in the library or any image file)')
  .argument('<photo>', 'path of an image file')
  .option('-k, --limit <n>', 'number of results', parseCount, 20)
  .action(async (photo: string, options: { limit: number }, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const hits = await backend.findSimilarToFile(photo, options.limit);
      output.result(hits, () => describeHits(hits));
    });
  });

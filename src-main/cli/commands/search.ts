import { Command, InvalidArgumentError } from 'commander';
import type { SearchResults } from '../../contract/api.js';
import { checkSearchText } from '../../contract/schemas.js';
import { withReadBackend } from '../context.js';

export function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new InvalidArgumentError('must be a whole number from 1 to 1000');
  }
  return count;
}

function parseSteps(value: string): number {
  const steps = Number(value);
  if (!Number.isInteger(steps) || steps < 0 || steps > 20) {
    throw new InvalidArgumentError('must be a whole number from 0 to 20');
  }
  return steps;
}

/**
 * The answer, introduced by how many photos match: `verb` is what they do, in the singular and
 * the plural ("matches “cat”", "match “cat”").
 */
function describeResults(results: SearchResults, verb: [string, string]): string {
  const { hits, total, totalCapped, canShowMore } = results;
  const more = canShowMore ? ' (--more shows weaker matches)' : '';
  if (hits.length === 0) return `No photo ${verb[0]}${more || '; none is close enough'}`;
  const count = `${totalCapped ? 'More than ' : ''}${total} ${total === 1 ? `photo ${verb[0]}` : `photos ${verb[1]}`}`;
  const lines = hits.map((hit, i) => {
    const tier = hit.nearIdentical ? '  (near-identical)' : '';
    return `${String(i + 1).padStart(3)}. ${hit.score.toFixed(4)}  ${hit.photo.path}${tier}`;
  });
  const shown = hits.length < total ? `, best ${hits.length} shown` : '';
  return [`${count}${shown}${more}`, ...lines].join('\n');
}

const moreOption = [
  '--more [steps]',
  'show more: lower the match threshold by this many steps (1 when no number is given)',
  parseSteps,
] as const;

interface SearchFlags {
  limit: number;
  more?: number | true;
}

function stepOf(more: number | true | undefined): number {
  return more === true ? 1 : (more ?? 0);
}

export const searchCommand = new Command('search')
  .description('find photos by what is in them, e.g. "dog on the beach at sunset"')
  // Checked before the engine opens, so a refused query loads no model.
  .argument('<text>', 'what to look for', checkSearchText)
  .option('-k, --limit <n>', 'number of results', parseCount, 20)
  .option(...moreOption)
  .action(async (text: string, options: SearchFlags, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const results = await backend.handle('searchText', {
        query: text,
        limit: options.limit,
        step: stepOf(options.more),
      });
      const quoted = `“${text.trim()}”`;
      output.result(results, () =>
        describeResults(results, [`matches ${quoted}`, `match ${quoted}`]),
      );
    });
  });

export const similarCommand = new Command('similar')
  .description('find photos similar to a photo (in the library or any image file)')
  .argument('<photo>', 'path of an image file')
  .option('-k, --limit <n>', 'number of results', parseCount, 20)
  .option(...moreOption)
  .action(async (photo: string, options: SearchFlags, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const results = await backend.findSimilarToFile(photo, {
        limit: options.limit,
        step: stepOf(options.more),
      });
      output.result(results, () =>
        describeResults(results, [`looks like ${photo}`, `look like ${photo}`]),
      );
    });
  });

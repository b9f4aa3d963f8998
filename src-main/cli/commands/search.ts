import { Command, InvalidArgumentError } from 'commander';
import type {
  BrowseOrder,
  Orientation,
  PhotoFilter,
  PhotoOrder,
  PhotoPage,
  PhotoSummary,
  SearchResults,
} from '../../contract/api.js';
import { MAX_QUERY_LENGTH, ORIENTATIONS, PHOTO_ORDERS } from '../../contract/api.js';
import { UserError } from '../../contract/errors.js';
import { checkSearchText, dayRange } from '../../contract/schemas.js';
import { terminalPath, withReadBackend } from '../context.js';
import type { Output } from '../output.js';

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
  const { hits, total, totalCapped, canShowMore, noPhotosBecause } = results;
  if (noPhotosBecause !== null) return `No photos: ${noPhotosBecause}`;
  const more = canShowMore ? ' (--more shows weaker matches)' : '';
  if (hits.length === 0) return `No photo ${verb[0]}${more || '; none is close enough'}`;
  const count = `${totalCapped ? 'More than ' : ''}${total} ${total === 1 ? `photo ${verb[0]}` : `photos ${verb[1]}`}`;
  const lines = hits.map((hit, i) => {
    const tier = hit.nearIdentical ? '  (near-identical)' : '';
    return `${String(i + 1).padStart(3)}. ${hit.score.toFixed(4)}  ${dayOf(hit.photo)}  ${hit.photo.path}${tier}`;
  });
  const shown = hits.length < total ? `, ${hits.length} shown` : '';
  return [`${count}${shown}${more}`, ...lines].join('\n');
}

function describePage(page: PhotoPage, filtered: boolean): string {
  if (page.noPhotosBecause !== null) return `No photos: ${page.noPhotosBecause}`;
  if (page.total === 0) return 'No photos in the library yet';
  const count = `${page.total} ${page.total === 1 ? 'photo' : 'photos'}${filtered ? ' pass the filters' : ''}`;
  const shown = page.items.length < page.total ? `, ${page.items.length} shown` : '';
  const lines = page.items.map(
    (photo, i) => `${String(i + 1).padStart(3)}. ${dayOf(photo)}  ${photo.path}`,
  );
  return [`${count}${shown}`, ...lines].join('\n');
}

/** The day the photo was taken, as the grid dates it; blank when unknown. */
function dayOf(photo: PhotoSummary): string {
  return (photo.takenAt ?? '').slice(0, 10).padEnd(10);
}

const moreOption = [
  '--more [steps]',
  'show more: lower the match threshold by this many steps (1 when no number is given)',
  parseSteps,
] as const;

interface FilterFlags {
  from?: string;
  to?: string;
  date?: string;
  folder?: string;
  camera?: string;
  type?: string[];
  orientation?: Orientation;
  location?: boolean;
}

interface SearchFlags extends FilterFlags {
  limit: number;
  more?: number | true;
  sort: PhotoOrder;
}

function stepOf(more: number | true | undefined): number {
  return more === true ? 1 : (more ?? 0);
}

function parseChoice<T extends string>(choices: readonly T[], aliases: Record<string, T> = {}) {
  return (value: string): T => {
    const choice = aliases[value] ?? (choices as readonly string[]).find((c) => c === value);
    if (choice === undefined) {
      throw new InvalidArgumentError(
        `must be one of ${[...choices, ...Object.keys(aliases)].join(', ')}`,
      );
    }
    return choice as T;
  };
}

/** The flags that narrow any photo list: `search`, `similar` and `photos` take them all. */
function withFilterFlags(
  command: Command,
  orders: readonly PhotoOrder[],
  defaultOrder: PhotoOrder,
): Command {
  return command
    .option('--from <date>', 'taken on or after: 2019, 2019-07 or 2019-07-14')
    .option('--to <date>', 'taken on or before: 2019, 2019-07 or 2019-07-14')
    .option('--date <date>', 'taken in this year, month or day: 2019, 2019-07 or 2019-07-14')
    .option('--folder <dir>', 'in this folder or its subfolders')
    .option('--camera <name>', 'taken with a camera whose make or model holds this, e.g. "Apple"')
    .option(
      '--type <types>',
      'of these file types, comma-separated, e.g. heic or jpeg,png',
      (value) =>
        value
          .split(',')
          .map((type) => type.trim())
          .filter((type) => type !== ''),
    )
    .option('--orientation <which>', 'portrait or landscape', parseChoice(ORIENTATIONS))
    .option(
      '--location <yes|no>',
      'with (yes) or without (no) a GPS position',
      parseChoice(['yes', 'no'] as const),
    )
    .option(
      '--sort <order>',
      `${orders.join(', ')} or date (= newest)`,
      parseChoice(orders, { date: 'newest' }),
      defaultOrder,
    );
}

/** The filter the flags describe, checked before the engine opens (a wrong date loads no model). */
function filterOf(flags: FilterFlags): PhotoFilter | undefined {
  if (flags.date !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
    throw new UserError('--date is a range of its own: give it, or --from and --to, not both');
  }
  const filter: PhotoFilter = {
    ...(flags.date !== undefined && { from: flags.date, to: flags.date }),
    ...(flags.from !== undefined && { from: flags.from }),
    ...(flags.to !== undefined && { to: flags.to }),
    ...(flags.folder !== undefined && { folder: terminalPath(flags.folder) }),
    ...(flags.camera !== undefined && { camera: flags.camera }),
    ...(flags.type !== undefined && { types: flags.type }),
    ...(flags.orientation !== undefined && { orientation: flags.orientation }),
    ...(flags.location !== undefined && { hasLocation: (flags.location as unknown) === 'yes' }),
  };
  if (filter.camera !== undefined && filter.camera.trim() === '') {
    throw new UserError('--camera is empty: give part of a make or model, e.g. "Apple"');
  }
  if (flags.type !== undefined && flags.type.length === 0) {
    throw new UserError('--type is empty: give a file type, e.g. heic');
  }
  dayRange(filter);
  return Object.keys(filter).length === 0 ? undefined : filter;
}

/** Search text past the length that is read is cut; the note says so. */
function noteCut(text: string, output: Output): void {
  if (text.trim().length > MAX_QUERY_LENGTH) {
    output.note(
      `The search text is ${text.trim().length} characters long; its first ${MAX_QUERY_LENGTH} are searched for.`,
    );
  }
}

export const searchCommand = withFilterFlags(
  new Command('search')
    .description('find photos by what is in them, e.g. "dog on the beach at sunset"')
    // Checked before the engine opens, so a refused query loads no model.
    .argument('<text>', 'what to look for', (text: string) => (checkSearchText(text), text))
    .option('-k, --limit <n>', 'number of results', parseCount, 20)
    .option(...moreOption),
  PHOTO_ORDERS,
  'relevance',
).action(async (text: string, options: SearchFlags, command: Command) => {
  const filter = filterOf(options);
  await withReadBackend(command, async (backend, output) => {
    noteCut(text, output);
    const results = await backend.handle('searchText', {
      query: text,
      limit: options.limit,
      step: stepOf(options.more),
      filter,
      order: options.sort,
    });
    const quoted = `“${checkSearchText(text)}”`;
    output.result(results, () =>
      describeResults(results, [`matches ${quoted}`, `match ${quoted}`]),
    );
  });
});

export const similarCommand = withFilterFlags(
  new Command('similar')
    .description('find photos similar to a photo (in the library or any image file)')
    .argument('<photo>', 'path of an image file')
    .option('-k, --limit <n>', 'number of results', parseCount, 20)
    .option(...moreOption),
  PHOTO_ORDERS,
  'relevance',
).action(async (photo: string, options: SearchFlags, command: Command) => {
  const filter = filterOf(options);
  await withReadBackend(command, async (backend, output) => {
    const results = await backend.findSimilarToFile(photo, {
      limit: options.limit,
      step: stepOf(options.more),
      filter,
      order: options.sort,
    });
    output.result(results, () =>
      describeResults(results, [`looks like ${photo}`, `look like ${photo}`]),
    );
  });
});

export const photosCommand = withFilterFlags(
  new Command('photos')
    .description("list the library's photos by date, e.g. --date 2019 --camera Apple")
    .option('-k, --limit <n>', 'number of photos listed', parseCount, 20),
  ['newest', 'oldest'],
  'newest',
).action(async (options: FilterFlags & { limit: number; sort: BrowseOrder }, command: Command) => {
  const filter = filterOf(options);
  await withReadBackend(command, async (backend, output) => {
    const page = await backend.handle('listPhotos', {
      offset: 0,
      limit: options.limit,
      filter,
      order: options.sort,
    });
    output.result(page, () => describePage(page, filter !== undefined));
  });
});

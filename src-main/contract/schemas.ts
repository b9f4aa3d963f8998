import { z } from 'zod';
import type {
  DesktopMethod,
  DesktopRequestTypes,
  Method,
  ParsedRequestOf,
  RequestTypes,
} from './api.js';
import type { PhotoFilter } from './api.js';
import {
  EXECUTION_PROVIDERS,
  MAX_PICTURE_BYTES,
  MAX_QUERY_LENGTH,
  ORIENTATIONS,
  PHOTO_ORDERS,
} from './api.js';
import { ApiValidationError, UserError } from './errors.js';
import { pictureTooLarge } from './format.js';

/**
 * The zod schemas the engine side validates every request with, before any handler sees it.
 * Only the doors and the engine import this (the renderer's bundle stays free of zod); the
 * types the renderer uses are in api.ts, and `SCHEMAS_MATCH_TYPES` below fails to compile
 * when the two disagree.
 */

const photoId = z.number().int().positive();
const limit = z.number().int().min(1).max(500).default(60);
const folderPath = z.string().min(1).max(4096);
/**
 * How far down the model's thresholds a search goes: 0 keeps only clear matches, and each
 * "Show more" asks for the next, looser step (past the last, the last applies).
 */
const relevanceStep = z.number().int().min(0).max(20).default(0);

/**
 * The one rule for search text, whichever door it comes through: not empty, and cut to the
 * length that is read (CLIP reads 77 tokens; what lies past the cut would change nothing).
 */
export function checkSearchText(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new UserError('the search text is empty: type what to look for');
  return trimmed.slice(0, MAX_QUERY_LENGTH);
}

const DAY_FORM = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * A filter's dates as the first and last day they cover ('YYYY-MM-DD'): a year or a month
 * given as `from` starts on its first day, as `to` ends on its last. Refuses a date that is not
 * one, and a range whose start comes after its end.
 */
export function dayRange(filter: Pick<PhotoFilter, 'from' | 'to'>): {
  fromDay?: string;
  toDay?: string;
} {
  const fromDay = filter.from === undefined ? undefined : calendarDay(filter.from, 'start');
  const toDay = filter.to === undefined ? undefined : calendarDay(filter.to, 'end');
  if (fromDay !== undefined && toDay !== undefined && fromDay > toDay) {
    throw new UserError(
      `the dates are the wrong way round: from ${filter.from} is after to ${filter.to}`,
    );
  }
  return { ...(fromDay && { fromDay }), ...(toDay && { toDay }) };
}

function calendarDay(value: string, end: 'start' | 'end'): string {
  const match = DAY_FORM.exec(value.trim());
  const [, year, month, day] = match ?? [];
  const monthNumber = month === undefined ? undefined : Number(month);
  const lastDay = (m: number) => new Date(Date.UTC(Number(year), m, 0)).getUTCDate();
  if (
    year === undefined ||
    (monthNumber !== undefined && (monthNumber < 1 || monthNumber > 12)) ||
    (day !== undefined && (Number(day) < 1 || Number(day) > lastDay(monthNumber!)))
  ) {
    throw new UserError(`"${value}" is not a date: write 2019, 2019-07 or 2019-07-14`);
  }
  if (day !== undefined) return `${year}-${month}-${day}`;
  if (month !== undefined)
    return `${year}-${month}-${end === 'start' ? '01' : lastDay(monthNumber!)}`;
  return `${year}-${end === 'start' ? '01-01' : '12-31'}`;
}
/** How model manifests name their model: also what `ferret models use` takes. */
export const modelIdSchema = z
  .string()
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'model ids are lowercase letters, digits, ".", "_" and "-"');

const noArgs = z.object({}).strict();
/** A selection of photos to act on together. */
const photoIds = z.array(photoId).min(1).max(10_000);

/** Dates are checked as dates (and as a range) by `dayRange`, with a message that says how. */
const filterDate = z.string().min(1).max(10);

const photoFilterSchema = z
  .object({
    from: filterDate.optional(),
    to: filterDate.optional(),
    folder: folderPath.optional(),
    camera: z.string().trim().min(1).max(200).optional(),
    types: z.array(z.string().trim().toLowerCase().min(1).max(16)).min(1).max(32).optional(),
    orientation: z.enum(ORIENTATIONS).optional(),
    hasLocation: z.boolean().optional(),
  })
  .strict();
const photoOrder = z.enum(PHOTO_ORDERS).default('relevance');
/**
 * Search text, trimmed and cut to the length that is read. An empty one is left for the engine
 * to refuse in words (`checkSearchText`) rather than as a validation error; the bound only
 * keeps a request to a sane size.
 */
const searchQuery = z
  .string()
  .max(MAX_QUERY_LENGTH * 100)
  .trim()
  .transform((text) => text.slice(0, MAX_QUERY_LENGTH));

/** What every search (text, similar, by picture) takes beside what it searches with. */
const searchOptions = {
  limit,
  step: relevanceStep,
  filter: photoFilterSchema.optional(),
  order: photoOrder,
};

export const requestSchemas = {
  getStatus: noArgs,
  listPhotos: z
    .object({
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000),
      filter: photoFilterSchema.optional(),
      order: z.enum(['newest', 'oldest']).optional(),
    })
    .strict(),
  listMonths: noArgs,
  listDays: noArgs,
  getPhoto: z.object({ photoId }).strict(),
  listUnreadablePhotos: noArgs,
  getPhotoDetails: z.object({ photoId }).strict(),
  searchText: z.object({ query: searchQuery, ...searchOptions }).strict(),
  findSimilar: z.object({ photoId, ...searchOptions }).strict(),
  findSimilarToPicture: z
    .object({
      picture: z
        .custom<Uint8Array>((value) => value instanceof Uint8Array, 'the picture must be bytes')
        .refine((bytes) => bytes.length > 0, 'the picture is empty (0 bytes)')
        .refine((bytes) => bytes.length <= MAX_PICTURE_BYTES, {
          error: (issue) => pictureTooLarge('the picture', (issue.input as Uint8Array).length),
        }),
      ...searchOptions,
    })
    .strict(),
  listCameras: noArgs,
  findSimilarToPhotos: z.object({ photoIds, limit, step: relevanceStep }).strict(),
  listFolders: noArgs,
  addFolder: z.object({ path: folderPath }).strict(),
  removeFolder: z.object({ folderId: z.number().int().positive() }).strict(),
  pauseIndexing: noArgs,
  resumeIndexing: noArgs,
  cancelIndexing: noArgs,
  fetchModel: noArgs,
  useModelFolder: z.object({ path: folderPath }).strict(),
  listBundledModels: noArgs,
  selectBundledModel: z.object({ id: modelIdSchema }).strict(),
  getSettings: noArgs,
  updateSettings: z
    .object({ providers: z.array(z.enum(EXECUTION_PROVIDERS)).min(1).max(4).optional() })
    .strict(),
  openPhoto: z.object({ photoId }).strict(),
  showPhotoInFolder: z.object({ photoId }).strict(),
  moveToTrash: z.object({ photoIds: z.array(photoId).min(1).max(1000) }).strict(),
  listDuplicates: z.object({ tier: z.enum(['exact', 'near']).optional() }).strict(),
} as const satisfies Record<Method, z.ZodType>;

export const METHODS = Object.keys(requestSchemas) as Method[];

const desktopRequestSchemas = {
  showPhotoMenu: z.object({ photoId }).strict(),
  pickFolder: z.object({ purpose: z.enum(['photos', 'model']) }).strict(),
  openMap: z
    .object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
    .strict(),
  restartEngine: z.object({}).strict(),
} as const satisfies Record<DesktopMethod, z.ZodType>;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Methods whose schema accepts or yields something other than api.ts declares. */
type Mismatched =
  | {
      [M in Method]: Same<z.input<(typeof requestSchemas)[M]>, RequestTypes[M]> extends true
        ? Same<z.output<(typeof requestSchemas)[M]>, ParsedRequestOf<M>> extends true
          ? never
          : M
        : M;
    }[Method]
  | {
      [M in DesktopMethod]: Same<
        z.output<(typeof desktopRequestSchemas)[M]>,
        DesktopRequestTypes[M]
      > extends true
        ? never
        : M;
    }[DesktopMethod];
/** Does not compile while a schema and its type in api.ts disagree (the error names the method). */
export const SCHEMAS_MATCH_TYPES: [Mismatched] extends [never] ? true : Mismatched = true;

/**
 * Validates an untrusted call against one family of schemas: unknown methods and malformed
 * arguments are refused with a message that says which.
 */
function parseAgainst<Schemas extends Record<string, z.ZodType>>(
  schemas: Schemas,
  family: string,
  method: unknown,
  args: unknown,
): { method: keyof Schemas & string; args: z.output<Schemas[keyof Schemas]> } {
  if (typeof method !== 'string' || !Object.hasOwn(schemas, method)) {
    throw new ApiValidationError(`unknown ${family} ${JSON.stringify(method)}`);
  }
  const parsed = schemas[method]!.safeParse(args ?? {});
  if (!parsed.success) {
    throw new ApiValidationError(`${method}: ${z.prettifyError(parsed.error)}`);
  }
  return { method, args: parsed.data as z.output<Schemas[keyof Schemas]> };
}

export function parseRequest(
  method: unknown,
  args: unknown,
): { method: Method; args: ParsedRequestOf<Method> } {
  return parseAgainst(requestSchemas, 'method', method, args);
}

export function parseDesktopRequest(
  method: unknown,
  args: unknown,
): { method: DesktopMethod; args: DesktopRequestTypes[DesktopMethod] } {
  return parseAgainst(desktopRequestSchemas, 'desktop method', method, args);
}

/**
 * A fresh process that opens the million-photo library the way a door starts and answers one
 * first question (a text query or a Find similar), then, once the index is settled and the
 * process idle, reports its memory and times the library's browsing and search calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openLibrary } from './open-library.js';
import { childArgs, emit } from './protocol.js';
import { rssMiB } from '../memory.js';
import { latencies } from '../stats.js';
import { splitLatencies, watchThreadHolds, type SplitCall } from '../thread-holds.js';

export interface MillionStartArgs {
  libraryDir: string;
  modelDir: string;
  first: 'text' | 'similar';
  /** Photos whose neighbours are asked for (warm), and a year and camera to browse. */
  similarIds: number[];
  browse: { year: string; camera: string };
  /** Only the first answer (cold starts after the first). */
  firstOnly: boolean;
  /**
   * Watch the thread from opening until the first answer: the watch turns the event loop
   * without pause, taking a core, so such a start is not one to time.
   */
  watchStart?: boolean;
}

export interface MillionStartResult {
  openMs: number;
  memory: { rssMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number };
  similarMs: number[];
  similarHits: number[][];
  pageMs: { first: number[]; middle: number[]; last: number[] };
  /** Each depth's slowest call, split into the thread running and waiting for a core. */
  pageSlowest: { first: SplitCall; middle: SplitCall; last: SplitCall };
  monthsMs: number[];
  months: number;
  browseMs: number[];
  browseHits: number;
}

const K = 10;
const REPEATS = 20;
const MIB = 1024 * 1024;

// Node's own start, then the bundle's imports (native modules included) until this line runs.
emit('started', {
  nodeMs: performance.nodeTiming.bootstrapComplete,
  importsMs: performance.now() - performance.nodeTiming.bootstrapComplete,
});
const args = childArgs<MillionStartArgs>();
// The thread that answers queries, from opening until the first answer and the index read.
const stopWatchingStart = args.watchStart ? watchThreadHolds() : null;
const { engine, openMs, openedAt } = await openLibrary(args);
emit('open');
// When the index is read and answers, timed on its own: the question below may wait for it.
let indexReadMs = Number.NaN;
const indexRead = engine.vectors!.whenOpened().then(() => {
  indexReadMs = performance.now() - openedAt;
});
// Whether the index was still being read when the question came: then the search waits for it.
const indexState = engine.vectors!.status().state;
if (args.first === 'text') {
  // The text tower's session apart from the query, in a worker thread as the doors open it.
  await engine.warmUpTextSearch(true);
  emit('text-tower');
  await engine.searchText('a dog on the beach at sunset', { limit: K });
} else {
  await engine.findSimilar(args.similarIds[0]!, { limit: K });
}
emit('answered', { indexState });
await indexRead;
const startHolds = await stopWatchingStart?.();
if (args.firstOnly) {
  await engine.close();
  emit('result', { openMs, indexReadMs, startHolds });
  process.exit(0);
}

await engine.vectors!.whenSettled();
await sleep(1000);
const usage = process.memoryUsage();
const memory = {
  rssMiB: rssMiB(),
  heapUsedMiB: usage.heapUsed / MIB,
  externalMiB: usage.external / MIB,
  arrayBuffersMiB: usage.arrayBuffers / MIB,
};

const similarHits: number[][] = [];
const similarMs = await latencies(args.similarIds, async (id) => {
  similarHits.push((await engine.findSimilar(id, { limit: K })).hits.map((hit) => hit.photo.id));
});
const total = engine.listPhotos(0, 0).total;
const PAGE = 200;
const at = (offset: number) => () => Array.from({ length: REPEATS }, () => offset);
const pages = {
  first: await splitLatencies(at(0)(), (offset) => engine.listPhotos(offset, PAGE)),
  middle: await splitLatencies(
    Array.from({ length: REPEATS }, (_, i) => Math.floor(total / 2) + i * 997),
    (offset) => engine.listPhotos(offset, PAGE),
  ),
  last: await splitLatencies(at(Math.max(0, total - PAGE))(), (offset) =>
    engine.listPhotos(offset, PAGE),
  ),
};
const pageMs = {
  first: pages.first.samples,
  middle: pages.middle.samples,
  last: pages.last.samples,
};
const pageSlowest = {
  first: pages.first.slowest,
  middle: pages.middle.slowest,
  last: pages.last.slowest,
};
let months = 0;
const monthsMs = await latencies(at(0)(), () => (months = engine.listMonths().length));

// The first page of one year and one camera, and the count, through the grid's filters: the
// camera's photos of the year are a range of the (camera, sort_day, sort_at, id) index.
let browseHits = 0;
const browseMs = await latencies(at(0)(), () => {
  const filter = { camera: args.browse.camera, from: args.browse.year, to: args.browse.year };
  browseHits = engine.listPhotos(0, PAGE, { filter }).items.length;
});
await engine.close();

const result: MillionStartResult = {
  openMs,
  memory,
  similarMs,
  similarHits,
  pageMs,
  pageSlowest,
  monthsMs,
  months,
  browseMs,
  browseHits,
};
emit('result', result);

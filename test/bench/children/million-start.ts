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

export interface MillionStartArgs {
  libraryDir: string;
  modelDir: string;
  first: 'text' | 'similar';
  /** Photos whose neighbours are asked for (warm), and a year and camera to browse. */
  similarIds: number[];
  browse: { year: string; camera: string };
  /** Only the first answer (cold starts after the first). */
  firstOnly: boolean;
}

export interface MillionStartResult {
  openMs: number;
  memory: { rssMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number };
  similarMs: number[];
  similarHits: number[][];
  pageMs: { first: number[]; middle: number[]; last: number[] };
  monthsMs: number[];
  months: number;
  browseMs: number[];
  browseHits: number;
}

const K = 10;
const REPEATS = 20;
const MIB = 1024 * 1024;

const args = childArgs<MillionStartArgs>();
const { engine, openMs, openedAt } = await openLibrary(args);
emit('open');
// Whether the index was still being read when the question came: then it is answered exactly.
const indexState = engine.vectors!.status().state;
if (args.first === 'text') await engine.searchText('a dog on the beach at sunset', { limit: K });
else await engine.findSimilar(args.similarIds[0]!, { limit: K });
emit('answered', { indexState, indexStateAfter: engine.vectors!.status().state });
// From opening until the index is read and answers: what a Find similar would wait for it.
await engine.vectors!.whenOpened();
const indexReadMs = performance.now() - openedAt;
if (args.firstOnly) {
  await engine.close();
  emit('result', { openMs, indexReadMs });
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
const pageMs = {
  first: await latencies(at(0)(), (offset) => engine.listPhotos(offset, PAGE)),
  middle: await latencies(
    Array.from({ length: REPEATS }, (_, i) => Math.floor(total / 2) + i * 997),
    (offset) => engine.listPhotos(offset, PAGE),
  ),
  last: await latencies(at(Math.max(0, total - PAGE))(), (offset) =>
    engine.listPhotos(offset, PAGE),
  ),
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
  monthsMs,
  months,
  browseMs,
  browseHits,
};
emit('result', result);

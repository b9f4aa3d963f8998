/**
 * A fresh process that opens an indexed library and answers text queries, the way a door
 * (CLI, server, desktop) starts: it reports when its modules are loaded, when the engine is
 * open, when the first query is answered (the parent times this from spawn), resident memory
 * idle, then warm latencies of text queries and their parts, and of find-similar.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openLibrary } from './open-library.js';
import { childArgs, emit } from './protocol.js';
import { peakRssMiB, rssMiB } from '../memory.js';
import { latencies } from '../stats.js';

export interface FirstQueryArgs {
  libraryDir: string;
  modelDir: string;
  queries: string[];
  /** Rounds over `queries` after the first answer; 0 for a cold-start-only run. */
  warmRounds: number;
  /** Find-similar queries, from photos spread evenly over the library. */
  similarQueries: number;
}

export interface FirstQueryResult {
  modulesLoadedMs: number;
  openMs: number;
  /** The first query in all, and the parts of it spent loading the tokenizer and the tower. */
  firstQueryMs: number;
  tokenizerLoadMs: number;
  textSessionMs: number;
  firstRunMs: number;
  rssOpenMiB: number;
  rssIdleMiB: number;
  peakRssMiB: number | null;
  warmQueryMs: number[];
  tokenizeMs: number[];
  textTowerMs: number[];
  indexSearchMs: number[];
  findSimilarMs: number[];
}

const K = 10;
/** Long enough for the allocator to hand back what the first query's set-up left over. */
const SETTLE_MS = 1000;

const modulesLoadedMs = performance.now();
emit('loaded');
const args = childArgs<FirstQueryArgs>();
const [first, ...rest] = args.queries;
if (first === undefined) throw new Error('first-query needs at least one query');

const { engine, openMs } = await openLibrary(args);
const rssOpenMiB = rssMiB();

// The first query, in the steps Engine.searchText takes on its own when nothing is loaded yet,
// timed one by one: the same work in the same order as a plain first searchText.
const model = engine.model!;
const asking = performance.now();
model.textTokenizer();
const tokenizerLoadMs = performance.now() - asking;
await model.warmUp({ text: true });
const textSessionMs = performance.now() - asking - tokenizerLoadMs;
const running = performance.now();
const { hits } = await engine.searchText(first, { limit: K });
const firstRunMs = performance.now() - running;
const firstQueryMs = performance.now() - asking;
emit('answered', { hits: hits.length });

await sleep(SETTLE_MS);
const rssIdleMiB = rssMiB();

const vectors = engine.vectors!;
const warm = Array.from({ length: args.warmRounds }, () => [first, ...rest]).flat();
const warmQueryMs = await latencies(warm, (query) => engine.searchText(query, { limit: K }));
const tokenizeMs = await latencies(warm, (query) => model.textTokenizer().encodeBatch([query]));
const queryVectors: Float32Array[] = [];
const textTowerMs = await latencies(warm, async (query) => {
  queryVectors.push((await model.embedTexts([query]))[0]!);
});
const indexSearchMs = await latencies(queryVectors, (vector) => vectors.search(vector, K));
const { total } = engine.catalog.listPhotos(0, 0);
const similarIds = Array.from(
  { length: Math.min(args.similarQueries, total) },
  (_, i) =>
    engine.catalog.listPhotos(Math.floor((i * total) / args.similarQueries), 1).items[0]!.id,
);
const findSimilarMs = await latencies(similarIds, (id) => engine.findSimilar(id, { limit: K }));
await engine.close();

const result: FirstQueryResult = {
  modulesLoadedMs,
  openMs,
  firstQueryMs,
  tokenizerLoadMs,
  textSessionMs,
  firstRunMs,
  rssOpenMiB,
  rssIdleMiB,
  peakRssMiB: peakRssMiB(),
  warmQueryMs,
  tokenizeMs,
  textTowerMs,
  indexSearchMs,
  findSimilarMs,
};
emit('result', result);

/**
 * Indexes a folder into a fresh library in a process of its own, so its resident memory is the
 * engine's alone, and optionally asks text queries one after another while it runs (in the
 * same process, as the desktop's engine host does: onnxruntime and libvips work off the
 * JavaScript thread, so queries interleave with the indexing pipeline).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../../src-main/engine/engine.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { childArgs, emit } from './protocol.js';
import type { IndexTuning } from '../config.js';
import { peakRssMiB, RssSampler, rssMiB } from '../memory.js';

export interface IndexLibraryArgs {
  libraryDir: string;
  modelDir: string;
  photosDir: string;
  tuning: IndexTuning;
  /** Asked in turn, `queryPauseMs` apart, for as long as indexing runs; empty for none. */
  queries: string[];
  queryPauseMs: number;
}

export interface IndexLibraryResult {
  embedded: number;
  failed: number;
  /** From the call to indexFolder to its return (sessions already open). */
  indexMs: number;
  /** Opening the image tower (and the text tower, when queries are asked). */
  warmUpMs: number;
  rssOpenMiB: number;
  rssWarmMiB: number;
  rssIndexingPeakMiB: number;
  rssIndexingMeanMiB: number;
  peakRssMiB: number | null;
  queryMs: number[];
}

const RSS_INTERVAL_MS = 100;
const K = 10;

const args = childArgs<IndexLibraryArgs>();
const engine = await Engine.open({
  libraryDir: args.libraryDir,
  modelDir: args.modelDir,
  logger: silentLogger,
  tuning: args.tuning,
});
const model = engine.model;
if (model === null) throw new Error(`no usable model in ${args.modelDir}`);
const rssOpenMiB = rssMiB();
const warming = performance.now();
await model.warmUp({ image: true, text: args.queries.length > 0 });
const warmUpMs = performance.now() - warming;
const rssWarmMiB = rssMiB();

const sampler = new RssSampler(RSS_INTERVAL_MS);
let indexing = true;
const queryMs: number[] = [];
const asking = (async () => {
  for (let i = 0; indexing && args.queries.length > 0; i++) {
    const started = performance.now();
    await engine.searchText(args.queries[i % args.queries.length]!, { limit: K });
    queryMs.push(performance.now() - started);
    await sleep(args.queryPauseMs);
  }
})();
const started = performance.now();
const summary = await engine.indexFolder(args.photosDir);
const indexMs = performance.now() - started;
indexing = false;
await asking;
const rss = sampler.stop();
await engine.close();

const result: IndexLibraryResult = {
  embedded: summary.embedded,
  failed: summary.failed,
  indexMs,
  warmUpMs,
  rssOpenMiB,
  rssWarmMiB,
  rssIndexingPeakMiB: rss.peakMiB,
  rssIndexingMeanMiB: rss.meanMiB,
  peakRssMiB: peakRssMiB(),
  queryMs,
};
emit('result', result);

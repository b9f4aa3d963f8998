import type { FirstQueryArgs, FirstQueryResult } from '../children/first-query.js';
import { findEvent, runChild, type ChildRunner } from '../child-process.js';
import type { BenchConfig } from '../config.js';
import { log } from '../log.js';
import { mean, summarize, type LatencySummary } from '../stats.js';
import { TEXT_QUERIES } from '../text-queries.js';
import type { ModelVariant } from './pipeline.js';

export interface LibraryUnderTest {
  label: string;
  /** The indexed corpus, or synthetic vectors (for start-up at scale). */
  kind: 'corpus' | 'synthetic';
  variant: ModelVariant;
  libraryDir: string;
  modelDir: string;
  photos: number;
}

export interface StartupFigures {
  runner: ChildRunner;
  starts: number;
  /** From spawning the process to reading its first answer, measured by the parent. */
  firstAnsweredMs: LatencySummary;
  /** From the process's start to its first line of code: node, the loader and every import. */
  modulesLoadedMs: LatencySummary;
  openMs: LatencySummary;
  /** The first query of a fresh process: loads the tokenizer and the text tower. */
  coldQueryMs: LatencySummary;
  /** Parts of the cold query: reading the tokenizer, creating the text tower's session. */
  tokenizerLoadMs: LatencySummary;
  textSessionMs: LatencySummary;
  firstRunMs: LatencySummary;
  rssOpenMiB: number;
  rssIdleMiB: number;
}

export interface QueryReport extends Omit<LibraryUnderTest, 'libraryDir' | 'modelDir'> {
  startups: StartupFigures[];
  /** Largest resident set of the process that ran the warm queries too. */
  peakRssMiB: number | null;
  warmQueryMs: LatencySummary;
  tokenizeMs: LatencySummary;
  /** Tokenizer and text tower together (ClipModel.embedTexts). */
  textTowerMs: LatencySummary;
  indexSearchMs: LatencySummary;
  findSimilarMs: LatencySummary;
}

const RUNNERS: readonly ChildRunner[] = ['bundle', 'tsx'];

/**
 * Starts fresh processes on an indexed library, with each runner: every one answers a first
 * query (cold start); the very first also times warm text queries and find-similar.
 */
export async function runQuerySection(
  config: BenchConfig,
  library: LibraryUnderTest,
): Promise<QueryReport> {
  const queries = TEXT_QUERIES.slice(0, config.textQueries);
  const startups: StartupFigures[] = [];
  let measured: FirstQueryResult | undefined;
  for (const runner of RUNNERS) {
    log(`${library.label}: ${config.coldStarts} fresh start(s) with ${runner}`);
    const starts: { firstAnsweredMs: number; result: FirstQueryResult }[] = [];
    for (let start = 0; start < config.coldStarts; start++) {
      const measuring = measured === undefined && start === 0;
      // Each start asks a different first query, so no start is favoured by its text.
      const first = queries[start % queries.length]!;
      const args: FirstQueryArgs = {
        libraryDir: library.libraryDir,
        modelDir: library.modelDir,
        queries: [first, ...queries.filter((query) => query !== first)],
        warmRounds: measuring ? config.warmRounds : 0,
        similarQueries: measuring ? config.findSimilarQueries : 0,
      };
      const events = await runChild('first-query.ts', args, runner);
      const result = findEvent<FirstQueryResult>(events, 'result').data;
      starts.push({ firstAnsweredMs: findEvent(events, 'answered').atMs, result });
      if (measuring) measured = result;
    }
    const results = starts.map((start) => start.result);
    startups.push({
      runner,
      starts: starts.length,
      firstAnsweredMs: summarize(starts.map((start) => start.firstAnsweredMs)),
      modulesLoadedMs: summarize(results.map((result) => result.modulesLoadedMs)),
      openMs: summarize(results.map((result) => result.openMs)),
      coldQueryMs: summarize(results.map((result) => result.firstQueryMs)),
      tokenizerLoadMs: summarize(results.map((result) => result.tokenizerLoadMs)),
      textSessionMs: summarize(results.map((result) => result.textSessionMs)),
      firstRunMs: summarize(results.map((result) => result.firstRunMs)),
      rssOpenMiB: mean(results.map((result) => result.rssOpenMiB)),
      rssIdleMiB: mean(results.map((result) => result.rssIdleMiB)),
    });
  }
  return {
    label: library.label,
    kind: library.kind,
    variant: library.variant,
    photos: library.photos,
    startups,
    peakRssMiB: measured!.peakRssMiB,
    warmQueryMs: summarize(measured!.warmQueryMs),
    tokenizeMs: summarize(measured!.tokenizeMs),
    textTowerMs: summarize(measured!.textTowerMs),
    indexSearchMs: summarize(measured!.indexSearchMs),
    findSimilarMs: summarize(measured!.findSimilarMs),
  };
}

import type { TestModelSize } from '../models/make-test-model.js';
import type { MillionConfig } from './sections/million.js';

/** The knobs the engine exposes for indexing (Engine.open's `tuning`). */
export interface IndexTuning {
  batchSize: number;
  decodeConcurrency: number;
  intraOpThreads: number;
}

export interface BenchConfig {
  mode: 'full' | 'quick';
  modelSize: TestModelSize;
  /** Corpus photos per round (null: all of them). */
  photosPerRound: number | null;
  /** Rounds of the corpus copied into the library indexed end to end. */
  libraryRounds: number;
  /** The engine's defaults, measured first and used for every other section. */
  defaultTuning: IndexTuning;
  /** Further end-to-end runs, to see which way the knobs move throughput. */
  alternativeTunings: IndexTuning[];
  /**
   * The model on ready tensors: batch sizes (at the default threads) and thread counts (at the
   * default batch) tried, photos per try. The default tuning is always tried.
   */
  modelSweep: { batchSizes: number[]; threads: number[]; photos: number };
  vectorCounts: number[];
  /** Photos in the synthetic library of the filtered search section (`--only filters`). */
  filterPhotos: number;
  efValues: number[];
  recallQueries: number;
  /** Warm text queries per round, and rounds over them. */
  textQueries: number;
  warmRounds: number;
  /** Fresh processes started for cold-start and first-query figures. */
  coldStarts: number;
  findSimilarQueries: number;
  /** The million-photo section (`--million`). */
  million: MillionConfig;
  /** Times each HEIC and its JPEG go through decode + preprocess. */
  heicRounds: number;
}

const ENGINE_DEFAULTS: IndexTuning = { batchSize: 16, decodeConcurrency: 4, intraOpThreads: 2 };

export const FULL_CONFIG: BenchConfig = {
  mode: 'full',
  modelSize: 'vit-b-32',
  photosPerRound: null,
  libraryRounds: 2,
  defaultTuning: ENGINE_DEFAULTS,
  alternativeTunings: [
    { batchSize: 8, decodeConcurrency: 2, intraOpThreads: 2 },
    { batchSize: 16, decodeConcurrency: 4, intraOpThreads: 1 },
    { batchSize: 32, decodeConcurrency: 6, intraOpThreads: 2 },
  ],
  modelSweep: { batchSizes: [1, 8, 16, 32], threads: [1, 2], photos: 64 },
  vectorCounts: [10_000, 100_000],
  filterPhotos: 100_000,
  efValues: [10, 16, 32, 64, 100, 200],
  recallQueries: 200,
  textQueries: 50,
  warmRounds: 2,
  coldStarts: 5,
  findSimilarQueries: 100,
  million: {
    photos: 1_000_000,
    reconcileFiles: 200_000,
    coldStarts: 7,
    similarQueries: 50,
    precisionVectors: 10_000,
    rebuildSampleS: 60,
  },
  heicRounds: 5,
};

/** A smoke run: the tiny model, a dozen photos, 2,000 vectors; checks the code, not the numbers. */
export const QUICK_CONFIG: BenchConfig = {
  mode: 'quick',
  modelSize: 'tiny',
  photosPerRound: 12,
  libraryRounds: 1,
  defaultTuning: ENGINE_DEFAULTS,
  alternativeTunings: [],
  modelSweep: { batchSizes: [1, 8], threads: [2], photos: 16 },
  vectorCounts: [2_000],
  filterPhotos: 2_000,
  efValues: [16, 100],
  recallQueries: 20,
  textQueries: 10,
  warmRounds: 1,
  coldStarts: 1,
  findSimilarQueries: 10,
  million: {
    photos: 5_000,
    reconcileFiles: 2_000,
    coldStarts: 1,
    similarQueries: 10,
    precisionVectors: 2_000,
    rebuildSampleS: 3,
  },
  heicRounds: 1,
};

export function describeTuning(tuning: IndexTuning): string {
  return `batch ${tuning.batchSize}, decode ${tuning.decodeConcurrency}, ${tuning.intraOpThreads} intra-op thread${tuning.intraOpThreads === 1 ? '' : 's'}`;
}

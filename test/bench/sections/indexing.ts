import type { IndexLibraryArgs, IndexLibraryResult } from '../children/index-library.js';
import { findEvent, runChild } from '../child-process.js';
import { describeTuning, type BenchConfig, type IndexTuning } from '../config.js';
import { CpuLoadMonitor } from '../cpu-load.js';
import { log } from '../log.js';
import type { BenchModels } from '../models.js';
import { librarySizes, type LibrarySizes } from '../sizes.js';
import { perSecond, summarize, type LatencySummary } from '../stats.js';
import { TEXT_QUERIES } from '../text-queries.js';
import type { ModelVariant } from './pipeline.js';
import { decodeAlone, manifestIn, modelAlone, type Throughput } from './stages.js';

/** The stages alone, timed right before an end-to-end run, so that its ratio compares like with like. */
export interface StageReference {
  decode: Throughput;
  model: Throughput;
  /** Share of the machine's CPU other processes used while these two ran. */
  othersCpuShare: number | null;
}

export interface IndexRun {
  label: string;
  variant: ModelVariant;
  tuning: IndexTuning;
  photosPerSecond: number;
  result: Omit<IndexLibraryResult, 'queryMs'>;
  /** Text queries asked while the index ran; null when none were. */
  queriesWhileIndexing: LatencySummary | null;
  sizes: LibrarySizes;
  /** Share of the machine's CPU other processes used during the run. */
  othersCpuShare: number | null;
  /** For the default runs: the stages alone, measured just before. */
  reference: StageReference | null;
}

export interface IndexingReport {
  photos: number;
  /** Pause between the queries asked while indexing. */
  queryPauseMs: number;
  runs: IndexRun[];
  /** Libraries indexed with the default tuning, kept for the query benchmarks. */
  libraries: Record<ModelVariant, string>;
}

const QUERY_PAUSE_MS = 200;

interface RunPlan {
  label: string;
  variant: ModelVariant;
  tuning: IndexTuning;
  withQueries: boolean;
  withReference: boolean;
}

/**
 * Indexes the photo folder into fresh libraries, each in a process of its own: the default
 * tuning with each model (after timing its stages alone, for the ratio), the alternative
 * tunings, and the default again with text queries asked throughout.
 */
export async function runIndexingSection(options: {
  config: BenchConfig;
  models: BenchModels;
  photosDir: string;
  /** The photos in `photosDir`. */
  libraryPhotos: readonly string[];
  scratchDir: (name: string) => Promise<string>;
}): Promise<IndexingReport> {
  const { config, models, photosDir, libraryPhotos, scratchDir } = options;
  const photos = libraryPhotos.length;
  const tuning = config.defaultTuning;
  const modelDirs: Record<ModelVariant, string> = { fp32: models.fp32Dir, int8: models.int8Dir };
  const plan = (
    label: string,
    variant: ModelVariant,
    planTuning: IndexTuning,
    withQueries = false,
  ): RunPlan => ({
    label,
    variant,
    tuning: planTuning,
    withQueries,
    withReference: planTuning === tuning && !withQueries,
  });
  const plans: RunPlan[] = [
    plan('fp32-default', 'fp32', tuning),
    plan('int8-default', 'int8', tuning),
    ...config.alternativeTunings.map((alternative, i) =>
      plan(`fp32-alternative-${i + 1}`, 'fp32', alternative),
    ),
    plan('fp32-with-queries', 'fp32', tuning, true),
    plan('int8-with-queries', 'int8', tuning, true),
  ];

  const runs: IndexRun[] = [];
  const libraries: Partial<Record<ModelVariant, string>> = {};
  for (const { label, variant, tuning: runTuning, withQueries, withReference } of plans) {
    const reference = withReference
      ? await stageReference(modelDirs[variant], libraryPhotos, runTuning, scratchDir)
      : null;
    log(
      `indexing ${photos} photos end to end: ${variant}, ${describeTuning(runTuning)}${withQueries ? ', text queries alongside' : ''}`,
    );
    const libraryDir = await scratchDir(`library-${label}`);
    const args: IndexLibraryArgs = {
      libraryDir,
      modelDir: modelDirs[variant],
      photosDir,
      tuning: runTuning,
      queries: withQueries ? [...TEXT_QUERIES] : [],
      queryPauseMs: QUERY_PAUSE_MS,
    };
    const monitor = new CpuLoadMonitor();
    const events = await runChild('index-library.ts', args);
    const othersCpuShare = monitor.othersShare();
    const { queryMs, ...result } = findEvent<IndexLibraryResult>(events, 'result').data;
    if (result.embedded !== photos) {
      throw new Error(`${label}: ${result.embedded} of ${photos} photos were embedded`);
    }
    runs.push({
      label,
      variant,
      tuning: runTuning,
      photosPerSecond: perSecond(result.embedded, result.indexMs),
      result,
      queriesWhileIndexing: queryMs.length > 0 ? summarize(queryMs) : null,
      sizes: await librarySizes(libraryDir),
      othersCpuShare,
      reference,
    });
    if (withReference) libraries[variant] = libraryDir;
  }
  return {
    photos,
    queryPauseMs: QUERY_PAUSE_MS,
    runs,
    libraries: libraries as Record<ModelVariant, string>,
  };
}

/** Decode + preprocess alone, then the image tower alone, on the photos the run indexes. */
async function stageReference(
  modelDir: string,
  photos: readonly string[],
  tuning: IndexTuning,
  scratchDir: (name: string) => Promise<string>,
): Promise<StageReference> {
  log(`the stages alone on the same ${photos.length} photos, before the end-to-end run`);
  const monitor = new CpuLoadMonitor();
  const decoded = await decodeAlone(
    photos,
    manifestIn(modelDir).image,
    tuning.decodeConcurrency,
    await scratchDir('reference-thumbnails'),
  );
  const { figures } = await modelAlone(modelDir, decoded.tensors, {
    batchSize: tuning.batchSize,
    intraOpThreads: tuning.intraOpThreads,
    photos: photos.length,
  });
  return {
    decode: decoded.throughput,
    model: figures.throughput,
    othersCpuShare: monitor.othersShare(),
  };
}

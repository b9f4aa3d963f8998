import type { BenchConfig } from '../config.js';
import { log } from '../log.js';
import type { BenchModels } from '../models.js';
import { mean } from '../stats.js';
import { TEXT_QUERIES } from '../text-queries.js';
import {
  cosines,
  decodeAlone,
  manifestIn,
  modelAlone,
  naiveBaseline,
  openModel,
  type ModelRunFigures,
  type NaiveResult,
  type Throughput,
} from './stages.js';

export type ModelVariant = 'fp32' | 'int8';

export interface ModelRun extends ModelRunFigures {
  variant: ModelVariant;
}

export interface Agreement {
  pairs: number;
  meanCosine: number;
  minCosine: number;
}

export interface PipelineReport {
  /** Photos of one corpus round, the set every stage here is timed on. */
  photos: number;
  /** Decode + preprocess alone at each decode concurrency the tunings use. */
  decodeAlone: { concurrency: number; throughput: Throughput }[];
  /** The same at the default concurrency, without making and writing thumbnails. */
  decodeWithoutThumbnails: Throughput;
  /** Batch size and thread sweep of the image tower on ready tensors. */
  modelSweep: ModelRun[];
  naive: NaiveResult;
  int8Agreement: { image: Agreement; text: Agreement };
}

/**
 * The pipeline's stages on their own, to show what each knob does: decode concurrency and
 * thumbnails, the image tower's batch size and threads for both models, the naive baseline,
 * and how close the int8 towers' vectors stay to fp32.
 */
export async function runPipelineSection(options: {
  config: BenchConfig;
  models: BenchModels;
  roundPhotos: readonly string[];
  scratchDir: (name: string) => Promise<string>;
}): Promise<PipelineReport> {
  const { config, models, roundPhotos, scratchDir } = options;
  const tuning = config.defaultTuning;
  const spec = manifestIn(models.fp32Dir).image;
  const modelDirs: Record<ModelVariant, string> = { fp32: models.fp32Dir, int8: models.int8Dir };

  const concurrencies = ascending(
    [tuning, ...config.alternativeTunings].map((t) => t.decodeConcurrency),
  );
  const decodeRuns: PipelineReport['decodeAlone'] = [];
  let tensors: Float32Array[] = [];
  for (const concurrency of concurrencies) {
    log(`decode + preprocess alone, ${roundPhotos.length} photos, concurrency ${concurrency}`);
    const run = await decodeAlone(roundPhotos, spec, concurrency, await scratchDir('thumbnails'));
    decodeRuns.push({ concurrency, throughput: run.throughput });
    tensors = run.tensors;
  }
  log(`decode + preprocess alone without thumbnails, concurrency ${tuning.decodeConcurrency}`);
  const withoutThumbnails = await decodeAlone(roundPhotos, spec, tuning.decodeConcurrency, null);

  const modelSweep: ModelRun[] = [];
  const defaultVectors: Partial<Record<ModelVariant, Float32Array[]>> = {};
  // The default tuning is always among the tries: its vectors are compared across models.
  const threadCounts = ascending([...config.modelSweep.threads, tuning.intraOpThreads]);
  for (const variant of ['fp32', 'int8'] as const) {
    for (const intraOpThreads of threadCounts) {
      // Other thread counts are tried at the default batch only: the batch curve has the same shape.
      const batchSizes =
        intraOpThreads === tuning.intraOpThreads
          ? ascending([...config.modelSweep.batchSizes, tuning.batchSize])
          : [tuning.batchSize];
      for (const batchSize of batchSizes) {
        log(`${variant} image tower alone, batch ${batchSize}, ${intraOpThreads} thread(s)`);
        const { figures, vectors } = await modelAlone(modelDirs[variant], tensors, {
          batchSize,
          intraOpThreads,
          photos: config.modelSweep.photos,
        });
        modelSweep.push({ variant, ...figures });
        if (batchSize === tuning.batchSize && intraOpThreads === tuning.intraOpThreads) {
          defaultVectors[variant] = vectors;
        }
      }
    }
  }

  log(`naive baseline: full-size decode, one photo at a time, ${roundPhotos.length} photos`);
  const naive = await naiveBaseline(
    roundPhotos,
    models.fp32Dir,
    tuning.intraOpThreads,
    await scratchDir('naive-thumbnails'),
  );

  const textVectors: Partial<Record<ModelVariant, Float32Array[]>> = {};
  for (const variant of ['fp32', 'int8'] as const) {
    const model = openModel(modelDirs[variant], tuning.intraOpThreads);
    textVectors[variant] = await model.embedTexts(TEXT_QUERIES);
    await model.close();
  }

  return {
    photos: roundPhotos.length,
    decodeAlone: decodeRuns,
    decodeWithoutThumbnails: withoutThumbnails.throughput,
    modelSweep,
    naive,
    int8Agreement: {
      image: agreement(cosines(defaultVectors.fp32!, defaultVectors.int8!)),
      text: agreement(cosines(textVectors.fp32!, textVectors.int8!)),
    },
  };
}

/** Distinct values, smallest first. */
function ascending(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function agreement(values: number[]): Agreement {
  return { pairs: values.length, meanCosine: mean(values), minCosine: Math.min(...values) };
}

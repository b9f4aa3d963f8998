import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { HALF_VALUES, toHalf } from '../../../src-main/engine/catalog/float16.js';
import { VectorIndex } from '../../../src-main/engine/vector-index/vector-index.js';
import { ExactSearch, recallAt } from '../exact-search.js';
import { log } from '../log.js';
import { CLIP_LIKE, clusteredVectors } from '../synthetic-vectors.js';

const K = 10;
const DIMENSIONS = 512;

export interface PrecisionPoint {
  ef: number;
  float32RecallAt10: number;
  float16RecallAt10: number;
}

export interface PrecisionReport {
  vectors: number;
  queries: number;
  points: PrecisionPoint[];
}

/**
 * What storing vectors as float16 costs in recall: the same clustered vectors indexed once as
 * float32 and once rounded to float16 (as the catalog stores them and the index is built),
 * each searched at the same ef, against exact float32 ground truth.
 */
export async function measureFloat16Recall(options: {
  vectors: number;
  queries: number;
  efValues: number[];
}): Promise<PrecisionReport> {
  const { vectors: count, queries, efValues } = options;
  log(`float16 against float32: ${count.toLocaleString('en')} vectors, two index builds`);
  const matrix = clusteredVectors({ ...CLIP_LIKE, count, dimensions: DIMENSIONS });
  const exact = new ExactSearch(matrix, DIMENSIONS);
  const rounded = matrix.map((value) => HALF_VALUES[toHalf(value)]!);
  const queryRows = Array.from({ length: queries }, (_, i) => Math.floor((i * count) / queries));
  const truth = queryRows.map(
    (row) => new Set(exact.search(exact.row(row), K, row).map((hit) => hit.row)),
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ferret-bench-precision-'));
  try {
    // Built and saved once each, then opened at every ef (the index's ef is fixed when opened).
    const build = async (modelKey: string, source: Float32Array) => {
      const index = VectorIndex.empty(
        { dir, modelKey, dimensions: DIMENSIONS, initialCapacity: count },
        'measured',
      );
      for (let row = 0; row < count; row++) {
        index.add(row, source.subarray(row * DIMENSIONS, (row + 1) * DIMENSIONS));
      }
      await index.save();
      return modelKey;
    };
    const full = await build('float32', matrix);
    const half = await build('float16', rounded);
    const recall = (modelKey: string, ef: number) => {
      const index = VectorIndex.open({ dir, modelKey, dimensions: DIMENSIONS, ef });
      const found = queryRows.map((row) =>
        index.search(exact.row(row), K, { exclude: new Set([row]) }).map((hit) => hit.id),
      );
      return recallAt(K, found, truth);
    };
    return {
      vectors: count,
      queries,
      points: efValues.map((ef) => ({
        ef,
        float32RecallAt10: recall(full, ef),
        float16RecallAt10: recall(half, ef),
      })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

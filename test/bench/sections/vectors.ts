import path from 'node:path';
import { SqliteCatalog, type Catalog } from '../../../src-main/engine/catalog/catalog.js';
import { Engine } from '../../../src-main/engine/engine.js';
import { modelKey } from '../../../src-main/engine/embedder/manifest.js';
import { libraryPaths } from '../../../src-main/engine/library-paths.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { VectorIndex } from '../../../src-main/engine/vector-index/vector-index.js';
import type { BenchConfig } from '../config.js';
import { ExactSearch, recallAt } from '../exact-search.js';
import { buildVectorIndex } from '../build-vector-index.js';
import { log } from '../log.js';
import { librarySizes, type LibrarySizes } from '../sizes.js';
import { latencies, summarize, timed, type LatencySummary } from '../stats.js';
import { CLIP_LIKE, clusteredVectors } from '../synthetic-vectors.js';
import { manifestIn } from './stages.js';

const K = 10;
/** Rows written to the catalog per transaction while filling the synthetic library. */
const FILL_CHUNK = 5_000;

export interface EfPoint {
  ef: number;
  recallAt10: number;
  searchMs: LatencySummary;
}

export interface VectorScaleReport {
  vectors: number;
  generateMs: number;
  /** Writing the photo rows and vectors into the catalog. */
  catalogFillMs: number;
  /** The engine building its HNSW index from the catalog's vectors and saving it. */
  indexBuildMs: number;
  /** Checking and reading the saved index (VectorIndex.open). */
  indexLoadMs: number;
  /** Engine.open on the library (catalog, model folder, index load). */
  engineOpenMs: number;
  sizes: LibrarySizes;
  exactSearchMs: LatencySummary;
  /** The index alone (VectorIndex.search), at each ef. */
  efSweep: EfPoint[];
  /** Smallest ef of the sweep with recall@10 of at least 0.99; null when none reaches it. */
  smallestEfForRecall: number | null;
  /** Engine.findSimilar as the doors call it: stored vector, index at its default ef, catalog rows. */
  findSimilarMs: LatencySummary;
  findSimilarRecallAt10: number;
  libraryDir: string;
}

export interface VectorReport {
  generator: typeof CLIP_LIKE;
  dimensions: number;
  queries: number;
  scales: VectorScaleReport[];
}

export async function runVectorSection(options: {
  config: BenchConfig;
  modelDir: string;
  scratchDir: (name: string) => Promise<string>;
}): Promise<VectorReport> {
  const { config, modelDir, scratchDir } = options;
  const manifest = manifestIn(modelDir);
  const scales: VectorScaleReport[] = [];
  for (const count of config.vectorCounts) {
    scales.push(
      await measureScale({
        count,
        dimensions: manifest.dimensions,
        key: modelKey(manifest),
        modelDir,
        config,
        libraryDir: await scratchDir(`library-synthetic-${count}`),
      }),
    );
  }
  return {
    generator: CLIP_LIKE,
    dimensions: manifest.dimensions,
    queries: config.recallQueries,
    scales,
  };
}

async function measureScale(options: {
  count: number;
  dimensions: number;
  key: string;
  modelDir: string;
  config: BenchConfig;
  libraryDir: string;
}): Promise<VectorScaleReport> {
  const { count, dimensions, key, modelDir, config, libraryDir } = options;
  const label = count.toLocaleString('en');
  log(`${label} synthetic vectors: generating`);
  const generated = await timed(() => clusteredVectors({ ...CLIP_LIKE, count, dimensions }));
  const exact = new ExactSearch(generated.value, dimensions);

  log(`${label} synthetic vectors: catalog, index build`);
  const paths = libraryPaths(libraryDir);
  const catalog = SqliteCatalog.open(paths.catalog);
  const filled = await timed(() => fillCatalog(catalog, exact, key, libraryDir));
  const ids = filled.value;
  // The engine's own rebuild, as after a lost index: in the background, in slices.
  const built = await timed(async () => {
    await buildVectorIndex(catalog, paths.vectorIndexDir, key, dimensions);
  });
  catalog.close();

  log(`${label} synthetic vectors: exact search and ef sweep, ${config.recallQueries} queries`);
  const queryRows = Array.from({ length: config.recallQueries }, (_, i) =>
    Math.floor((i * count) / config.recallQueries),
  );
  const truth: Set<number>[] = [];
  const exactSearchMs = await latencies(queryRows, (row) => {
    truth.push(new Set(exact.search(exact.row(row), K, row).map((hit) => ids[hit.row]!)));
  });
  const recall = (found: number[][]) => recallAt(K, found, truth);

  const efSweep: EfPoint[] = [];
  let indexLoadMs = Infinity;
  for (const ef of config.efValues) {
    const loaded = await timed(() =>
      VectorIndex.open({ dir: paths.vectorIndexDir, modelKey: key, dimensions, ef }),
    );
    indexLoadMs = Math.min(indexLoadMs, loaded.ms);
    const found: number[][] = [];
    const searchMs = await latencies(queryRows, (row) => {
      const exclude = new Set([ids[row]!]);
      found.push(loaded.value.search(exact.row(row), K, { exclude }).map((hit) => hit.id));
    });
    efSweep.push({ ef, recallAt10: recall(found), searchMs: summarize(searchMs) });
  }

  log(`${label} synthetic vectors: Engine.findSimilar`);
  const opened = await timed(() => Engine.open({ libraryDir, modelDir, logger: silentLogger }));
  const engine = opened.value;
  const similar: number[][] = [];
  const findSimilarMs = await latencies(queryRows, async (row) => {
    similar.push(
      (await engine.findSimilar(ids[row]!, { limit: K })).hits.map((hit) => hit.photo.id),
    );
  });
  await engine.close();

  return {
    vectors: count,
    generateMs: generated.ms,
    catalogFillMs: filled.ms,
    indexBuildMs: built.ms,
    indexLoadMs,
    engineOpenMs: opened.ms,
    sizes: await librarySizes(libraryDir),
    exactSearchMs: summarize(exactSearchMs),
    efSweep,
    smallestEfForRecall: efSweep.find((point) => point.recallAt10 >= 0.99)?.ef ?? null,
    findSimilarMs: summarize(findSimilarMs),
    findSimilarRecallAt10: recall(similar),
    libraryDir,
  };
}

/** One photo row and vector per matrix row, as indexing would leave them; returns the ids. */
function fillCatalog(
  catalog: Catalog,
  vectors: ExactSearch,
  key: string,
  libraryDir: string,
): number[] {
  const modelId = catalog.registerModel(key, vectors.dimensions);
  const folder = catalog.addFolder(path.join(libraryDir, 'synthetic-photos'));
  const ids: number[] = [];
  for (let start = 0; start < vectors.count; start += FILL_CHUNK) {
    catalog.transaction(() => {
      for (let row = start; row < Math.min(start + FILL_CHUNK, vectors.count); row++) {
        const photoId = catalog.upsertPhoto({
          path: path.join(folder.path, `photo-${String(row).padStart(6, '0')}.jpg`),
          folderId: folder.id,
          size: 3_000_000,
          mtimeMs: 1_700_000_000_000 + row,
          contentHash: null,
          width: 4000,
          height: 3000,
          format: 'jpeg',
          status: 'indexed',
          lastError: null,
        });
        catalog.putVector(photoId, modelId, vectors.row(row));
        ids.push(photoId);
      }
    });
  }
  return ids;
}

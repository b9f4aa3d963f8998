import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PhotoFilter } from '../../../src-main/contract/api.js';
import { SqliteCatalog } from '../../../src-main/engine/catalog/catalog.js';
import { photoConditions } from '../../../src-main/engine/catalog/photo-filter.js';
import { modelKey } from '../../../src-main/engine/embedder/manifest.js';
import { Engine } from '../../../src-main/engine/engine.js';
import { libraryPaths } from '../../../src-main/engine/library-paths.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { FILTER_FIRST_MAX, HnswVectorStore } from '../../../src-main/engine/vector-store.js';
import { ExactSearch, recallAt } from '../exact-search.js';
import { fixed, ms, p50p95, table } from '../format.js';
import { buildVectorIndex } from '../build-vector-index.js';
import { bulkInsertPhotos } from '../bulk-catalog.js';
import { log } from '../log.js';
import { latencies, summarize, type LatencySummary } from '../stats.js';
import { CLIP_LIKE, clusteredVectors } from '../synthetic-vectors.js';
import { TEXT_QUERIES } from '../text-queries.js';
import { manifestIn } from './stages.js';

export const FILTERS_HEADING = '## Filtered search and browsing';

const K = 10;
/** Queries timed with the filter's photos read afresh each time (the slow part is the same). */
const COLD_QUERIES = 20;
/** Folders the synthetic library's photos are spread over: one folder holds 1% of them. */
const FOLDERS = 100;
const CAMERAS = [
  ['Apple', 'iPhone 12'],
  ['Canon', 'Canon EOS R5'],
  ['SONY', 'ILCE-7M3'],
  ['Google', 'Pixel 7'],
] as const;
/** Where the synthetic library is kept between runs: building its graph takes minutes. */
const CACHE_DIR = path.join(os.homedir(), '.cache', 'ferret-bench');

export interface StrategyFigures {
  /** The first query with this filter: the kept photos read from the catalog, then searched. */
  coldMs: LatencySummary;
  /** Later queries with the same filter (the engine keeps the last one's photos). */
  warmMs: LatencySummary;
  recallAt10: number;
}

export interface StrategyPoint {
  filter: string;
  /** Share of the library the filter keeps. */
  kept: number;
  filterFirst: StrategyFigures;
  graph: StrategyFigures;
}

export interface FiltersReport {
  photos: number;
  queries: number;
  filterFirstMax: number;
  strategies: StrategyPoint[];
  /**
   * Engine.searchText with a filter keeping 1% (text tower included), and its recall@10: each
   * query with another filter than the one before (cold), and with the same one (warm).
   */
  textQuery: { filter: string; coldMs: LatencySummary; ms: LatencySummary; recallAt10: number };
  /** Engine.findSimilar with the same filter. */
  similarQuery: { ms: LatencySummary };
  /** Engine.listPhotos(0, 60) with each filter. */
  browse: { filter: string; kept: number; ms: LatencySummary }[];
}

/** The synthetic library's metadata for row i: what each filter below selects on. */
function photoOf(i: number) {
  const day = new Date(Date.UTC(2010, 0, 1) + ((i * 37) % 3650) * 86_400_000);
  const [make, model] = i % 200 === 7 ? ['Leica', 'M11'] : CAMERAS[i % CAMERAS.length]!;
  return {
    folder: `f${String(i % FOLDERS).padStart(2, '0')}`,
    takenAt: `${day.toISOString().slice(0, 10)}T12:00:00`,
    make,
    model,
    format: i % 20 === 0 ? 'heic' : 'jpeg',
    portrait: i % 3 === 0,
    gps: i % 4 === 0,
  };
}

export async function runFiltersSection(options: {
  photos: number;
  queries: number;
  modelDir: string;
}): Promise<FiltersReport> {
  const { photos, queries, modelDir } = options;
  const manifest = manifestIn(modelDir);
  const key = modelKey(manifest);
  const dimensions = manifest.dimensions;
  const libraryDir = path.join(CACHE_DIR, `filters-${photos}-${dimensions}d`);
  const paths = libraryPaths(libraryDir);
  const photosRoot = path.join(libraryDir, 'photos');

  log(`filters: ${photos.toLocaleString('en')} synthetic photos`);
  const matrix = clusteredVectors({ ...CLIP_LIKE, count: photos, dimensions });
  const exact = new ExactSearch(matrix, dimensions);
  const ready = path.join(libraryDir, 'ready');
  if (!existsSync(ready)) {
    // What an interrupted run left is filled again from the start.
    await rm(libraryDir, { recursive: true, force: true });
    await mkdir(libraryDir, { recursive: true });
    const setup = SqliteCatalog.open(paths.catalog);
    const modelId = setup.registerModel(key, dimensions);
    const folder = setup.addFolder(photosRoot);
    setup.close();
    const ids = bulkInsertPhotos(paths.catalog, photos, (row) => {
      const photo = photoOf(row);
      return {
        photo: {
          path: path.join(photosRoot, photo.folder, `${row}.${photo.format}`),
          folderId: folder.id,
          size: 3_000_000,
          mtimeMs: 1_700_000_000_000,
          contentHash: null,
          width: photo.portrait ? 3000 : 4000,
          height: photo.portrait ? 4000 : 3000,
          format: photo.format,
          takenAt: photo.takenAt,
          cameraMake: photo.make,
          cameraModel: photo.model,
          gps: photo.gps ? { latitude: 50.8, longitude: 4.7 } : null,
          status: 'indexed',
          lastError: null,
        },
        vector: { modelId, vector: exact.row(row) },
      };
    });
    if (ids.some((id, row) => id !== row + 1)) throw new Error('photo ids are not their rows + 1');
    const catalog = SqliteCatalog.open(paths.catalog);
    log('filters: building the index');
    await buildVectorIndex(catalog, paths.vectorIndexDir, key, dimensions);
    catalog.close();
    await writeFile(ready, '');
  }
  // A library kept from an older Ferret is brought to this catalog version (read-only opens
  // below migrate nothing).
  SqliteCatalog.open(paths.catalog).close();

  const filters: { label: string; filter: PhotoFilter; keeps: (row: number) => boolean }[] = [
    {
      label: 'camera Leica (0.5%)',
      filter: { camera: 'Leica' },
      keeps: (row) => photoOf(row).make === 'Leica',
    },
    {
      label: 'one folder (1%)',
      filter: { folder: path.join(photosRoot, 'f07') },
      keeps: (row) => row % FOLDERS === 7,
    },
    {
      label: 'HEIC (5%)',
      filter: { types: ['heic'] },
      keeps: (row) => photoOf(row).format === 'heic',
    },
    {
      label: 'year 2015 (10%)',
      filter: { from: '2015', to: '2015' },
      keeps: (row) => photoOf(row).takenAt.startsWith('2015'),
    },
    {
      label: 'camera Apple (25%)',
      filter: { camera: 'Apple' },
      keeps: (row) => photoOf(row).make === 'Apple',
    },
    {
      label: 'portrait (33%)',
      filter: { orientation: 'portrait' },
      keeps: (row) => photoOf(row).portrait,
    },
  ];
  const queryRows = Array.from({ length: queries }, (_, i) => Math.floor((i * photos) / queries));
  const truthFor = (query: Float32Array, keeps: (row: number) => boolean) => {
    const scored: { id: number; score: number }[] = [];
    for (let row = 0; row < photos; row++) {
      if (!keeps(row)) continue;
      const vector = exact.row(row);
      let score = 0;
      for (let i = 0; i < dimensions; i++) score += vector[i]! * query[i]!;
      scored.push({ id: row + 1, score });
    }
    return new Set(
      scored
        .sort((a, b) => b.score - a.score)
        .slice(0, K)
        .map(({ id }) => id),
    );
  };

  log('filters: both strategies at each selectivity');
  const catalog = SqliteCatalog.open(paths.catalog, { readOnly: true });
  const store = HnswVectorStore.open({
    catalog,
    vectorIndexDir: paths.vectorIndexDir,
    modelKey: key,
    dimensions,
    logger: silentLogger,
    readOnly: true,
  });
  await store.whenOpened();
  const strategies: StrategyPoint[] = [];
  for (const { label, filter, keeps } of filters) {
    const conditions = photoConditions(filter);
    const truths = queryRows.map((row) => truthFor(exact.row(row), keeps));
    const measure = async (strategy: 'filter-first' | 'graph'): Promise<StrategyFigures> => {
      const cold = await latencies(queryRows.slice(0, COLD_QUERIES), async (row) => {
        const scope = store.readScope(conditions, strategy);
        await store.search(exact.row(row), K, undefined, scope);
      });
      const scope = store.readScope(conditions, strategy);
      const found: number[][] = [];
      const warm = await latencies(queryRows, async (row) => {
        found.push((await store.search(exact.row(row), K, undefined, scope)).map((n) => n.id));
      });
      return {
        coldMs: summarize(cold),
        warmMs: summarize(warm),
        recallAt10: recallAt(K, found, truths),
      };
    };
    let kept = 0;
    for (let row = 0; row < photos; row++) if (keeps(row)) kept++;
    strategies.push({
      filter: label,
      kept: kept / photos,
      filterFirst: await measure('filter-first'),
      graph: await measure('graph'),
    });
    log(`filters: ${label} done`);
  }
  await store.close();
  catalog.close();

  log('filters: the engine, text query and browsing');
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger, access: 'read' });
  const oneFolder = filters[1]!;
  const texts = Array.from({ length: queries }, (_, i) => TEXT_QUERIES[i % TEXT_QUERIES.length]!);
  await engine.searchText(texts[0]!, { limit: K, filter: oneFolder.filter }); // the session, warm
  const textMs = await latencies(texts, (text) =>
    engine.searchText(text, { limit: K, filter: oneFolder.filter }),
  );
  // Alternating between two folders, so that no query finds the last filter's photos kept.
  const otherFolder: PhotoFilter = { folder: path.join(photosRoot, 'f08') };
  const textColdMs = await latencies(texts, (text) =>
    engine.searchText(text, {
      limit: K,
      filter: texts.indexOf(text) % 2 === 0 ? otherFolder : oneFolder.filter,
    }),
  );
  const similarMs = await latencies(queryRows, (row) =>
    engine.findSimilar(row + 1, { limit: K, filter: oneFolder.filter }),
  );
  const browse: FiltersReport['browse'] = [];
  const browseFilters: { label: string; filter: PhotoFilter }[] = [
    ...filters.map(({ label, filter }) => ({ label, filter })),
    { label: 'month 2015-06', filter: { from: '2015-06', to: '2015-06' } },
    { label: 'with a location', filter: { hasLocation: true } },
    {
      label: '2015, Apple, portrait',
      filter: { from: '2015', to: '2015', camera: 'Apple', orientation: 'portrait' },
    },
  ];
  for (const { label, filter } of browseFilters) {
    const samples = await latencies(
      Array.from({ length: 20 }, () => filter),
      (each) => engine.listPhotos(0, 60, { filter: each }),
    );
    const { total } = engine.listPhotos(0, 1, { filter });
    browse.push({ filter: label, kept: total / photos, ms: summarize(samples) });
  }
  await engine.close();

  // The engine's text query takes the auto strategy: its recall is that strategy's at 1%.
  const auto = strategies[1]!;
  const autoFilterFirst = auto.kept * photos <= FILTER_FIRST_MAX;
  return {
    photos,
    queries,
    filterFirstMax: FILTER_FIRST_MAX,
    strategies,
    textQuery: {
      filter: oneFolder.label,
      ms: summarize(textMs),
      coldMs: summarize(textColdMs),
      recallAt10: autoFilterFirst ? auto.filterFirst.recallAt10 : auto.graph.recallAt10,
    },
    similarQuery: { ms: summarize(similarMs) },
    browse,
  };
}

export function filtersSection(report: FiltersReport, measuredOn: string): string {
  const percent = (share: number) => `${fixed(share * 100, share < 0.01 ? 1 : 0)}%`;
  const strategyRows = report.strategies.map((point) => [
    point.filter,
    `${Math.round(point.kept * report.photos).toLocaleString('en')}`,
    ms(point.filterFirst.coldMs.p50),
    p50p95(point.filterFirst.warmMs),
    fixed(point.filterFirst.recallAt10, 3),
    ms(point.graph.coldMs.p50),
    p50p95(point.graph.warmMs),
    fixed(point.graph.recallAt10, 3),
  ]);
  const browseRows = report.browse.map((row) => [
    row.filter,
    percent(row.kept),
    p50p95(row.ms),
    row.ms.p50 <= 30 ? 'met' : 'missed',
  ]);
  const text = report.textQuery;
  const textMet = text.ms.p50 <= 50 && text.recallAt10 >= 0.95;
  return `${FILTERS_HEADING}

Measured by \`npm run bench -- --only filters\` on ${measuredOn}, on a synthetic library of ${report.photos.toLocaleString('en')} photos (the clustered CLIP-like vectors of the vector-index section, with metadata spread so that each filter below keeps a known share), ${report.queries} queries each, k = ${K}, recall against exact search over the photos the filter keeps.

**Which strategy.** Filter first (read the kept photos' vectors from the catalog in one query and score them all) against walking the HNSW graph and skipping the photos the filter does not keep (hnswlib's filter callback). Both include finding the kept photos in the catalog:

${table(['Filter', 'Photos kept', 'Filter first, first query p50', 'Filter first, later p50 / p95', 'Recall@10', 'Graph, first query p50', 'Graph, later p50 / p95', 'Recall@10'], strategyRows)}

"First query" reads the kept photos (their vectors, or their ids for the graph) from the catalog; the engine keeps the last filter's, so later queries with the same filter (typing in the search box, Show more) only search.

The engine filters first when a filter keeps at most ${report.filterFirstMax.toLocaleString('en')} photos and walks the graph above that (\`FILTER_FIRST_MAX\` in vector-store.ts).

**Filtered text query** (Engine.searchText, text tower included, filter: ${text.filter}): p50 ${ms(text.ms.p50)}, p95 ${ms(text.ms.p95)} with the filter of the query before; p50 ${ms(text.coldMs.p50)}, p95 ${ms(text.coldMs.p95)} when the filter has just changed; recall@10 ${fixed(text.recallAt10, 3)} (target p50 ≤ 50 ms with recall@10 ≥ 0.95: ${textMet ? 'met' : 'missed'}). Find similar with the same filter: p50 ${ms(report.similarQuery.ms.p50)}, p95 ${ms(report.similarQuery.ms.p95)}.

**Browsing with filters** (Engine.listPhotos, the first page of 60 and the count; target ≤ 30 ms):

${table(['Filter', 'Kept', 'p50 / p95', 'Target'], browseRows)}`;
}

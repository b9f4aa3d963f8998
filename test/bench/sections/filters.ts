import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { PhotoFilter } from '../../../src-main/contract/api.js';
import { SqliteCatalog } from '../../../src-main/engine/catalog/catalog.js';
import { photoConditions, whereClause } from '../../../src-main/engine/catalog/photo-filter.js';
import { ClipModel } from '../../../src-main/engine/embedder/clip-model.js';
import { modelKey } from '../../../src-main/engine/embedder/manifest.js';
import { Engine } from '../../../src-main/engine/engine.js';
import { libraryPaths } from '../../../src-main/engine/library-paths.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { FILTER_FIRST_MAX, HnswVectorStore } from '../../../src-main/engine/vector-store.js';
import { CpuLoadMonitor } from '../cpu-load.js';
import { ExactSearch, recallAt } from '../exact-search.js';
import { fixed, ms, p50p95, table } from '../format.js';
import { buildVectorIndex } from '../build-vector-index.js';
import { bulkInsertPhotos } from '../bulk-catalog.js';
import { log } from '../log.js';
import { latencies, mean, summarize, timed, type LatencySummary } from '../stats.js';
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
  /** How busy the machine was over the whole section. */
  machine: {
    othersShare: number | null;
    loadAverage: { mean: number; max: number };
    cores: number;
  };
  queries: number;
  filterFirstMax: number;
  strategies: StrategyPoint[];
  /**
   * Engine.searchText with a filter keeping 1% (text tower included), and its recall@10: each
   * query with another filter than the one before (cold), and with the same one (warm).
   */
  textQuery: { filter: string; coldMs: LatencySummary; ms: LatencySummary; recallAt10: number };
  /**
   * Where the text query's time goes, timed on the same queries, each query's four timings
   * taken one after another: the tokenizer and text tower alone (ClipModel.embedTexts) with
   * the engine's intra-op threads, the same tower over a text that fills the context, and the
   * tower on one thread; with how busy the machine was meanwhile.
   */
  textParts: {
    /** The model's name, from its manifest. */
    model: string;
    /** Tokens per query, start and end tokens included: the length the tower runs over. */
    tokens: { min: number; mean: number; max: number };
    contextLength: number;
    towerMs: LatencySummary;
    /** The tower over the query repeated to the context: what a query cost padded to it. */
    towerFullContextMs: LatencySummary;
    intraOpThreads: number;
    towerOneThreadMs: LatencySummary;
    /** Share of the CPU other processes used while the text queries ran (null off Linux). */
    othersShare: number | null;
    loadAverage: { mean: number; max: number };
    cores: number;
  };
  /** Engine.findSimilar with the same filter. */
  similarQuery: { ms: LatencySummary };
  /** Engine.listPhotos(0, 60) with each filter, its count alone, and how SQLite counts. */
  browse: {
    filter: string;
    kept: number;
    ms: LatencySummary;
    countMs: LatencySummary;
    /** The index the count's query searches, or null when it reads every photo. */
    countIndex: string | null;
  }[];
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

  const sectionLoad = new CpuLoadMonitor();
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
  // The index file's checksum is checked in the background after opening: not during the timing.
  await engine.vectors?.whenSettled();
  const oneFolder = filters[1]!;
  const texts = Array.from({ length: queries }, (_, i) => TEXT_QUERIES[i % TEXT_QUERIES.length]!);
  const model = engine.model!;
  const intraOpThreads = os.availableParallelism();
  const oneThread = new ClipModel(model.dir, model.manifest, {
    providers: ['cpu'],
    logger: silentLogger,
    tuning: { intraOpThreads: 1 },
  });
  await engine.searchText(texts[0]!, { limit: K, filter: oneFolder.filter }); // the session, warm
  await oneThread.embedTexts([texts[0]!]);
  const textLoad = new CpuLoadMonitor();
  const textMs: number[] = [];
  const towerMs: number[] = [];
  const towerFullContextMs: number[] = [];
  const towerOneThreadMs: number[] = [];
  const tokenizer = model.textTokenizer();
  const { contextLength } = tokenizer;
  for (const text of texts) {
    textMs.push(
      (await timed(() => engine.searchText(text, { limit: K, filter: oneFolder.filter }))).ms,
    );
    towerMs.push((await timed(() => model.embedTexts([text]))).ms);
    // Repeated past the context and cut to it by the tokenizer: a text of exactly 77 tokens.
    const fillsContext = `${text} `.repeat(contextLength);
    towerFullContextMs.push((await timed(() => model.embedTexts([fillsContext]))).ms);
    towerOneThreadMs.push((await timed(() => oneThread.embedTexts([text]))).ms);
  }
  const tokenCounts = texts.map((text) => tokenizer.encode(text).length);
  const othersShare = textLoad.othersShare();
  const loadAverage = textLoad.loadAverage();
  await oneThread.close();
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
  const plans = new Database(paths.catalog, { readonly: true });
  for (const { label, filter } of browseFilters) {
    const samples = await latencies(
      Array.from({ length: 20 }, () => filter),
      (each) => engine.listPhotos(0, 60, { filter: each }),
    );
    const conditions = photoConditions(filter);
    const countMs = await latencies(
      Array.from({ length: 20 }, () => conditions),
      (each) => engine.catalog.countPhotos(each),
    );
    const where = whereClause(conditions);
    const plan = plans
      .prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM photos WHERE ${where.sql}`)
      .all(...where.params) as { detail: string }[];
    const searched = plan
      .map(({ detail }) => /^SEARCH photos USING (?:COVERING )?INDEX (\S+)/.exec(detail)?.[1])
      .find((index) => index !== undefined);
    const { total } = engine.listPhotos(0, 1, { filter });
    browse.push({
      filter: label,
      kept: total / photos,
      ms: summarize(samples),
      countMs: summarize(countMs),
      countIndex: searched ?? null,
    });
  }
  plans.close();
  await engine.close();

  // The engine's text query takes the auto strategy: its recall is that strategy's at 1%.
  const auto = strategies[1]!;
  const autoFilterFirst = auto.kept * photos <= FILTER_FIRST_MAX;
  return {
    photos,
    machine: {
      othersShare: sectionLoad.othersShare(),
      loadAverage: sectionLoad.loadAverage(),
      cores: os.cpus().length,
    },
    queries,
    filterFirstMax: FILTER_FIRST_MAX,
    strategies,
    textQuery: {
      filter: oneFolder.label,
      ms: summarize(textMs),
      coldMs: summarize(textColdMs),
      recallAt10: autoFilterFirst ? auto.filterFirst.recallAt10 : auto.graph.recallAt10,
    },
    textParts: {
      model: model.manifest.name,
      tokens: {
        min: Math.min(...tokenCounts),
        mean: mean(tokenCounts),
        max: Math.max(...tokenCounts),
      },
      contextLength,
      towerMs: summarize(towerMs),
      towerFullContextMs: summarize(towerFullContextMs),
      intraOpThreads,
      towerOneThreadMs: summarize(towerOneThreadMs),
      othersShare,
      loadAverage,
      cores: os.cpus().length,
    },
    similarQuery: { ms: summarize(similarMs) },
    browse,
  };
}

/**
 * Where filter first and the graph walk cost the same, by linear interpolation between the
 * measured selectivities: the first crossing of their difference, or null when one strategy
 * is faster at every measured point.
 */
export function crossing(
  points: readonly { kept: number; filterFirst: number; graph: number }[],
): { kept: number; below: number; above: number } | null {
  const sorted = [...points].sort((a, b) => a.kept - b.kept);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const after = sorted[i]!;
    const d0 = before.filterFirst - before.graph;
    const d1 = after.filterFirst - after.graph;
    if (d0 <= 0 && d1 > 0) {
      const kept = before.kept + ((after.kept - before.kept) * -d0) / (d1 - d0);
      return { kept, below: before.kept, above: after.kept };
    }
  }
  return null;
}

const TEXT_TARGET_MS = 50;
const BROWSE_TARGET_MS = 30;

export function filtersSection(report: FiltersReport, measuredOn: string): string {
  const percent = (share: number) => `${fixed(share * 100, share < 0.01 ? 1 : 0)}%`;
  const photos = (n: number) => Math.round(n).toLocaleString('en');
  const strategyRows = report.strategies.map((point) => [
    point.filter,
    photos(point.kept * report.photos),
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
    ms(row.countMs.p50),
    row.countIndex === null ? 'reads every photo' : `searches ${row.countIndex}`,
    row.ms.p50 <= BROWSE_TARGET_MS ? 'met' : 'missed',
  ]);
  return `${FILTERS_HEADING}

Measured by \`npm run bench -- --only filters\` on ${measuredOn}; while it ran, ${busy(report.machine)}. On a synthetic library of ${report.photos.toLocaleString('en')} photos (the clustered CLIP-like vectors of the vector-index section, with metadata spread so that each filter below keeps a known share), ${report.queries} queries each, k = ${K}, recall against exact search over the photos the filter keeps.

**Which strategy.** Filter first (read the kept photos' vectors from the catalog in one query and score them all) against walking the HNSW graph and skipping the photos the filter does not keep (hnswlib's filter callback). Both include finding the kept photos in the catalog:

${table(['Filter', 'Photos kept', 'Filter first, first query p50', 'Filter first, later p50 / p95', 'Recall@10', 'Graph, first query p50', 'Graph, later p50 / p95', 'Recall@10'], strategyRows)}

"First query" reads the kept photos (their vectors, or their ids for the graph) from the catalog; the engine keeps the last filter's, so later queries with the same filter (typing in the search box, Show more) only search.

${strategyParagraph(report)}

${textParagraph(report)}

**Browsing with filters** (Engine.listPhotos, the first page of 60 and the count; target ≤ ${BROWSE_TARGET_MS} ms). The count alone is timed too, with the index SQLite searches for it (EXPLAIN QUERY PLAN):

${table(['Filter', 'Kept', 'p50 / p95', 'Count alone p50', 'The count', 'Target'], browseRows)}

${browseParagraph(report)}`;
}

/** The cut-over the table implies, against the engine's, and the recall of both strategies. */
function strategyParagraph(report: FiltersReport): string {
  const at = (kind: 'coldMs' | 'warmMs') =>
    crossing(
      report.strategies.map((point) => ({
        kept: point.kept * report.photos,
        filterFirst: point.filterFirst[kind].p50,
        graph: point.graph[kind].p50,
      })),
    );
  const say = (found: ReturnType<typeof crossing>) =>
    found === null
      ? 'nowhere in the measured range'
      : `at about ${Number(found.kept.toPrecision(2)).toLocaleString('en')} kept photos (between the rows of ${Math.round(found.below).toLocaleString('en')} and ${Math.round(found.above).toLocaleString('en')})`;
  const first = at('coldMs');
  const later = at('warmMs');
  const max = report.filterFirstMax;
  const verdict =
    first === null
      ? `this run gives no crossing to check ${max.toLocaleString('en')} against`
      : Math.abs(first.kept - max) <= 0.25 * first.kept
        ? `${max.toLocaleString('en')} is within a quarter of this run's first-query crossing, so it stands`
        : `${max.toLocaleString('en')} is ${max < first.kept ? 'below' : 'above'} this run's first-query crossing by more than a quarter: worth moving toward it if other runs agree`;
  const recalls = report.strategies.flatMap((point) => [
    point.filterFirst.recallAt10,
    point.graph.recallAt10,
  ]);
  return `The engine filters first when a filter keeps at most ${max.toLocaleString('en')} photos and walks the graph above that (\`FILTER_FIRST_MAX\` in vector-store.ts). **The cut-over, from this table:** filter first grows with the photos kept, the graph walk gets cheaper as the filter keeps more (fewer nodes skipped). On a filter's first query (the one a user waits for after changing a filter) the two cross ${say(first)}; on later queries ${say(later)}. The engine's ${verdict}. Recall@10 was at least ${fixed(Math.min(...recalls), 3)} for both strategies at every selectivity, so the choice is about time only.`;
}

/** The filtered text query against its target, and where its time goes. */
function textParagraph(report: FiltersReport): string {
  const text = report.textQuery;
  const parts = report.textParts;
  const met = text.ms.p50 <= TEXT_TARGET_MS && text.recallAt10 >= 0.95;
  const rest = text.ms.p50 - parts.towerMs.p50;
  const speedUp = parts.towerOneThreadMs.p50 / parts.towerMs.p50;
  const load = busy(parts);
  const over = text.ms.p50 - TEXT_TARGET_MS;
  const why = met
    ? `**Met**, with ${ms(-over)} to spare.`
    : text.recallAt10 < 0.95
      ? `**Missed**: recall@10 is under 0.95.`
      : `**Missed, by ${ms(over)}**: the tower alone takes ${percent0(parts.towerMs.p50 / text.ms.p50)} of the query${parts.towerMs.p50 > TEXT_TARGET_MS ? `, and is over the target by itself` : ''}.`;
  const tokens = parts.tokens;
  const cut = parts.towerFullContextMs.p50 / parts.towerMs.p50;
  const ownTokens = `**The tower runs over the query's own tokens.** These queries have ${tokens.min} to ${tokens.max} tokens (mean ${fixed(tokens.mean, 1)}, start and end tokens included), and a batch is padded only to its longest text, no longer to the context's ${parts.contextLength}: CLIP's causal text transformer reads the sentence at the end token, so the positions after it never changed the result (the multilingual tower masks padding and averages over the mask). The tower over a query took ${ms(parts.towerMs.p50)} (p50); the same tower over a text that fills the ${parts.contextLength} tokens, which is what every query cost when each was padded to the context, ${ms(parts.towerFullContextMs.p50)}: ${fixed(cut, 1)}× as long.`;
  return `**Filtered text query** (Engine.searchText, text tower included, filter: ${text.filter}): p50 ${ms(text.ms.p50)}, p95 ${ms(text.ms.p95)} with the filter of the query before; p50 ${ms(text.coldMs.p50)}, p95 ${ms(text.coldMs.p95)} when the filter has just changed; recall@10 ${fixed(text.recallAt10, 3)} (target p50 ≤ ${TEXT_TARGET_MS} ms with recall@10 ≥ 0.95). Find similar with the same filter: p50 ${ms(report.similarQuery.ms.p50)}, p95 ${ms(report.similarQuery.ms.p95)}.

**Where the text query's time goes**, each query timed four ways one after another in the same process (the fourth, below): the query ${ms(text.ms.p50)}, the tokenizer and text tower alone (ClipModel.embedTexts, ${parts.intraOpThreads} intra-op threads as the engine runs it) ${ms(parts.towerMs.p50)}, the same tower on one thread ${ms(parts.towerOneThreadMs.p50)}. So the filter, the search and the catalog rows add ${rest >= 0.5 ? ms(rest) : 'nothing measurable'} to the tower (Find similar with the same filter, which has no tower, answers in ${ms(report.similarQuery.ms.p50)}): the rest is the text tower of ${parts.model}, the same session and code as the main run's text queries. Meanwhile ${load}; ${parts.intraOpThreads} threads ran the tower ${fixed(speedUp, 2)}× as fast as one (at most ${parts.intraOpThreads}× with ${parts.intraOpThreads} free cores; each operator waits for its slowest thread, so a core held by another process slows the whole tower). ${why}

${ownTokens}`;
}

/** Which browse figures missed, and whether their count or their page is the slow part. */
function browseParagraph(report: FiltersReport): string {
  const missed = report.browse.filter((row) => row.ms.p50 > BROWSE_TARGET_MS);
  if (missed.length === 0) {
    const slowest = report.browse.reduce((a, b) => (b.ms.p50 > a.ms.p50 ? b : a));
    return `**All ${report.browse.length} met.** The slowest, ${slowest.filter}, took ${ms(slowest.ms.p50)}, ${percent0(slowest.countMs.p50 / slowest.ms.p50)} of it the count, which ${slowest.countIndex === null ? 'reads every photo (no index serves this filter)' : `searches ${slowest.countIndex}`}.`;
  }
  return `**Missed:** ${missed
    .map(
      (row) =>
        `${row.filter} (${ms(row.ms.p50)}: the count ${ms(row.countMs.p50)}, ${row.countIndex === null ? 'reading every photo since no index serves the filter' : `searching ${row.countIndex}`})`,
    )
    .join('; ')}.`;
}

/** How busy the machine was, in the report's words. */
function busy(machine: FiltersReport['machine']): string {
  const load = `load average ${fixed(machine.loadAverage.mean, 1)} (highest ${fixed(machine.loadAverage.max, 1)}) on ${machine.cores} cores`;
  return machine.othersShare === null
    ? load
    : `other processes used ${percent0(machine.othersShare)} of the CPU, ${load}`;
}

function percent0(share: number): string {
  return `${Math.round(share * 100)}%`;
}

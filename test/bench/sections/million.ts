import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { cp, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { SqliteCatalog, type Catalog } from '../../../src-main/engine/catalog/catalog.js';
import {
  MODEL_MANIFEST_FILE,
  modelKey,
  readModelManifest,
} from '../../../src-main/engine/embedder/manifest.js';
import { Engine } from '../../../src-main/engine/engine.js';
import { libraryPaths } from '../../../src-main/engine/library-paths.js';
import { reconcileFolder } from '../../../src-main/engine/library/reconcile.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { HnswVectorStore } from '../../../src-main/engine/vector-store.js';
import { similarity } from '../../../src-main/engine/util/vectors.js';
import { findEvent, runChild } from '../child-process.js';
import type { MillionStartArgs, MillionStartResult } from '../children/million-start.js';
import { recallAt } from '../exact-search.js';
import { buildVectorIndex } from '../build-vector-index.js';
import { bulkInsertPhotos } from '../bulk-catalog.js';
import { log } from '../log.js';
import { watchThreadHolds, type ThreadHolds } from '../thread-holds.js';
import { measureFloat16Recall, type PrecisionReport } from './precision.js';
import { BENCH_CACHE_DIR } from '../models.js';
import { librarySizes } from '../sizes.js';
import { summarize, timed, type LatencySummary } from '../stats.js';
import { CLIP_LIKE, ClusteredVectorSource } from '../synthetic-vectors.js';

/**
 * A realistic large library, synthetic: photos over 20 years in ~1,000 folders, ~50 cameras
 * (a few common, many rare), a third with GPS, a tenth without a capture date (dated by their
 * file), clustered 512-d vectors as in the vector section. One folder holds a tenth of the
 * photos, to time removing a large folder. Measures what the million-photo issue asks.
 */
export interface MillionConfig {
  photos: number;
  /**
   * Photos with a vector of the active model, spread evenly (the rest get theirs under another
   * model key, so the catalog's size is the same): the HNSW build takes most of an hour at a
   * million on this machine, so a run may build it over fewer and say so.
   */
  indexedPhotos?: number;
  /** Vectors indexed as float32 and as float16 to compare their recall at the same ef. */
  precisionVectors: number;
  /** Files of the real folder tree reconciled on start-up (the disk's share of `photos`). */
  reconcileFiles: number;
  coldStarts: number;
  similarQueries: number;
  /** Seconds the engine's background rebuild is timed for. */
  rebuildSampleS: number;
}

export interface MillionReport {
  photos: number;
  indexedPhotos: number;
  folders: number;
  cameras: number;
  generateS: number;
  indexBuildS: number;
  catalogBytes: number;
  indexBytes: number;
  firstTextMs: LatencySummary;
  /** The first text query's time in parts, from the child's events. */
  firstTextParts: {
    /** Spawning the process and Node's own start. */
    processMs: LatencySummary;
    /** Loading the bundle and its native modules. */
    importsMs: LatencySummary;
    openMs: LatencySummary;
    /** Building the text tower's onnxruntime session and its tokenizer (in a worker thread). */
    towerMs: LatencySummary;
    /** Tokenizing, the tower's first run and the vector search. */
    queryMs: LatencySummary;
  };
  firstSimilarMs: LatencySummary;
  /** Cold starts whose first Find similar came while the index was read (it waited for it). */
  firstSimilarWhileReading: number;
  /**
   * The thread that answers queries, from before Engine.open until the index is read and the
   * first question answered: the worst of the cold starts (by own span). Absent in reports
   * from before it was measured.
   */
  startHolds?: ThreadHolds;
  openMs: LatencySummary;
  /** From Engine.open until the saved index was read and answered searches. */
  indexReadMs: LatencySummary;
  similarMs: LatencySummary;
  recallAt10: number;
  exactWhileRebuildingMs: number;
  /**
   * Exact search with nothing else running, over every vector in the catalog, and reading
   * those rows alone (the same statement, nothing scored): the rest is decoding and scoring.
   */
  exactAlone: { vectors: number; ms: number; readMs: number };
  /** The engine's own background rebuild, timed over its first vectors (`rebuildSampleS`). */
  engineRebuild: { vectors: number; seconds: number; perSecond: number };
  /** The bench's one-go build of the library's index (VectorIndex, no slices). */
  indexBuildPerSecond: number;
  pageMs: { first: LatencySummary; middle: LatencySummary; last: LatencySummary };
  pageSlowest: MillionStartResult['pageSlowest'];
  monthsMs: LatencySummary;
  months: number;
  browseMs: LatencySummary;
  browseHits: number;
  memory: MillionStartResult['memory'];
  reconcile: { files: number; seconds: number; filesPerSecond: number; holds: ThreadHolds };
  removal: {
    photos: number;
    seconds: number;
    holds: ThreadHolds;
    /** Photos not yet compared for duplicates when it began: that comparison ran beside it. */
    uncompared?: number;
  };
  /** Saving the whole index while Find similar queries keep coming. */
  save: { seconds: number; holds: ThreadHolds; queries: number; maxQueryMs: number };
  float16: PrecisionReport;
  /** The runs the figures come from: a run may measure some parts and keep the others. */
  runs: MillionRun[];
}

export interface MillionRun {
  at: string;
  parts: MillionPart[];
  /** The machine's load during the run, in words. */
  contention: string;
}

const FOLDERS = 1000;
const CAMERAS = 50;
const YEARS = 20;
const K = 10;
const START = Date.UTC(2006, 0, 1);
const DAY_MS = 86_400_000;
/** The model key suffix of the vectors a library indexed over fewer photos keeps apart. */
const BEYOND_THE_INDEX = '#beyond-the-index';

/**
 * The section's parts, each measured on its own: a run may measure some and keep the others
 * from an earlier run's report (`--parts`), since the whole section holds the machine for
 * most of an hour.
 */
export const MILLION_PARTS = [
  'exact',
  'starts',
  'warm',
  'reconcile',
  'save',
  'removal',
  'float16',
] as const;
export type MillionPart = (typeof MILLION_PARTS)[number];

/** The figures each part measures. */
type PartFigures = {
  exact: Pick<MillionReport, 'exactWhileRebuildingMs' | 'exactAlone' | 'engineRebuild'>;
  starts: Pick<
    MillionReport,
    | 'firstTextMs'
    | 'firstTextParts'
    | 'firstSimilarMs'
    | 'firstSimilarWhileReading'
    | 'startHolds'
    | 'openMs'
    | 'indexReadMs'
  >;
  warm: Pick<
    MillionReport,
    | 'similarMs'
    | 'recallAt10'
    | 'pageMs'
    | 'pageSlowest'
    | 'monthsMs'
    | 'months'
    | 'browseMs'
    | 'browseHits'
    | 'memory'
  >;
  reconcile: Pick<MillionReport, 'reconcile'>;
  save: Pick<MillionReport, 'save'>;
  removal: Pick<MillionReport, 'removal'>;
  float16: Pick<MillionReport, 'float16'>;
};

export async function runMillionSection(options: {
  config: MillionConfig;
  modelDir: string;
  scratchDir: (name: string) => Promise<string>;
  /** The parts to measure; the others are taken from `earlier`. */
  parts: readonly MillionPart[];
  earlier: MillionReport | null;
}): Promise<Omit<MillionReport, 'runs'>> {
  const { config, modelDir, parts, earlier } = options;
  const manifest = readModelManifest(path.join(modelDir, MODEL_MANIFEST_FILE));
  const key = modelKey(manifest);
  const dimensions = manifest.dimensions;
  const label = `${config.photos.toLocaleString('en')} photos:`;

  const library = await cachedLibrary(config, key, dimensions, label);
  const { libraryDir, bigFolderId, queryIds, browse } = library;
  const paths = libraryPaths(libraryDir);
  const indexedPhotos = config.indexedPhotos ?? config.photos;
  const sizes = await librarySizes(libraryDir);

  const measure: { [P in MillionPart]: () => Promise<PartFigures[P]> } = {
    exact: async () => {
      log(`${label} the index lost: exact search and the engine's background rebuild`);
      const catalog = SqliteCatalog.open(paths.catalog);
      try {
        const modelId = catalog.registerModel(key, dimensions);
        const query = catalog.getVector(queryIds[0]!, modelId)!;
        const lost = await whileRebuilding(catalog, key, dimensions, {
          vectorIndexDir: await options.scratchDir('million-no-index'),
          query,
          sampleS: config.rebuildSampleS,
        });
        log(`${label} exact search alone over every vector of the catalog`);
        const exactAlone = await exactSearchAlone(catalog, key, dimensions, {
          vectorIndexDir: await options.scratchDir('million-exact-alone'),
          query,
        });
        return { exactWhileRebuildingMs: lost.exactMs, engineRebuild: lost.rebuild, exactAlone };
      } finally {
        catalog.close();
      }
    },
    starts: () => coldStarts(config, libraryDir, modelDir, queryIds, browse, label),
    warm: async () => {
      log(`${label} exact answers for ${queryIds.length} queries`);
      const catalog = SqliteCatalog.open(paths.catalog);
      const truth = exactNeighbours(catalog, catalog.registerModel(key, dimensions), queryIds);
      catalog.close();
      log(`${label} warm: find similar, pages, months, filtered browse, memory`);
      const warm = findEvent<MillionStartResult>(
        await startChild({ libraryDir, modelDir, queryIds, browse, config }, 'similar', false),
        'result',
      ).data;
      return {
        similarMs: summarize(warm.similarMs),
        recallAt10: recallAt(K, warm.similarHits, truth),
        pageMs: {
          first: summarize(warm.pageMs.first),
          middle: summarize(warm.pageMs.middle),
          last: summarize(warm.pageMs.last),
        },
        pageSlowest: warm.pageSlowest,
        monthsMs: summarize(warm.monthsMs),
        months: warm.months,
        browseMs: summarize(warm.browseMs),
        browseHits: warm.browseHits,
        memory: warm.memory,
      };
    },
    reconcile: async () => {
      log(
        `${label} start-up reconcile of ${config.reconcileFiles.toLocaleString('en')} unchanged files`,
      );
      return { reconcile: await reconcileUnchanged(await cachedTree(config.reconcileFiles)) };
    },
    save: async () => {
      log(`${label} on a copy: saving the index while queries come`);
      const copy = await copyLibrary(libraryDir, await options.scratchDir('million-save'));
      return { save: await saveWhileAsking(copy, modelDir, queryIds) };
    },
    removal: async () => {
      log(`${label} on a copy: removing the largest folder`);
      const copy = await copyLibrary(libraryDir, await options.scratchDir('million-removal'));
      return { removal: await removeLargestFolder(copy, modelDir, bigFolderId) };
    },
    float16: async () => ({
      float16: await measureFloat16Recall({
        vectors: config.precisionVectors,
        queries: 100,
        efValues: [16, 32, 100],
      }),
    }),
  };

  let report: Partial<MillionReport> = earlier ?? {};
  for (const part of MILLION_PARTS) {
    if (!parts.includes(part)) {
      if (earlier === null) throw new Error(`no earlier report to take the "${part}" part from`);
      continue;
    }
    report = { ...report, ...(await measure[part]()) };
  }
  return {
    ...(report as MillionReport),
    photos: config.photos,
    indexedPhotos,
    folders: FOLDERS,
    cameras: CAMERAS,
    generateS: library.generateS,
    indexBuildS: library.indexBuildS,
    indexBuildPerSecond: library.indexBuildPerSecond,
    catalogBytes: sizes.catalogBytes,
    indexBytes: sizes.indexBytes,
  };
}

interface StartSpec {
  libraryDir: string;
  modelDir: string;
  queryIds: number[];
  browse: MillionStartArgs['browse'];
  config: MillionConfig;
}

/** A fresh process opening the library and answering its first question. */
function startChild(
  spec: StartSpec,
  first: 'text' | 'similar',
  firstOnly: boolean,
  watchStart = false,
) {
  return runChild(
    'million-start.ts',
    {
      libraryDir: spec.libraryDir,
      modelDir: spec.modelDir,
      first,
      similarIds: spec.queryIds.slice(0, spec.config.similarQueries),
      browse: spec.browse,
      firstOnly,
      watchStart,
    } satisfies MillionStartArgs,
    // Bundled, as the app ships: tsx would add its compile time to every start.
    'bundle',
  );
}

/**
 * Cold starts, each a fresh process answering one first question: a text query, or a Find
 * similar. The text query's time is split at the events the child reports: the process and
 * Node's own start, the bundle's imports, Engine.open, the text tower's session, the query.
 */
async function coldStarts(
  config: MillionConfig,
  libraryDir: string,
  modelDir: string,
  queryIds: number[],
  browse: MillionStartArgs['browse'],
  label: string,
): Promise<PartFigures['starts']> {
  log(`${label} cold starts: first text query and first Find similar`);
  const spec = { libraryDir, modelDir, queryIds, browse, config };
  const firstText: number[] = [];
  const firstSimilar: number[] = [];
  const opens: number[] = [];
  const textParts = { processMs: [], importsMs: [], openMs: [], towerMs: [], queryMs: [] } as {
    [part in keyof MillionReport['firstTextParts']]: number[];
  };
  let firstSimilarWhileReading = 0;
  const indexReads: number[] = [];
  for (let i = 0; i < config.coldStarts; i++) {
    for (const first of ['text', 'similar'] as const) {
      const events = await startChild(spec, first, true);
      const answered = findEvent<{ indexState: string }>(events, 'answered');
      (first === 'text' ? firstText : firstSimilar).push(answered.atMs);
      if (first === 'similar' && answered.data.indexState === 'loading') firstSimilarWhileReading++;
      const result = findEvent<{ openMs: number; indexReadMs: number }>(events, 'result').data;
      opens.push(result.openMs);
      indexReads.push(result.indexReadMs);
      if (first === 'text') {
        const started = findEvent<{ importsMs: number }>(events, 'started');
        const open = findEvent(events, 'open').atMs;
        const tower = findEvent(events, 'text-tower').atMs;
        textParts.processMs.push(started.atMs - started.data.importsMs);
        textParts.importsMs.push(started.data.importsMs);
        textParts.openMs.push(open - started.atMs);
        textParts.towerMs.push(tower - open);
        textParts.queryMs.push(answered.atMs - tower);
      }
    }
  }
  return {
    firstTextMs: summarize(firstText),
    firstTextParts: {
      processMs: summarize(textParts.processMs),
      importsMs: summarize(textParts.importsMs),
      openMs: summarize(textParts.openMs),
      towerMs: summarize(textParts.towerMs),
      queryMs: summarize(textParts.queryMs),
    },
    firstSimilarMs: summarize(firstSimilar),
    firstSimilarWhileReading,
    startHolds: await watchedStarts(spec),
    openMs: summarize(opens),
    indexReadMs: summarize(indexReads),
  };
}

/**
 * The thread's holds from opening until the first answer, over one more start of each kind
 * (watching takes a core, so these are not among the timed starts): the worse by own span.
 */
async function watchedStarts(spec: StartSpec): Promise<ThreadHolds> {
  const own = (holds: ThreadHolds) => holds.longestSpanMs ?? holds.longestMs;
  let worst: ThreadHolds | null = null;
  for (const first of ['text', 'similar'] as const) {
    const events = await startChild(spec, first, true, true);
    const { startHolds } = findEvent<{ startHolds: ThreadHolds }>(events, 'result').data;
    if (worst === null || own(startHolds) > own(worst)) worst = startHolds;
  }
  return worst!;
}

/**
 * Makes (or finds) the section's cached library without measuring: the index build over a
 * million vectors takes most of an hour, so it can run on its own ahead of the measurements.
 */
export async function prepareMillionLibrary(config: MillionConfig, modelDir: string) {
  const manifest = readModelManifest(path.join(modelDir, MODEL_MANIFEST_FILE));
  const label = `${config.photos.toLocaleString('en')} photos:`;
  const library = await cachedLibrary(config, modelKey(manifest), manifest.dimensions, label);
  await cachedTree(config.reconcileFiles);
  return library;
}

interface CachedLibrary {
  libraryDir: string;
  bigFolderId: number;
  queryIds: number[];
  browse: MillionStartArgs['browse'];
  generateS: number;
  indexBuildS: number;
  indexBuildPerSecond: number;
}

/**
 * The synthetic library with its HNSW index, generated once per shape and kept under the
 * bench's cache folder: building the index over many photos takes far longer than measuring,
 * so later runs measure the same library again at once. Runs that change it work on a copy.
 */
export async function cachedLibrary(
  config: MillionConfig,
  key: string,
  dimensions: number,
  label: string,
): Promise<CachedLibrary> {
  const indexedPhotos = config.indexedPhotos ?? config.photos;
  const libraryDir = path.join(
    BENCH_CACHE_DIR,
    `million-${config.photos}-indexed-${indexedPhotos}-${dimensions}d`,
  );
  const describedIn = path.join(libraryDir, 'bench-library.json');
  const cached = await readFile(describedIn, 'utf8').then(
    (text) => JSON.parse(text) as Omit<CachedLibrary, 'libraryDir'>,
    () => null,
  );
  if (cached !== null) {
    log(`${label} using the library generated earlier in ${libraryDir}`);
    return { libraryDir, ...cached };
  }
  await rm(libraryDir, { recursive: true, force: true });
  await mkdir(libraryDir, { recursive: true });
  const paths = libraryPaths(libraryDir);

  const smaller = await smallerIndexedLibrary(config.photos, indexedPhotos, dimensions);
  log(
    smaller === null
      ? `${label} generating the catalog`
      : `${label} taking the catalog of ${smaller.dir}, indexing more of its vectors`,
  );
  const generated =
    smaller === null
      ? await timed(() =>
          generateLibrary(paths.catalog, config.photos, indexedPhotos, key, dimensions),
        )
      : {
          value: await indexMoreOf(smaller.dir, paths.catalog, key, dimensions, indexedPhotos),
          ms: smaller.generateS * 1000,
        };

  log(`${label} building the index`);
  const catalog = SqliteCatalog.open(paths.catalog);
  const built = await timed(() => buildVectorIndex(catalog, paths.vectorIndexDir, key, dimensions));
  catalog.close();
  const described = {
    ...generated.value,
    generateS: generated.ms / 1000,
    indexBuildS: built.ms / 1000,
    indexBuildPerSecond: built.value.perSecond,
  };
  await writeFile(describedIn, JSON.stringify(described));
  return { libraryDir, ...described };
}

/**
 * A cached library with the same photos whose index holds fewer of them: its catalog already
 * has every photo and vector (those beyond its index under a second model key), so a library
 * indexed over more is made from it in minutes instead of generated again (16 minutes at a
 * million).
 */
async function smallerIndexedLibrary(
  photos: number,
  indexedPhotos: number,
  dimensions: number,
): Promise<{ dir: string; generateS: number } | null> {
  const prefix = `million-${photos}-indexed-`;
  const suffix = `-${dimensions}d`;
  const entries = await readdir(BENCH_CACHE_DIR).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const indexed = Number(name.slice(prefix.length, -suffix.length));
    if (!(indexed < indexedPhotos)) continue;
    const dir = path.join(BENCH_CACHE_DIR, name);
    const described = await readFile(path.join(dir, 'bench-library.json'), 'utf8').then(
      (text) => JSON.parse(text) as { generateS: number },
      () => null,
    );
    if (described !== null) return { dir, generateS: described.generateS };
  }
  return null;
}

/**
 * Copies the smaller library's catalog and moves to the active model the vectors of the photos
 * a library indexed over `indexedPhotos` would index (spread evenly, as `generateLibrary`
 * spreads them; a superset of the smaller library's), with the query photos spread over them.
 */
async function indexMoreOf(
  smallerDir: string,
  catalogFile: string,
  key: string,
  dimensions: number,
  indexedPhotos: number,
): Promise<
  Omit<CachedLibrary, 'libraryDir' | 'generateS' | 'indexBuildS' | 'indexBuildPerSecond'>
> {
  await cp(libraryPaths(smallerDir).catalog, catalogFile);
  const smaller = JSON.parse(
    await readFile(path.join(smallerDir, 'bench-library.json'), 'utf8'),
  ) as CachedLibrary;
  const setup = SqliteCatalog.open(catalogFile);
  const modelId = setup.registerModel(key, dimensions);
  const beyondIndex = setup.registerModel(`${key}${BEYOND_THE_INDEX}`, dimensions);
  setup.close();
  // Plain SQL, as the bulk insert: no engine path moves vectors between models.
  const db = new Database(catalogFile);
  try {
    const ids = db.prepare('SELECT id FROM photos ORDER BY id').pluck().all() as number[];
    const indexedIds = ids.filter((_, i) => isIndexedAt(i, ids.length, indexedPhotos));
    const move = db.prepare('UPDATE vectors SET model_id = ? WHERE photo_id = ? AND model_id = ?');
    db.transaction(() => {
      for (const id of indexedIds) move.run(modelId, id, beyondIndex);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const queries = smaller.queryIds.length;
    return {
      bigFolderId: smaller.bigFolderId,
      browse: smaller.browse,
      queryIds: Array.from(
        { length: queries },
        (_, i) => indexedIds[Math.floor((i * indexedIds.length) / queries)]!,
      ),
    };
  } finally {
    db.close();
  }
}

/** Whether the photo at this position of the library is among the `indexedPhotos` indexed. */
function isIndexedAt(position: number, photos: number, indexedPhotos: number): boolean {
  return (position * indexedPhotos) % photos < indexedPhotos;
}

/** A copy of the library's catalog and index, for a measurement that changes them. */
async function copyLibrary(libraryDir: string, copyDir: string): Promise<string> {
  await cp(libraryPaths(libraryDir).catalog, libraryPaths(copyDir).catalog);
  await cp(libraryPaths(libraryDir).vectorIndexDir, libraryPaths(copyDir).vectorIndexDir, {
    recursive: true,
  });
  // Written to disk before measuring: the copy's gigabytes would otherwise still be waiting in
  // the page cache, and the first checkpoint's flush of the catalog would wait for them all
  // (a hold of 825 ms, 761 ms of it blocked in the kernel, that a user's library never has).
  const catalog = await open(libraryPaths(copyDir).catalog, 'r+');
  try {
    await catalog.sync();
  } finally {
    await catalog.close();
  }
  return copyDir;
}

/** Seeded uniform numbers (mulberry32) for the library's shape; the vectors have their own. */
function uniformSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateLibrary(
  catalogFile: string,
  photos: number,
  indexedPhotos: number,
  key: string,
  dimensions: number,
) {
  const random = uniformSource(7);
  const setup = SqliteCatalog.open(catalogFile);
  const modelId = setup.registerModel(key, dimensions);
  const beyondIndex = setup.registerModel(`${key}${BEYOND_THE_INDEX}`, dimensions);
  const vectors = new ClusteredVectorSource({ ...CLIP_LIKE, count: photos, dimensions });
  const vector = new Float32Array(dimensions);
  // A few cameras take most photos: camera c is chosen with weight 1 / (c + 1).
  const weights = Array.from({ length: CAMERAS }, (_, c) => 1 / (c + 1));
  const totalWeight = weights.reduce((sum, w) => sum + w, 0);
  const camera = () => {
    let pick = random() * totalWeight;
    for (let c = 0; c < CAMERAS; c++) if ((pick -= weights[c]!) <= 0) return c;
    return CAMERAS - 1;
  };
  // Folder f covers its share of the 20 years; the big folder (the last) a tenth of the photos.
  const bigFolderPhotos = Math.floor(photos / 10);
  const perFolder = (photos - bigFolderPhotos) / (FOLDERS - 1);
  const folderIds: number[] = [];
  const folderPaths: string[] = [];
  for (let f = 0; f < FOLDERS; f++) {
    const year = 2006 + Math.floor((f * YEARS) / FOLDERS);
    const folder = setup.addFolder(`/synthetic/${year}/event-${String(f).padStart(4, '0')}`);
    folderIds.push(folder.id);
    folderPaths.push(folder.path);
  }
  setup.close();
  const ids = bulkInsertPhotos(catalogFile, photos, (i) => {
    if (i % 100_000 === 0) log(`  ${i.toLocaleString('en')} photos`);
    const big = i >= photos - bigFolderPhotos;
    const f = big ? FOLDERS - 1 : Math.min(FOLDERS - 2, Math.floor(i / perFolder));
    const folderStart =
      START + (big ? random() * YEARS * 365 : (f * YEARS * 365) / FOLDERS) * DAY_MS;
    const taken = new Date(folderStart + random() * 7 * DAY_MS);
    const dated = random() >= 0.1;
    const c = camera();
    vectors.next(vector);
    const folderPath = folderPaths[f]!;
    return {
      photo: {
        path: `${folderPath}/IMG_${String(i).padStart(7, '0')}.jpg`,
        folderId: folderIds[f]!,
        size: 2_000_000 + Math.floor(random() * 4_000_000),
        mtimeMs: taken.getTime() + random() * DAY_MS,
        contentHash: (i.toString(16) + 'f'.repeat(64)).slice(0, 64),
        width: 4032,
        height: 3024,
        orientation: 1,
        format: 'jpeg',
        takenAt: dated ? taken.toISOString().slice(0, 19) : null,
        cameraMake: `Maker ${c % 7}`,
        cameraModel: `Camera ${c}`,
        gps:
          random() < 1 / 3
            ? { latitude: random() * 180 - 90, longitude: random() * 360 - 180 }
            : null,
        status: 'indexed',
        lastError: null,
      },
      vector: { modelId: isIndexedAt(i, photos, indexedPhotos) ? modelId : beyondIndex, vector },
    };
  });
  const indexedIds = ids.filter((_, i) => isIndexedAt(i, photos, indexedPhotos));
  const queries = 50;
  return {
    bigFolderId: folderIds[FOLDERS - 1]!,
    queryIds: Array.from(
      { length: queries },
      (_, i) => indexedIds[Math.floor((i * indexedIds.length) / queries)]!,
    ),
    // A middling camera in a middle year.
    browse: { year: '2016', camera: 'Camera 10' },
  };
}

/** The exact top ten of each query photo (itself left out), over the catalog's vectors. */
function exactNeighbours(catalog: Catalog, modelId: number, queryIds: number[]): Set<number>[] {
  const queries = queryIds.map((id) => catalog.getVector(id, modelId)!);
  const best = queries.map(() => [] as { id: number; score: number }[]);
  let after = 0;
  for (;;) {
    const rows = catalog.vectorsAfter(modelId, after, 4096);
    if (rows.length === 0) break;
    for (const { photoId, bytes } of rows) {
      after = photoId;
      const vector = catalog.decodeVector(modelId, bytes);
      queries.forEach((query, q) => {
        if (photoId === queryIds[q]) return;
        const score = similarity(vector, query);
        const list = best[q]!;
        if (list.length < K || score > list[K - 1]!.score) {
          list.push({ id: photoId, score });
          list.sort((a, b) => b.score - a.score);
          if (list.length > K) list.pop();
        }
      });
    }
  }
  return best.map((list) => new Set(list.map(({ id }) => id)));
}

/**
 * With the index lost: one search answered meanwhile (exact, over the catalog), and the
 * engine's background rebuild's own rate, over what it builds in `sampleS` seconds (the
 * library's index is built in one go by the bench; this is what a user waits).
 */
async function whileRebuilding(
  catalog: Catalog,
  key: string,
  dimensions: number,
  options: { vectorIndexDir: string; query: Float32Array; sampleS: number },
): Promise<{ exactMs: number; rebuild: MillionReport['engineRebuild'] }> {
  const store = HnswVectorStore.open({
    catalog,
    vectorIndexDir: options.vectorIndexDir,
    modelKey: key,
    dimensions,
    logger: silentLogger,
  });
  await store.whenOpened();
  const { ms } = await timed(() => store.search(options.query, K));
  const started = performance.now();
  const total = store.status().total;
  let done = store.status().done;
  const first = done;
  while (
    store.status().state === 'rebuilding' &&
    performance.now() - started < options.sampleS * 1000
  ) {
    done = store.status().done;
    await sleep(100);
  }
  if (store.status().state !== 'rebuilding') done = total;
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return {
    exactMs: ms,
    rebuild: { vectors: done - first, seconds, perSecond: (done - first) / seconds },
  };
}

/**
 * The engine's exact search with nothing else running, over each model's vectors in turn (the
 * library's active model and the vectors beyond its index), so the cost per vector is for
 * every vector of the catalog: each store's background rebuild is stopped before it searches.
 */
async function exactSearchAlone(
  catalog: Catalog,
  key: string,
  dimensions: number,
  options: { vectorIndexDir: string; query: Float32Array },
): Promise<MillionReport['exactAlone']> {
  let vectors = 0;
  let ms = 0;
  let readMs = 0;
  for (const storeKey of [key, `${key}${BEYOND_THE_INDEX}`]) {
    const store = HnswVectorStore.open({
      readOnly: true,
      catalog,
      vectorIndexDir: options.vectorIndexDir,
      modelKey: storeKey,
      dimensions,
      logger: silentLogger,
    });
    await store.whenOpened();
    await store.close();
    const modelId = catalog.registerModel(storeKey, dimensions);
    vectors += catalog.countVectors(modelId);
    ms += (await timed(() => store.search(options.query, K))).ms;
    const read = await timed(() => {
      for (let after = 0, rows; (rows = catalog.vectorsAfter(modelId, after, 8192)).length > 0;) {
        after = rows.at(-1)!.photoId;
      }
    });
    readMs += read.ms;
  }
  return { vectors, ms, readMs };
}

/**
 * A real tree of small files in folders of 1,000 and a catalog that holds them as they are,
 * made once under the bench's cache (a million files take minutes to write) and kept: the
 * reconcile measured on it changes nothing in either.
 */
async function cachedTree(files: number): Promise<{ treeDir: string; catalogFile: string }> {
  const dir = path.join(BENCH_CACHE_DIR, `reconcile-tree-${files}`);
  const treeDir = path.join(dir, 'photos');
  const catalogFile = path.join(dir, 'catalog.sqlite');
  const done = path.join(dir, 'complete');
  if (existsSync(done)) return { treeDir, catalogFile };
  log(`  writing ${files.toLocaleString('en')} files for the reconcile, once`);
  await rm(dir, { recursive: true, force: true });
  const folders = Math.max(1, Math.round(files / 1000));
  const catalog = SqliteCatalog.open(catalogFile);
  const folder = catalog.addFolder(treeDir);
  const mtime = new Date('2020-01-01T00:00:00Z');
  for (let f = 0; f < folders; f++) {
    const sub = path.join(treeDir, `folder-${String(f).padStart(4, '0')}`);
    mkdirSync(sub, { recursive: true });
    const rows: { path: string; size: number; mtimeMs: number }[] = [];
    // Written synchronously: nothing waits on this thread while the tree is made.
    for (let i = f; i < files; i += folders) {
      const file = path.join(sub, `IMG_${String(i).padStart(7, '0')}.jpg`);
      writeFileSync(file, 'x');
      utimesSync(file, mtime, mtime);
      rows.push({ path: file, size: 1, mtimeMs: Math.trunc(statSync(file).mtimeMs) });
    }
    catalog.transaction(() => {
      for (const row of rows) {
        catalog.upsertPhoto({
          ...row,
          folderId: folder.id,
          contentHash: null,
          status: 'indexed',
          lastError: null,
        });
      }
    });
    if (f % 100 === 99) log(`  ${((f + 1) * 1000).toLocaleString('en')} files`);
  }
  catalog.close();
  writeFileSync(done, '');
  return { treeDir, catalogFile };
}

/**
 * The cached tree reconciled as at start-up: the rate, and how long the thread was held
 * (what a query asked meanwhile, the first answer among them, would wait).
 */
async function reconcileUnchanged(tree: { treeDir: string; catalogFile: string }) {
  const catalog = SqliteCatalog.open(tree.catalogFile);
  const folder = catalog.listFolders()[0]!;
  const stopWatching = watchThreadHolds();
  const { value, ms } = await timed(() => reconcileFolder(catalog, folder, () => false));
  const holds = await stopWatching();
  catalog.close();
  const files = folder.photos;
  if (!value.available || value.unchanged !== files) {
    throw new Error(`reconcile saw ${JSON.stringify(value)} for ${files} unchanged files`);
  }
  return { files, seconds: ms / 1000, filesPerSecond: files / (ms / 1000), holds };
}

/**
 * On a copy of the library: the whole index saved while Find similar queries keep coming (the
 * longest any of them took, and the longest hold of the thread).
 */
async function saveWhileAsking(libraryDir: string, modelDir: string, queryIds: number[]) {
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  const vectors = engine.vectors!;
  await vectors.whenSettled();
  const changed = queryIds[0]!;
  vectors.addToVectorIndex([{ photoId: changed, vector: vectors.get(changed)! }]);
  let saving = true;
  let queries = 0;
  let maxQueryMs = 0;
  const asking = (async () => {
    while (saving) {
      const { ms } = await timed(() =>
        engine.findSimilar(queryIds[queries % queryIds.length]!, { limit: K }),
      );
      maxQueryMs = Math.max(maxQueryMs, ms);
      queries++;
      await nextTurn();
    }
  })();
  const stopWatchingSave = watchThreadHolds();
  const saved = await timed(() => vectors.save());
  saving = false;
  await asking;
  const save = {
    seconds: saved.ms / 1000,
    holds: await stopWatchingSave(),
    queries,
    maxQueryMs,
  };
  await engine.close();
  return save;
}

/** On a copy of the library: the largest folder removed while the thread is watched. */
async function removeLargestFolder(libraryDir: string, modelDir: string, folderId: number) {
  const engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
  await engine.vectors!.whenSettled();
  const photos = engine.catalog.photoIdsInFolder(folderId).length;
  const uncompared = engine.catalog.countUncomparedVectors(engine.vectors!.modelId);
  const stopWatching = watchThreadHolds();
  const { ms } = await timed(() => engine.removeFolder(folderId));
  const holds = await stopWatching();
  await engine.close();
  return { photos, seconds: ms / 1000, holds, uncompared };
}

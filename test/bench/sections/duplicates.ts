import path from 'node:path';
import { SqliteCatalog } from '../../../src-main/engine/catalog/catalog.js';
import { duplicateReport } from '../../../src-main/engine/duplicates/duplicate-report.js';
import { NearDuplicates } from '../../../src-main/engine/duplicates/near-duplicates.js';
import type { PhotoInput } from '../../../src-main/engine/catalog/rows.js';
import { libraryPaths } from '../../../src-main/engine/library-paths.js';
import { silentLogger } from '../../../src-main/engine/util/logger.js';
import { HnswVectorStore } from '../../../src-main/engine/vector-store.js';
import { buildVectorIndex } from '../build-vector-index.js';
import { bulkInsertPhotos } from '../bulk-catalog.js';
import { log } from '../log.js';
import { summarize, timed, type LatencySummary } from '../stats.js';
import { CLIP_LIKE, ClusteredVectorSource, Random } from '../synthetic-vectors.js';

/** ViT-B/32's width. */
const DIMENSIONS = 512;
/** Stands in for a model's near-identical threshold: a near copy here scores about 0.99. */
const THRESHOLD = 0.95;
/** Share of photos that get a near copy (the vector plus a little noise), and an exact copy. */
const NEAR_COPY_SHARE = 0.01;
const EXACT_COPY_SHARE = 0.005;
/** Length of the noise that makes a near copy. */
const COPY_NOISE = 0.1;

export interface DuplicatesBenchReport {
  photos: number;
  dimensions: number;
  threshold: number;
  plantedNearCopies: number;
  plantedExactCopies: number;
  /** The HNSW index built from the catalog (not part of grouping; the library has it already). */
  indexBuildMs: number;
  /** Every photo compared with its neighbours, as after an upgrade or a model switch. */
  fromScratchMs: number;
  /** One new photo compared and joined, as indexing does after each batch. */
  perNewPhotoMs: LatencySummary;
  /** Reading the stored groups into the report the view and the CLI show. */
  listMs: number;
  groups: number;
  /** Planted near copies found in their original's group. */
  nearCopiesFound: number;
}

/**
 * Duplicate grouping at scale on synthetic CLIP-like vectors: from scratch (one neighbour
 * query per photo) and per new photo, with near and exact copies planted so the groups have
 * something to find (and the count found says the grouping is right, not just fast).
 */
export async function runDuplicatesSection(options: {
  photos: number;
  newPhotos: number;
  libraryDir: string;
}): Promise<DuplicatesBenchReport> {
  const { photos, newPhotos, libraryDir } = options;
  const label = photos.toLocaleString('en');
  const paths = libraryPaths(libraryDir);
  let catalog = SqliteCatalog.open(paths.catalog);
  const key = 'synthetic-duplicates';
  const modelId = catalog.registerModel(key, DIMENSIONS);
  const folder = catalog.addFolder(path.join(libraryDir, 'synthetic-photos'));
  const source = new ClusteredVectorSource({
    ...CLIP_LIKE,
    count: photos + newPhotos,
    dimensions: DIMENSIONS,
  });
  const random = new Random(99);
  /** The vector moved by noise of length about COPY_NOISE: a near copy's. */
  const nearCopyOf = (vector: Float32Array) =>
    vector.map((value) => value + (random.normal() * COPY_NOISE) / Math.sqrt(DIMENSIONS));
  const photoRow = (at: number, contentHash: string): PhotoInput => ({
    path: path.join(folder.path, `photo-${String(at).padStart(7, '0')}.jpg`),
    folderId: folder.id,
    size: 3_000_000,
    mtimeMs: 1_700_000_000_000 + at + 1,
    contentHash,
    width: 4000,
    height: 3000,
    format: 'jpeg',
    status: 'indexed',
    lastError: null,
  });
  let row = 0;
  const addPhoto = (vector: Float32Array, contentHash: string): number => {
    const photoId = catalog.upsertPhoto(photoRow(row++, contentHash));
    catalog.putVector(photoId, modelId, vector);
    return photoId;
  };

  log(`duplicates, ${label} photos: catalog`);
  catalog.close();
  const vector = new Float32Array(DIMENSIONS);
  /** Rows that are near copies, with the row of their original. */
  const nearRows: [number, number][] = [];
  let exactCopies = 0;
  const nearEvery = Math.round(1 / NEAR_COPY_SHARE);
  const exactEvery = Math.round(1 / EXACT_COPY_SHARE);
  // Rows come in order: an original, sometimes followed by its near or exact copy.
  let originals = 0;
  let copyOf: { row: number; near: boolean; hash: string } | null = null;
  const ids = bulkInsertPhotos(paths.catalog, photos, (at) => {
    let hash: string;
    let stored = vector;
    if (copyOf !== null) {
      hash = copyOf.near ? `near-${at}`.padStart(64, '0') : copyOf.hash;
      if (copyOf.near) {
        stored = nearCopyOf(vector);
        nearRows.push([copyOf.row, at]);
      } else {
        exactCopies++;
      }
      copyOf = null;
    } else {
      source.next(vector);
      hash = at.toString(16).padStart(64, '0');
      const i = originals++;
      if (i % nearEvery === 1) copyOf = { row: at, near: true, hash };
      else if (i % exactEvery === 2) copyOf = { row: at, near: false, hash };
    }
    return { photo: photoRow(at, hash), vector: { modelId, vector: stored } };
  });
  row = photos;
  const nearPairs = nearRows.map(([original, copy]) => [ids[original]!, ids[copy]!] as const);
  catalog = SqliteCatalog.open(paths.catalog);

  log(`duplicates, ${label} photos: index build`);
  const built = await timed(() => buildVectorIndex(catalog, paths.vectorIndexDir, key, DIMENSIONS));
  const vectors = HnswVectorStore.open({
    catalog,
    vectorIndexDir: paths.vectorIndexDir,
    modelKey: key,
    dimensions: DIMENSIONS,
    logger: silentLogger,
  });
  await vectors.whenSettled();
  const near = new NearDuplicates(catalog, vectors, THRESHOLD, false, silentLogger);

  log(`duplicates, ${label} photos: grouping from scratch`);
  const scratch = await timed(() => near.compare());

  log(`duplicates, ${label} photos: ${newPhotos} new photos one at a time`);
  const perPhoto: number[] = [];
  for (let i = 0; i < newPhotos; i++) {
    // Every other new photo is a near copy of the one before, so joins are measured too.
    if (i % 2 === 0) source.next(vector);
    const stored = catalog.transaction(() => {
      const id = addPhoto(i % 2 === 0 ? vector : nearCopyOf(vector), `new-${i}`.padStart(64, '0'));
      return { photoId: id, vector: catalog.getVector(id, modelId)! };
    });
    vectors.addToVectorIndex([stored]);
    perPhoto.push((await timed(() => near.compare())).ms);
  }

  const listed = await timed(() => duplicateReport(catalog, { duplicates: near, vectors }));
  const groupOf = new Map<number, number>();
  listed.value.groups.forEach((group, g) => {
    for (const member of group.members) groupOf.set(member.photo.id, g);
  });
  const nearCopiesFound = nearPairs.filter(
    ([original, copy]) => groupOf.has(original) && groupOf.get(original) === groupOf.get(copy),
  ).length;
  await near.close();
  await vectors.close();
  catalog.close();
  return {
    photos: row,
    dimensions: DIMENSIONS,
    threshold: THRESHOLD,
    plantedNearCopies: nearPairs.length,
    plantedExactCopies: exactCopies,
    indexBuildMs: built.ms,
    fromScratchMs: scratch.ms,
    perNewPhotoMs: summarize(perPhoto),
    listMs: listed.ms,
    groups: listed.value.groups.length,
    nearCopiesFound,
  };
}

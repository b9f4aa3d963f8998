import hnswlib from 'hnswlib-node';
import {
  checkVectorIndexFiles,
  vectorIndexFilesFor,
  verifyVectorIndexFiles,
  writeVectorIndexFiles,
  type VectorIndexFiles,
  type Sidecar,
} from './index-files.js';
import { PhotoIdSet } from './photo-id-set.js';
import { sha256OfFileSync } from '../util/sha256.js';
import { unitVector } from '../util/vectors.js';

type Graph = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Graph shape: hnswlib's recommended defaults, good recall at CLIP's 512-768 dimensions. */
const M = 16;
const EF_CONSTRUCTION = 200;
/** Fixed, so building the same index twice gives the same graph. */
const RANDOM_SEED = 100;
/** Candidates kept while searching; raised to k when more neighbours are asked for. */
const DEFAULT_EF = 100;
const DEFAULT_CAPACITY = 1024;
const MAX_LABEL = 0xffff_ffff;
/** Far below the change of any component when a photo is embedded anew, above float16's step. */
const SAME_POINT_TOLERANCE = 1e-3;

export interface VectorIndexOptions {
  dir: string;
  modelKey: string;
  dimensions: number;
  /** Elements room is made for before the first resize (it doubles as needed). */
  initialCapacity?: number;
  ef?: number;
}

export interface Neighbour {
  id: number;
  /** Cosine similarity in [-1, 1]; higher is closer. */
  score: number;
}

/** Photo ids: with a vector the index lacks, holds another vector for, or should not hold. */
export interface VectorIndexDifferences {
  missing: number[];
  different: number[];
  extra: number[];
}

export interface SyncResult {
  added: number;
  updated: number;
  removed: number;
}

/**
 * Approximate nearest neighbours over one model's vectors, labelled by photo id: an HNSW graph
 * in inner-product space over L2-normalised vectors, so 1 - distance is the cosine similarity.
 * The catalog holds the vectors durably; this index is derived from it. When its files are
 * missing or cannot be trusted it opens empty with `rebuilt` set, and `syncFrom` refills it.
 */
export class VectorIndex {
  private changed: boolean;
  private writing = false;

  private constructor(
    private readonly graph: Graph,
    /** Labels in the graph that are not marked deleted. */
    private readonly live: PhotoIdSet,
    private readonly files: VectorIndexFiles,
    readonly modelKey: string,
    readonly dimensions: number,
    /** Why the files on disk could not be used (e.g. 'missing'), or null when they were. */
    readonly rebuildReason: string | null,
    private readonly ef: number,
    /** What the files said when the graph was read from them (for `verify`). */
    private readonly loadedFrom: Sidecar | null,
  ) {
    this.changed = rebuildReason !== null;
  }

  /**
   * Opens the saved index, checked in full (its whole file hashed) before hnswlib reads it; an
   * index whose files are missing or cannot be trusted opens empty with `rebuilt` set.
   */
  static open(options: VectorIndexOptions): VectorIndex {
    const { files } = prepare(options);
    const checked = checkVectorIndexFiles(files, shapeOf(options));
    if ('problem' in checked) return VectorIndex.empty(options, checked.problem);
    const actual = sha256OfFileSync(files.graph);
    if (actual.bytes !== checked.bytes || actual.sha256 !== checked.sha256) {
      return VectorIndex.empty(options, 'damaged or not the one its description was written for');
    }
    const graph = new hnswlib.HierarchicalNSW('ip', options.dimensions);
    try {
      graph.readIndexSync(files.graph, true);
    } catch (error) {
      return VectorIndex.empty(options, `unreadable (${(error as Error).message})`);
    }
    return VectorIndex.fromGraph(options, graph, checked);
  }

  /**
   * Reads the saved index without blocking, after only the cheap checks (description, size,
   * header); `verify` then reads the whole file against its checksum. Refused with the
   * reason, in words that follow "the index is", when the files cannot be used.
   */
  static async load(options: VectorIndexOptions): Promise<VectorIndex | { problem: string }> {
    const { files } = prepare(options);
    const checked = checkVectorIndexFiles(files, shapeOf(options));
    if ('problem' in checked) return checked;
    const graph = new hnswlib.HierarchicalNSW('ip', options.dimensions);
    try {
      await graph.readIndex(files.graph, true);
    } catch (error) {
      return { problem: `unreadable (${(error as Error).message})` };
    }
    const index = VectorIndex.fromGraph(options, graph, checked);
    return index.rebuilt ? { problem: index.rebuildReason! } : index;
  }

  /** An index holding nothing, to be filled from the catalog; `reason` says why. */
  static empty(options: VectorIndexOptions, reason: string): VectorIndex {
    const { files, ef } = prepare(options);
    const graph = new hnswlib.HierarchicalNSW('ip', options.dimensions);
    graph.initIndex(
      options.initialCapacity ?? DEFAULT_CAPACITY,
      M,
      EF_CONSTRUCTION,
      RANDOM_SEED,
      true,
    );
    return new VectorIndex(
      graph,
      new PhotoIdSet(),
      files,
      options.modelKey,
      options.dimensions,
      reason,
      ef,
      null,
    );
  }

  private static fromGraph(
    options: VectorIndexOptions,
    graph: Graph,
    sidecar: Sidecar,
  ): VectorIndex {
    const live = PhotoIdSet.of(sidecar.ids);
    if (live.size !== sidecar.ids.length || live.size > graph.getCurrentCount()) {
      return VectorIndex.empty(options, 'damaged (its description does not fit the graph)');
    }
    const { files, ef } = prepare(options);
    const { modelKey, dimensions } = options;
    return new VectorIndex(graph, live, files, modelKey, dimensions, null, ef, sidecar);
  }

  /**
   * Reads the whole file this index was loaded from against its checksum, without blocking:
   * null when it matches (or the index was not loaded from a file), else what is wrong.
   */
  async verify(): Promise<string | null> {
    return this.loadedFrom && verifyVectorIndexFiles(this.files, this.loadedFrom);
  }

  /** True when the files on disk were missing or unusable and the index started empty. */
  get rebuilt(): boolean {
    return this.rebuildReason !== null;
  }

  /** True when the index differs from what was last saved. */
  get dirty(): boolean {
    return this.changed;
  }

  get size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Adds the photo's vector, replacing the one it had. Any non-zero vector; it is normalised. */
  add(id: number, vector: ArrayLike<number>): void {
    this.addNormalised(checkLabel(id), this.normalise(vector, `vector for photo ${id}`));
  }

  /** Returns whether the photo was in the index. */
  remove(id: number): boolean {
    if (!this.live.has(id)) return false;
    this.refuseWhileSaving();
    this.graph.markDelete(id);
    this.live.delete(id);
    this.changed = true;
    return true;
  }

  /**
   * The k photos closest to the query, closest first, leaving out the `exclude` ids; only
   * among `within` when given (hnswlib skips the others while it walks the graph, so a
   * selective set still yields k when it holds k).
   */
  search(
    query: ArrayLike<number>,
    k: number,
    options: { exclude?: ReadonlySet<number>; within?: ReadonlySet<number> } = {},
  ): Neighbour[] {
    if (!Number.isInteger(k) || k < 0) throw new Error(`k must be a whole number, not ${k}`);
    const point = this.normalise(query, 'query vector');
    const exclude = options.exclude ?? new Set<number>();
    const { within } = options;
    if (within !== undefined) {
      const wanted = Math.min(k, within.size, this.live.size);
      if (wanted === 0) return [];
      this.graph.setEf(Math.max(this.ef, wanted));
      const { neighbors, distances } = this.graph.searchKnn(
        point,
        wanted,
        (id) => within.has(id) && !exclude.has(id),
      );
      return neighbors.map((id, i) => ({ id, score: 1 - distances[i]! }));
    }
    // Excluded photos that are in the index may take places among the nearest: ask for more.
    let excludedInIndex = 0;
    for (const id of exclude) if (this.live.has(id)) excludedInIndex++;
    const wanted = Math.min(k + excludedInIndex, this.live.size);
    if (k === 0 || wanted === 0) return [];
    this.graph.setEf(Math.max(this.ef, wanted));
    const { neighbors, distances } = this.graph.searchKnn(point, wanted);
    return neighbors
      .map((id, i) => ({ id, score: 1 - distances[i]! }))
      .filter(({ id }) => !exclude.has(id))
      .slice(0, k);
  }

  /**
   * Makes the index hold exactly these vectors (the catalog's, its source of truth): adds the
   * missing ones, replaces those that differ and removes photos that are not among them. This
   * heals an index saved before (or without) the catalog writes that followed.
   */
  syncFrom(entries: Iterable<{ photoId: number; vector: ArrayLike<number> }>): SyncResult {
    const wanted = new Set<number>();
    const { added, updated } = this.syncMissing(entries, wanted);
    return { added, updated, removed: this.removeAllBut(wanted) };
  }

  /**
   * Adds these vectors where the index lacks them or holds another; returns how many it added
   * and replaced. `seen` collects their ids, for `removeAllBut` once all have been through.
   */
  syncMissing(
    entries: Iterable<{ photoId: number; vector: ArrayLike<number> }>,
    seen?: Set<number>,
  ): Omit<SyncResult, 'removed'> {
    const result = { added: 0, updated: 0 };
    for (const { photoId, vector } of entries) {
      const id = checkLabel(photoId);
      seen?.add(id);
      const point = this.normalise(vector, `vector for photo ${id}`);
      if (!this.live.has(id)) {
        result.added++;
      } else if (samePoint(this.graph.getPoint(id), point)) {
        continue;
      } else {
        result.updated++;
      }
      this.addNormalised(id, point);
    }
    return result;
  }

  /** Removes every photo not in `keep`; returns how many went. */
  removeAllBut(keep: ReadonlySet<number>): number {
    let removed = 0;
    for (const id of this.live.sorted()) {
      if (!keep.has(id) && this.remove(id)) removed++;
    }
    return removed;
  }

  /** How the index differs from these vectors (the catalog's), without changing it. */
  compareWith(
    entries: Iterable<{ photoId: number; vector: ArrayLike<number> }>,
  ): VectorIndexDifferences {
    const differences: VectorIndexDifferences = { missing: [], different: [], extra: [] };
    const wanted = new Set<number>();
    for (const { photoId, vector } of entries) {
      wanted.add(photoId);
      if (!this.live.has(photoId)) differences.missing.push(photoId);
      else if (
        !samePoint(
          this.graph.getPoint(photoId),
          this.normalise(vector, `vector for photo ${photoId}`),
        )
      )
        differences.different.push(photoId);
    }
    // In ascending order, as the set lists them.
    for (const id of this.live) if (!wanted.has(id)) differences.extra.push(id);
    return differences;
  }

  /**
   * Writes the index if it changed since it was last written; returns whether it wrote. The
   * graph is written on libuv's thread pool (hnswlib's asynchronous writer) and hashed in
   * chunks, so searches go on meanwhile; the index must not change until this resolves (a
   * change meanwhile is refused: it would race the writer).
   */
  async save(): Promise<boolean> {
    if (!this.changed) return false;
    if (this.writing) throw new Error(`the index for ${this.modelKey} is already being saved`);
    const ids = this.live.sorted();
    this.writing = true;
    try {
      await writeVectorIndexFiles(this.files, (file) => this.graph.writeIndex(file), {
        modelKey: this.modelKey,
        dimensions: this.dimensions,
        count: ids.length,
        ids,
      });
      this.changed = false;
      return true;
    } finally {
      this.writing = false;
    }
  }

  /** True while `save` writes the graph: changes must wait until it is done. */
  get saving(): boolean {
    return this.writing;
  }

  private refuseWhileSaving(): void {
    if (this.writing) {
      throw new Error(`the index for ${this.modelKey} is being saved: change it once that is done`);
    }
  }

  private addNormalised(id: number, point: number[]): void {
    this.refuseWhileSaving();
    if (this.live.has(id)) {
      this.graph.addPoint(point, id);
    } else if (this.undelete(id)) {
      // The element is back in the graph; adding it again moves it to the new vector.
      this.graph.addPoint(point, id);
      this.live.add(id);
    } else {
      this.makeRoom();
      // Takes the slot of a deleted element when there is one, so deletions do not pile up.
      this.graph.addPoint(point, id, true);
      this.live.add(id);
    }
    this.changed = true;
  }

  /**
   * Brings back an element marked deleted. Its slot may have gone to another photo since, in
   * which case hnswlib no longer knows the label: then it is not in the graph at all.
   */
  private undelete(id: number): boolean {
    try {
      this.graph.unmarkDelete(id);
      return true;
    } catch {
      return false;
    }
  }

  private makeRoom(): void {
    const elements = this.graph.getCurrentCount();
    const vacant = elements - this.live.size;
    const capacity = this.graph.getMaxElements();
    if (vacant === 0 && elements >= capacity) this.graph.resizeIndex(Math.max(1, capacity * 2));
  }

  private normalise(vector: ArrayLike<number>, what: string): number[] {
    if (vector.length !== this.dimensions) {
      throw new Error(`${what} has ${vector.length} dimensions, the index ${this.dimensions}`);
    }
    return Array.from(unitVector(vector, what));
  }
}

/**
 * The same unit vector up to float16 rounding: an index built before the catalog stored
 * float16 holds each vector at float32 precision, and is not behind the catalog for that.
 */
function samePoint(stored: number[], point: number[]): boolean {
  return (
    stored.length === point.length &&
    stored.every((value, i) => Math.abs(value - point[i]!) <= SAME_POINT_TOLERANCE)
  );
}

function checkLabel(id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_LABEL) {
    throw new Error(`photo id ${id} cannot label a vector (a whole number up to ${MAX_LABEL})`);
  }
  return id;
}

function prepare(options: VectorIndexOptions): { files: VectorIndexFiles; ef: number } {
  if (!Number.isInteger(options.dimensions) || options.dimensions <= 0) {
    throw new Error(`vector index ${options.modelKey}: dimensions must be a positive integer`);
  }
  return {
    files: vectorIndexFilesFor(options.dir, options.modelKey),
    ef: options.ef ?? DEFAULT_EF,
  };
}

function shapeOf(options: VectorIndexOptions) {
  return { modelKey: options.modelKey, dimensions: options.dimensions, links: M };
}

import fs from 'node:fs/promises';
import type {
  ExecutionProviderName,
  PhotoFilter,
  PhotoOrder,
  SearchResults,
  SimilarResults,
} from '../../contract/api.js';
import { checkSearchText } from '../../contract/schemas.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import { PhotoDecodeError } from '../media/errors.js';
import { readPhotoFile } from '../media/photo-file.js';
import { clipTensor } from '../media/preprocess.js';
import type { SearchScope, VectorStore } from '../vector-store.js';
import { hasConditions, photoConditions } from '../catalog/photo-filter.js';
import { whyNoPhotos } from './empty-filter.js';
import type { Neighbour } from '../vector-index/vector-index.js';
import { toPhotoSummary } from './photo-summary.js';
import { UserError } from '../../contract/errors.js';
import { givenPath } from '../util/given-path.js';
import { unitVector } from '../util/vectors.js';

/**
 * Matches are counted up to this many: past it the count says "more than". Counting walks the
 * index outwards until the scores drop below the threshold, so a loose threshold on a large
 * library would otherwise rank the whole library.
 */
export const MATCH_COUNT_CAP = 1000;
/** The first look at the index takes at least this many neighbours (cheap, and usually enough). */
const FIRST_PROBE = 100;
const PROBE_GROWTH = 4;

export interface SearchOptions {
  limit: number;
  /** Threshold step: 0 is the strictest; a step past the last uses the last. */
  step?: number;
  /** Only photos that pass it. */
  filter?: PhotoFilter;
  /** Best first (the default), or by date. */
  order?: PhotoOrder;
}

type QueryKind = 'text' | 'similar';

/** The model's text tower, in this thread (ClipModel) or another (WorkerEmbedder). */
export interface TextEmbedder {
  /** The provider the tower runs on; null before it is opened. */
  readonly provider: ExecutionProviderName | null;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  /** Opens the tower and its tokenizer ahead of the first query. */
  warmUp(towers: { text: true }): Promise<void>;
  close(): Promise<void>;
}

/** Text → photos and photo → similar photos, over one model's vectors. */
export class PhotoSearch {
  constructor(
    private readonly catalog: Catalog,
    private readonly model: ClipModel,
    private readonly texts: TextEmbedder,
    private readonly vectors: VectorStore,
  ) {}

  async byText(query: string, options: SearchOptions): Promise<SearchResults> {
    if (!this.model.supportsText) {
      throw new UserError(`${this.model.manifest.name} cannot search by text; use find similar`);
    }
    const text = checkSearchText(query);
    // The filter is checked before the model runs: a wrong date costs no inference.
    const scope = this.scope(options.filter);
    const [vector] = await this.texts.embedTexts([text]);
    return this.matches(vector!, 'text', options, scope);
  }

  /** Neighbours of a photo in the library; the photo itself is not among them. */
  async similarToPhoto(photoId: number, options: SearchOptions): Promise<SimilarResults> {
    const photo = this.catalog.getPhoto(photoId);
    if (photo === undefined) throw new UserError(`no photo with id ${photoId}`);
    const vector = this.vectors.get(photoId);
    if (vector === undefined) {
      throw new UserError(
        photo.status === 'error'
          ? `${photo.path} could not be read: ${photo.lastError}`
          : `${photo.path} is not embedded yet; try again when indexing has finished`,
      );
    }
    const scope = this.scope(options.filter);
    return {
      query: toPhotoSummary(photo, true),
      ...(await this.matches(vector, 'similar', options, scope, new Set([photoId]))),
    };
  }

  /**
   * Photos like several at once: the neighbours of the mean of their vectors (on the unit
   * sphere, the direction closest to all of them), the photos themselves left out. Photos not
   * embedded yet are passed over; none embedded is an error.
   */
  async similarToPhotos(photoIds: number[], options: SearchOptions): Promise<SearchResults> {
    const vectors = photoIds.flatMap((id) => this.vectors.get(id) ?? []);
    if (vectors.length === 0) {
      throw new UserError(
        'none of these photos is embedded yet; try again when indexing has finished',
      );
    }
    const sum = new Float64Array(vectors[0]!.length);
    for (const vector of vectors) vector.forEach((value, i) => (sum[i]! += value));
    const mean = unitVector(sum, 'the mean of the selected photos');
    return this.matches(mean, 'similar', options, undefined, new Set(photoIds));
  }

  /**
   * Neighbours of any image file, in the library or not; a library photo is left out of its
   * own results, and one already embedded is not embedded again.
   */
  async similarToFile(file: string, options: SearchOptions): Promise<SearchResults> {
    const absolute = givenPath(file);
    const resolved = await fs.realpath(absolute).catch(() => {
      throw new UserError(`${file} does not exist`);
    });
    const self = this.catalog.getPhotoByPath(resolved);
    if (self !== undefined && this.vectors.has(self.id)) {
      return this.similarToPhoto(self.id, options);
    }
    const scope = this.scope(options.filter);
    const vector = await this.embedPicture(await readPhotoFile(absolute), absolute);
    return this.matches(vector, 'similar', options, scope, self ? new Set([self.id]) : undefined);
  }

  /**
   * Neighbours of a picture given as bytes (dropped, pasted or uploaded): its type is read from
   * the bytes alone, and it is embedded in memory, never written anywhere.
   */
  async similarToPicture(picture: Buffer, options: SearchOptions): Promise<SearchResults> {
    const scope = this.scope(options.filter);
    let vector: Float32Array;
    try {
      vector = await this.embedPicture(picture, '');
    } catch (error) {
      if (!(error instanceof PhotoDecodeError)) throw error;
      throw new UserError(
        error.reason === 'not-an-image' || error.reason === 'empty'
          ? 'not a picture Ferret can read: use a JPEG, PNG, WebP, TIFF, GIF, HEIC or AVIF image'
          : `the picture cannot be read: ${error.message}`,
      );
    }
    return this.matches(vector, 'similar', options, scope);
  }

  private async embedPicture(bytes: Buffer, fileName: string): Promise<Float32Array> {
    const tensor = await clipTensor(bytes, this.model.manifest.image, fileName);
    const [vector] = await this.model.embedImages([tensor]);
    return vector!;
  }

  /** The photos a filter keeps (with why there are none), or undefined: the whole library. */
  private scope(filter: PhotoFilter | undefined): FilterScope | undefined {
    if (filter === undefined) return undefined;
    const conditions = photoConditions(filter);
    if (!hasConditions(conditions)) return undefined;
    const scope = this.vectors.scope(conditions);
    return {
      ...scope,
      noPhotosBecause: scope.ids.size === 0 ? whyNoPhotos(this.catalog, conditions) : null,
    };
  }

  /**
   * The photos at or above the threshold for this kind of query, and their count: best first,
   * or by date (the matches counted, up to the cap, ordered by when they were taken).
   */
  private async matches(
    vector: Float32Array,
    kind: QueryKind,
    options: SearchOptions,
    scope: FilterScope | undefined,
    exclude?: ReadonlySet<number>,
  ): Promise<SearchResults> {
    const { relevance } = this.model.manifest;
    const steps = (kind === 'text' ? relevance.text : relevance.similar)!;
    const step = Math.min(options.step ?? 0, steps.length - 1);
    const threshold = steps[step]!;
    const order = options.order ?? 'relevance';
    const { passing, total, totalCapped } = await this.countMatches(
      vector,
      threshold,
      order === 'relevance' ? options.limit : MATCH_COUNT_CAP,
      scope,
      exclude,
    );
    const scores = new Map(passing.map(({ id, score }) => [id, score]));
    const ordered =
      order === 'relevance'
        ? passing.slice(0, options.limit).map(({ id }) => id)
        : this.catalog.byDate([...scores.keys()], order).slice(0, options.limit);
    const hits = ordered.flatMap((id) => {
      const photo = this.catalog.getPhoto(id);
      const score = scores.get(id)!;
      const nearIdentical = kind === 'similar' && score >= relevance.nearIdentical;
      return photo ? [{ photo: toPhotoSummary(photo, true), score, nearIdentical }] : [];
    });
    return {
      hits,
      total,
      totalCapped,
      step,
      threshold,
      canShowMore: step < steps.length - 1,
      noPhotosBecause: scope?.noPhotosBecause ?? null,
    };
  }

  /**
   * Walks the index outwards (asking for more neighbours each time) until a neighbour falls
   * below the threshold, the index runs out, or the count reaches its cap.
   */
  private async countMatches(
    vector: Float32Array,
    threshold: number,
    limit: number,
    scope: SearchScope | undefined,
    exclude?: ReadonlySet<number>,
  ): Promise<{ passing: Neighbour[]; total: number; totalCapped: boolean }> {
    if (threshold <= -1) {
      // Every photo matches (a model whose scores mean nothing, like a random-weight test model).
      const passing = await this.vectors.search(vector, limit, exclude, scope);
      let excluded = 0;
      for (const id of exclude ?? []) {
        if (this.vectors.has(id) && (scope === undefined || scope.ids.has(id))) excluded++;
      }
      const searchable = scope === undefined ? this.vectors.size : this.searchableIn(scope);
      return { passing, total: searchable - excluded, totalCapped: false };
    }
    const cap = Math.max(MATCH_COUNT_CAP, limit);
    let probe = Math.max(limit, FIRST_PROBE);
    for (;;) {
      const found = await this.vectors.search(vector, probe, exclude, scope);
      const firstBelow = found.findIndex((neighbour) => neighbour.score < threshold);
      const passing = firstBelow === -1 ? found : found.slice(0, firstBelow);
      if (firstBelow !== -1 || found.length < probe) {
        return { passing, total: passing.length, totalCapped: false };
      }
      if (probe >= cap) return { passing, total: passing.length, totalCapped: true };
      probe = Math.min(probe * PROBE_GROWTH, cap);
    }
  }

  /** How many of the scope's photos have a vector. */
  private searchableIn(scope: SearchScope): number {
    if (scope.vectors) return scope.vectors.length;
    let count = 0;
    for (const id of scope.ids) if (this.vectors.has(id)) count++;
    return count;
  }
}

type FilterScope = SearchScope & { noPhotosBecause: string | null };

import fs from 'node:fs/promises';
import type { SearchResults, SimilarResults } from '../../contract/api.js';
import { checkSearchText } from '../../contract/schemas.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import { PhotoDecodeError } from '../media/errors.js';
import { readPhotoFile } from '../media/photo-file.js';
import { clipTensor } from '../media/preprocess.js';
import type { VectorStore } from '../vector-store.js';
import type { Neighbour } from '../vector-index/vector-index.js';
import { toPhotoSummary } from './photo-summary.js';
import { UserError } from '../../contract/errors.js';
import { givenPath } from '../util/given-path.js';

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
}

type QueryKind = 'text' | 'similar';

/** Text → photos and photo → similar photos, over one model's vectors. */
export class PhotoSearch {
  constructor(
    private readonly catalog: Catalog,
    private readonly model: ClipModel,
    private readonly vectors: VectorStore,
  ) {}

  async byText(query: string, options: SearchOptions): Promise<SearchResults> {
    if (!this.model.supportsText) {
      throw new UserError(`${this.model.manifest.name} cannot search by text; use find similar`);
    }
    const [vector] = await this.model.embedTexts([checkSearchText(query)]);
    return this.matches(vector!, 'text', options);
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
    return {
      query: toPhotoSummary(photo, true),
      ...(await this.matches(vector, 'similar', options, new Set([photoId]))),
    };
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
    const vector = await this.embedPicture(await readPhotoFile(absolute), absolute);
    return this.matches(vector, 'similar', options, self ? new Set([self.id]) : undefined);
  }

  /**
   * Neighbours of a picture given as bytes (dropped, pasted or uploaded): its type is read from
   * the bytes alone, and it is embedded in memory, never written anywhere.
   */
  async similarToPicture(picture: Buffer, options: SearchOptions): Promise<SearchResults> {
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
    return this.matches(vector, 'similar', options);
  }

  private async embedPicture(bytes: Buffer, fileName: string): Promise<Float32Array> {
    const tensor = await clipTensor(bytes, this.model.manifest.image, fileName);
    const [vector] = await this.model.embedImages([tensor]);
    return vector!;
  }

  /** The photos at or above the threshold for this kind of query, best first, and their count. */
  private async matches(
    vector: Float32Array,
    kind: QueryKind,
    options: SearchOptions,
    exclude?: ReadonlySet<number>,
  ): Promise<SearchResults> {
    const { relevance } = this.model.manifest;
    const steps = (kind === 'text' ? relevance.text : relevance.similar)!;
    const step = Math.min(options.step ?? 0, steps.length - 1);
    const threshold = steps[step]!;
    const { passing, total, totalCapped } = await this.countMatches(
      vector,
      threshold,
      options.limit,
      exclude,
    );
    const hits = passing.slice(0, options.limit).flatMap(({ id, score }) => {
      const photo = this.catalog.getPhoto(id);
      const nearIdentical = kind === 'similar' && score >= relevance.nearIdentical;
      return photo ? [{ photo: toPhotoSummary(photo, true), score, nearIdentical }] : [];
    });
    return { hits, total, totalCapped, step, threshold, canShowMore: step < steps.length - 1 };
  }

  /**
   * Walks the index outwards (asking for more neighbours each time) until a neighbour falls
   * below the threshold, the index runs out, or the count reaches its cap.
   */
  private async countMatches(
    vector: Float32Array,
    threshold: number,
    limit: number,
    exclude?: ReadonlySet<number>,
  ): Promise<{ passing: Neighbour[]; total: number; totalCapped: boolean }> {
    if (threshold <= -1) {
      // Every photo matches (a model whose scores mean nothing, like a random-weight test model).
      const passing = await this.vectors.search(vector, limit, exclude);
      let excluded = 0;
      for (const id of exclude ?? []) if (this.vectors.has(id)) excluded++;
      return { passing, total: this.vectors.size - excluded, totalCapped: false };
    }
    const cap = Math.max(MATCH_COUNT_CAP, limit);
    let probe = Math.max(limit, FIRST_PROBE);
    for (;;) {
      const found = await this.vectors.search(vector, probe, exclude);
      const firstBelow = found.findIndex((neighbour) => neighbour.score < threshold);
      const passing = firstBelow === -1 ? found : found.slice(0, firstBelow);
      if (firstBelow !== -1 || found.length < probe) {
        return { passing, total: passing.length, totalCapped: false };
      }
      if (probe >= cap) return { passing, total: passing.length, totalCapped: true };
      probe = Math.min(probe * PROBE_GROWTH, cap);
    }
  }
}

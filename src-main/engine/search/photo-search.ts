import fs from 'node:fs/promises';
import type { PhotoSummary, SearchHit } from '../../contract/api.js';
import { checkSearchText } from '../../contract/schemas.js';
import type { Catalog } from '../catalog/catalog.js';
import type { ClipModel } from '../embedder/clip-model.js';
import { readPhotoFile } from '../media/photo-file.js';
import { clipTensor } from '../media/preprocess.js';
import type { VectorStore } from '../vector-store.js';
import { toPhotoSummary } from './photo-summary.js';
import { UserError } from '../../contract/errors.js';
import { givenPath } from '../util/given-path.js';

/** Text → photos and photo → similar photos, over one model's vectors. */
export class PhotoSearch {
  constructor(
    private readonly catalog: Catalog,
    private readonly model: ClipModel,
    private readonly vectors: VectorStore,
  ) {}

  async byText(query: string, limit: number): Promise<SearchHit[]> {
    if (!this.model.supportsText) {
      throw new UserError(`${this.model.manifest.name} cannot search by text; use find similar`);
    }
    const [vector] = await this.model.embedTexts([checkSearchText(query)]);
    return this.hits(vector!, limit);
  }

  /** Neighbours of a photo in the library; the photo itself is not among them. */
  async similarToPhoto(
    photoId: number,
    limit: number,
  ): Promise<{ query: PhotoSummary; hits: SearchHit[] }> {
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
      hits: await this.hits(vector, limit, new Set([photoId])),
    };
  }

  /**
   * Neighbours of any image file, in the library or not; a library photo is left out of its
   * own results, and one already embedded is not embedded again.
   */
  async similarToFile(file: string, limit: number): Promise<SearchHit[]> {
    const absolute = givenPath(file);
    const resolved = await fs.realpath(absolute).catch(() => {
      throw new UserError(`${file} does not exist`);
    });
    const self = this.catalog.getPhotoByPath(resolved);
    if (self !== undefined && this.vectors.has(self.id)) {
      return (await this.similarToPhoto(self.id, limit)).hits;
    }
    const bytes = await readPhotoFile(absolute);
    const tensor = await clipTensor(bytes, this.model.manifest.image, absolute);
    const [vector] = await this.model.embedImages([tensor]);
    return this.hits(vector!, limit, self ? new Set([self.id]) : undefined);
  }

  private async hits(
    vector: Float32Array,
    limit: number,
    exclude?: ReadonlySet<number>,
  ): Promise<SearchHit[]> {
    return (await this.vectors.search(vector, limit, exclude)).flatMap(({ id, score }) => {
      const photo = this.catalog.getPhoto(id);
      return photo ? [{ photo: toPhotoSummary(photo, true), score }] : [];
    });
  }
}

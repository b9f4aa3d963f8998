import { SvelteMap } from 'svelte/reactivity';
import type {
  BrowseOrder,
  FerretApi,
  PhotoFilter,
  PhotoSummary,
  SearchHit,
} from '../../src-main/contract/api.js';
import { errorMessage } from './format.js';

export interface GridItem {
  photo: PhotoSummary;
  /** Similarity to the query; null in the plain library view. */
  score: number | null;
}

/** What the grid shows: a count, and items fetched when they come into view. */
export interface PhotoSource {
  readonly total: number;
  item(index: number): GridItem | undefined;
  /** The grid shows [first, end) now: load it if needed. */
  request(first: number, end: number): void;
}

export class ResultSource implements PhotoSource {
  readonly #hits: SearchHit[];

  constructor(hits: SearchHit[]) {
    this.#hits = hits;
  }

  get total(): number {
    return this.#hits.length;
  }

  item(index: number): GridItem | undefined {
    const hit = this.#hits[index];
    return hit && { photo: hit.photo, score: hit.score };
  }

  request(): void {}
}

interface Page {
  items: PhotoSummary[];
  generation: number;
}

/**
 * The whole library, one page of `listPhotos` at a time and only where the user looks, so a
 * library of 100,000 photos costs a few pages. After a change the pages in view are fetched
 * again while the old ones stay on screen.
 */
export class LibrarySource implements PhotoSource {
  total = $state(0);
  loaded = $state(false);
  error = $state<string | null>(null);
  /** Why the filter leaves no photo, in the engine's words; null when it leaves some. */
  noPhotosBecause = $state<string | null>(null);

  readonly #api: FerretApi;
  #filter: PhotoFilter | undefined;
  #order: BrowseOrder = 'newest';
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #pages = new SvelteMap<number, Page>();
  /** Pages being fetched, as "generation:page" (bookkeeping only: nothing renders from it). */
  readonly #inFlight: Record<string, true> = {};
  #generation = 0;
  #range = { first: 0, end: 0 };

  constructor(api: FerretApi, pageSize = 200, maxPages = 60) {
    this.#api = api;
    this.#pageSize = pageSize;
    this.#maxPages = maxPages;
  }

  item(index: number): GridItem | undefined {
    const photo = this.#pages.get(Math.floor(index / this.#pageSize))?.items[
      index % this.#pageSize
    ];
    return photo && { photo, score: null };
  }

  request(first: number, end: number): void {
    this.#range = { first, end: Math.max(end, first + 1) };
    const firstPage = Math.floor(first / this.#pageSize);
    const lastPage = Math.floor((this.#range.end - 1) / this.#pageSize);
    for (let page = firstPage; page <= lastPage; page++) {
      if (this.#pages.get(page)?.generation !== this.#generation) void this.#load(page);
    }
  }

  refresh(): void {
    this.#generation++;
    this.request(this.#range.first, this.#range.end);
  }

  /** Another filter or order: another list, from its start. */
  show(filter: PhotoFilter | undefined, order: BrowseOrder): void {
    this.#filter = filter;
    this.#order = order;
    this.#pages.clear();
    this.loaded = false;
    this.#range = { first: 0, end: this.#range.end - this.#range.first };
    this.refresh();
  }

  async #load(page: number): Promise<void> {
    const generation = this.#generation;
    const key = `${generation}:${page}`;
    if (this.#inFlight[key]) return;
    this.#inFlight[key] = true;
    try {
      const result = await this.#api.call('listPhotos', {
        offset: page * this.#pageSize,
        limit: this.#pageSize,
        ...(this.#filter && { filter: this.#filter }),
        order: this.#order,
      });
      if (generation < (this.#pages.get(page)?.generation ?? -1)) return;
      this.total = result.total;
      this.noPhotosBecause = result.noPhotosBecause;
      this.#pages.set(page, { items: result.items, generation });
      this.loaded = true;
      this.error = null;
      this.#evictFarPages();
    } catch (error) {
      this.error = errorMessage(error);
    } finally {
      delete this.#inFlight[key];
    }
  }

  #evictFarPages(): void {
    if (this.#pages.size <= this.#maxPages) return;
    const center = Math.floor(this.#range.first / this.#pageSize);
    const byDistance = [...this.#pages.keys()].sort(
      (a, b) => Math.abs(b - center) - Math.abs(a - center),
    );
    for (const page of byDistance.slice(0, this.#pages.size - this.#maxPages)) {
      this.#pages.delete(page);
    }
  }
}

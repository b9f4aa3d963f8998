import { SvelteMap } from 'svelte/reactivity';
import type {
  BrowseOrder,
  DayCount,
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
  /** The photos at [first, end), fetched where they are not loaded (a selection of many). */
  photos(first: number, end: number): Promise<PhotoSummary[]>;
  /** Photos per day in the source's order, for the timeline; null for a plain grid. */
  readonly days: DayCount[] | null;
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

  async photos(first: number, end: number): Promise<PhotoSummary[]> {
    return this.#hits.slice(first, end).map((hit) => hit.photo);
  }

  readonly days = null;
}

/** The most photos one listPhotos call returns. */
const MAX_PAGE = 1000;

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
  days = $state.raw<DayCount[] | null>(null);

  readonly #api: FerretApi;
  #filter: PhotoFilter | undefined;
  #order: BrowseOrder = 'newest';
  readonly #pageSize: number;
  readonly #maxPages: number;
  readonly #pages = new SvelteMap<number, Page>();
  /** Pages being fetched, as "generation:page" (bookkeeping only: nothing renders from it). */
  readonly #inFlight: Record<string, true> = {};
  #generation = 0;
  #daysAsked = false;
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
    if (!this.#daysAsked) void this.#loadDays();
    this.#range = { first, end: Math.max(end, first + 1) };
    const firstPage = Math.floor(first / this.#pageSize);
    const lastPage = Math.floor((this.#range.end - 1) / this.#pageSize);
    for (let page = firstPage; page <= lastPage; page++) {
      if (this.#pages.get(page)?.generation !== this.#generation) void this.#load(page);
    }
  }

  async photos(first: number, end: number): Promise<PhotoSummary[]> {
    const photos: PhotoSummary[] = [];
    for (let offset = first; offset < end; offset += MAX_PAGE) {
      const limit = Math.min(MAX_PAGE, end - offset);
      const page = await this.#api.call('listPhotos', {
        offset,
        limit,
        ...(this.#filter && { filter: this.#filter }),
        order: this.#order,
      });
      photos.push(...page.items);
      if (page.items.length < limit) break;
    }
    return photos;
  }

  refresh(): void {
    this.#generation++;
    void this.#loadDays();
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

  /**
   * The day counts come with every refresh: a few thousand rows at most, kept by the catalog.
   * They count the whole library newest first, so a filtered or oldest-first list is a plain grid.
   */
  async #loadDays(): Promise<void> {
    this.#daysAsked = true;
    const generation = this.#generation;
    if (this.#filter || this.#order !== 'newest') {
      this.days = null;
      return;
    }
    try {
      const days = await this.#api.call('listDays', {});
      if (generation === this.#generation) this.days = days;
    } catch (error) {
      this.error = errorMessage(error);
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

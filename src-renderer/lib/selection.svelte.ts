import { SvelteMap } from 'svelte/reactivity';
import type { PhotoSummary } from '../../src-main/contract/api.js';
import type { PhotoSource } from './photo-source.svelte.js';

/**
 * The photos picked to act on together, by id (positions shift when the library changes), with
 * their summaries so that copying paths or trashing needs no further look-up.
 */
export class Selection {
  readonly #photos = new SvelteMap<number, PhotoSummary>();
  /** Bumped by each change, so that a range still loading does not land over a later one. */
  #serial = 0;

  get size(): number {
    return this.#photos.size;
  }

  get photos(): PhotoSummary[] {
    return [...this.#photos.values()];
  }

  has(photoId: number): boolean {
    return this.#photos.has(photoId);
  }

  clear(): void {
    this.#serial++;
    this.#photos.clear();
  }

  toggle(photo: PhotoSummary): void {
    if (this.#photos.has(photo.id)) this.#photos.delete(photo.id);
    else this.#photos.set(photo.id, photo);
  }

  add(photos: PhotoSummary[]): void {
    for (const photo of photos) this.#photos.set(photo.id, photo);
  }

  /** Picks the photos at positions [from, to] of `source` (either order), loading what it must. */
  async addRange(source: PhotoSource, from: number, to: number): Promise<void> {
    this.add(await source.photos(Math.min(from, to), Math.max(from, to) + 1));
  }

  /**
   * Makes the selection exactly the photos at positions [from, to] (Shift+arrows, which grow
   * and shrink it from where they started); of several calls in flight the last one wins.
   */
  async setRange(source: PhotoSource, from: number, to: number): Promise<void> {
    const serial = ++this.#serial;
    const photos = await source.photos(Math.min(from, to), Math.max(from, to) + 1);
    if (serial !== this.#serial) return;
    this.#photos.clear();
    this.add(photos);
  }
}

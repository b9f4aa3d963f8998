import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { isImagePath } from '../../src-main/engine/media/image-files.js';
import { corpusDir } from './corpus.js';

let cheapestFirst: Promise<string[]> | undefined;

/**
 * The corpus's photo names, fewest pixels first (then by name). The corpus runs from 100×130
 * PNGs to sixteen 4096×4096 WebP and 5640×3172 JPEG wallpapers that take seconds each to
 * decode in full, so a test that needs a few real photos gets the ones cheapest to index.
 * Only the headers are read.
 */
function corpusByPixels(): Promise<string[]> {
  cheapestFirst ??= (async () => {
    const corpus = await corpusDir();
    const names = (await readdir(corpus)).filter((name) => isImagePath(name)).sort();
    const pixels = new Map<string, number>();
    for (const name of names) {
      const { width = 0, height = 0 } = await sharp(path.join(corpus, name)).metadata();
      pixels.set(name, width * height);
    }
    return names.sort((a, b) => pixels.get(a)! - pixels.get(b)! || a.localeCompare(b));
  })();
  return cheapestFirst;
}

/**
 * A new folder holding `count` real photos of the corpus, the cheapest to decode first (all of
 * them for Infinity), for tests that need a few real photos in a library without indexing
 * all of them.
 */
export async function copyCorpusPhotos(target: string, count: number): Promise<string[]> {
  return copyNamedCorpusPhotos(target, (await corpusByPixels()).slice(0, count));
}

/** The corpus photos named, copied into `target` (made if missing); returns their new paths. */
export async function copyNamedCorpusPhotos(
  target: string,
  names: readonly string[],
): Promise<string[]> {
  const corpus = await corpusDir();
  await mkdir(target, { recursive: true });
  for (const name of names) await copyFile(path.join(corpus, name), path.join(target, name));
  return names.map((name) => path.join(target, name));
}

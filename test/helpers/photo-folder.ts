import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isImagePath } from '../../src-main/engine/media/image-files.js';
import { corpusDir } from './corpus.js';

/**
 * A new folder holding the first `count` photos of the corpus (by name), for tests that need a
 * few real photos in a library without indexing all of them.
 */
export async function copyCorpusPhotos(target: string, count: number): Promise<string[]> {
  const corpus = await corpusDir();
  const names = (await readdir(corpus)).filter((name) => isImagePath(name)).sort();
  await mkdir(target, { recursive: true });
  const chosen = names.slice(0, count);
  for (const name of chosen) await copyFile(path.join(corpus, name), path.join(target, name));
  return chosen.map((name) => path.join(target, name));
}

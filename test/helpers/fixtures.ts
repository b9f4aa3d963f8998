import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generatorFingerprint, makeTestModel } from '../models/make-test-model.js';
import { copyCorpusPhotos } from './photo-folder.js';

/** A fresh temporary folder; the test removes it. */
/**
 * Where caches that outlive a test run go (the corpus, generated models): the machine's
 * temporary folder, not the per-process one that private-tmp.ts removes at exit.
 */
export function testCacheDir(): string {
  return process.env.FERRET_TEST_CACHE ?? os.tmpdir();
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `ferret-${prefix}-`));
}

let tinyModel: Promise<string> | undefined;

/**
 * The tiny random-weight CLIP model, generated once per machine (cached by its generator). The
 * folder is named after the generator's fingerprint, so checkouts with different generators
 * on one machine never regenerate each other's model while a test reads it.
 */
export function tinyModelDir(): Promise<string> {
  tinyModel ??= makeTestModel({
    size: 'tiny',
    outDir: path.join(testCacheDir(), 'ferret-test-models', `tiny-${generatorFingerprint()}`),
  }).then((manifestFile) => path.dirname(manifestFile));
  return tinyModel;
}

export interface PhotoFolder {
  dir: string;
  /** Real photos copied from the corpus. */
  photos: string[];
  /** Files with image extensions that are not usable images. */
  broken: { path: string; reason: string }[];
}

/**
 * A folder of the real corpus photos (optionally only the first `count`) plus bad files that
 * must be recorded with an error and never stop a run.
 */
export async function photoFolder(
  options: { count?: number; broken?: boolean } = {},
): Promise<PhotoFolder> {
  const dir = await tempDir('photos');
  const photos = await copyCorpusPhotos(dir, options.count ?? Infinity);
  const broken: PhotoFolder['broken'] = [];
  if (options.broken ?? true) {
    const jpegBytes = await fs.readFile(photos.find((photo) => photo.endsWith('.jpg'))!);
    const bad: [string, Buffer | string, string][] = [
      ['zero-bytes.jpg', Buffer.alloc(0), 'empty file'],
      [
        'random-bytes.jpg',
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
        'not an image',
      ],
      ['notes.png', 'these are notes, not a picture\n', 'not an image'],
      [
        'truncated.jpg',
        jpegBytes.subarray(0, Math.floor(jpegBytes.length / 2)),
        'corrupt or truncated',
      ],
    ];
    for (const [name, content, reason] of bad) {
      const target = path.join(dir, 'bad', name);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
      broken.push({ path: target, reason });
    }
  }
  return { dir, photos, broken };
}

import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  MODEL_MANIFEST_FILE,
  readModelManifest,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import { int8Name, makeTestModel, type TestModelSize } from '../models/make-test-model.js';

/** Generating the ViT-B/32-size model takes a while, so it is kept between runs. */
export const BENCH_CACHE_DIR = path.join(os.homedir(), '.cache', 'ferret-bench');

export interface BenchModels {
  /** The generated model as the engine loads it (fp32 towers). */
  fp32Dir: string;
  /** The same weights through the int8 towers, as a model folder of its own. */
  int8Dir: string;
}

/**
 * The random-weight test model of the given size with its int8 variants. The engine has no
 * switch for quantised towers yet, so the int8 model is a second folder whose manifest names
 * the int8 files (linked, not copied) as its towers: a model folder the engine opens as is.
 */
export async function benchModels(size: TestModelSize): Promise<BenchModels> {
  const fp32Dir = path.join(BENCH_CACHE_DIR, size);
  const manifest = readModelManifest(
    await makeTestModel({ size, outDir: fp32Dir, quantize: 'int8' }),
  );
  const int8Dir = path.join(BENCH_CACHE_DIR, `${size}-int8-towers`);
  await writeInt8View(fp32Dir, manifest, int8Dir);
  return { fp32Dir, int8Dir };
}

async function writeInt8View(
  sourceDir: string,
  source: ModelManifest,
  viewDir: string,
): Promise<void> {
  const { text } = source;
  if (text === undefined) throw new Error(`${source.id} has no text tower`);
  const image = { ...source.image, file: int8Name(source.image.file) };
  const int8Text = { ...text, file: int8Name(text.file) };
  const wanted = new Set([image.file, int8Text.file, text.tokenizer]);
  const files = source.files.filter((file) => wanted.has(file.path));
  if (files.length !== wanted.size) {
    throw new Error(`${sourceDir} lacks the int8 towers (${[...wanted].join(', ')})`);
  }
  const manifest: ModelManifest = {
    ...source,
    id: `${source.id}-int8`,
    name: `${source.name}, int8 towers`,
    files,
    image,
    text: int8Text,
  };
  await rm(viewDir, { recursive: true, force: true });
  await mkdir(viewDir, { recursive: true });
  for (const file of files) {
    await symlink(path.join(sourceDir, file.path), path.join(viewDir, file.path));
  }
  await writeFile(
    path.join(viewDir, MODEL_MANIFEST_FILE),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
}

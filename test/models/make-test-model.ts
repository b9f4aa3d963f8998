import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BUNDLED_MODELS_DIR,
  DEFAULT_MODEL_ID,
  MODEL_MANIFEST_FILE,
  readModelManifest,
  type ModelFile,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import {
  buildTextTower,
  buildVisionTower,
  CLIP_SHAPES,
  type ClipInterface,
  type ClipSize,
} from './clip-architecture.js';
import { writeOnnxModel, type WrittenFile } from './onnx-file.js';
import type { GraphBuilder } from './onnx-graph.js';

/**
 * Generates a CLIP ViT-B/32-shaped model with random weights, and its manifest, for tests and
 * benchmarks: the real weights cannot be downloaded where the tests run.
 */

export type TestModelSize = ClipSize;
export const TEST_MODEL_SIZES = Object.keys(CLIP_SHAPES) as TestModelSize[];
export type TestModelQuantization = 'int8';

export interface TestModelOptions {
  size: TestModelSize;
  outDir: string;
  /** Also writes vision_model.int8.onnx and text_model.int8.onnx, listed in the manifest's files. */
  quantize?: TestModelQuantization;
}

/** LayerNormalization arrived in opset 17. */
const OPSET = 17;
const TOKENIZER_SOURCE = path.resolve(import.meta.dirname, '../../../shared/clip/tokenizer.json');
/** The shipped manifest whose names, sizes and preprocessing the test model copies. */
const BASE_MANIFEST = path.join(BUNDLED_MODELS_DIR, `${DEFAULT_MODEL_ID}.json`);

/**
 * Writes the model into `outDir` and returns the path of its manifest. A folder that already
 * holds this generator's output for the same options is reused as it is.
 */
export async function makeTestModel(options: TestModelOptions): Promise<string> {
  const { size, outDir, quantize } = options;
  if (!Object.hasOwn(CLIP_SHAPES, size)) {
    throw new Error(`unknown test model size "${size}" (one of: ${TEST_MODEL_SIZES.join(', ')})`);
  }
  const manifestFile = path.join(outDir, MODEL_MANIFEST_FILE);
  const revision = `ferret-test-model@${generatorFingerprint()}/${size}${quantize ? `+${quantize}` : ''}`;
  if (await isComplete(manifestFile, revision)) return manifestFile;

  await mkdir(outDir, { recursive: true });
  // The manifest marks a finished folder, so it goes first and comes back last.
  await rm(manifestFile, { force: true });
  const base = readModelManifest(BASE_MANIFEST);
  const { image, text } = base;
  if (text === undefined) throw new Error(`${base.id}: a CLIP manifest needs a text tower`);
  const io: ClipInterface = {
    embedDim: base.dimensions,
    image: { input: image.input, output: image.output, size: image.size },
    text: { ...text },
  };
  const shape = CLIP_SHAPES[size];

  const files: ModelFile[] = [];
  const writeTower = async (file: string, graph: GraphBuilder) => {
    files.push(describe(file, await writeOnnxModel(path.join(outDir, file), graph, OPSET)));
  };
  await writeTower(image.file, buildVisionTower(shape, io, 'fp32'));
  await writeTower(text.file, buildTextTower(shape, io, 'fp32'));
  const tokenizer = await copyTokenizer(path.join(outDir, text.tokenizer));
  files.push(describe(text.tokenizer, tokenizer));
  if (quantize === 'int8') {
    await writeTower(int8Name(image.file), buildVisionTower(shape, io, 'int8'));
    await writeTower(int8Name(text.file), buildTextTower(shape, io, 'int8'));
  }

  const manifest: ModelManifest = {
    id: `${base.id}-test-${size}`,
    name: `${base.name} architecture with random weights (test model, ${size})`,
    revision,
    dimensions: base.dimensions,
    files,
    image,
    text,
    relevance: RANDOM_WEIGHT_RELEVANCE,
  };
  await writeCompletely(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifestFile;
}

/**
 * Random weights put every photo at about the same score, so no threshold separates matches:
 * every photo passes (-1), and only an identical vector is near-identical. Tests that need real
 * thresholds use the pretrained MobileNetV2 encoder (test/models/mobilenet-v2.json).
 */
export const RANDOM_WEIGHT_RELEVANCE = { text: [-1], similar: [-1], nearIdentical: 1 };

/** vision_model.onnx → vision_model.int8.onnx */
export function int8Name(file: string): string {
  return file.replace(/\.onnx$/, '.int8.onnx');
}

function describe(file: string, written: WrittenFile): ModelFile {
  return { path: file, sha256: written.sha256, bytes: written.bytes };
}

/** Copied by content: the shared original is read-only, and its mode would come along. */
async function copyTokenizer(target: string): Promise<WrittenFile> {
  const content = await readFile(TOKENIZER_SOURCE);
  await writeCompletely(target, content);
  return { bytes: content.byteLength, sha256: createHash('sha256').update(content).digest('hex') };
}

/** Other processes see the old file or the new one, never half of one. */
async function writeCompletely(file: string, content: string | Uint8Array): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  await writeFile(partial, content);
  await rename(partial, file);
}

async function isComplete(manifestFile: string, revision: string): Promise<boolean> {
  let manifest: ModelManifest;
  try {
    manifest = readModelManifest(manifestFile);
  } catch {
    return false; // missing or unreadable: generate afresh
  }
  if (manifest.revision !== revision) return false;
  const dir = path.dirname(manifestFile);
  for (const file of manifest.files) {
    const size = await stat(path.join(dir, file.path)).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (size !== file.bytes) return false;
  }
  return true;
}

/**
 * A hash of this generator's own sources and of the manifest it copies, recorded as the
 * revision: any change to the architecture, the weights or the tensor names invalidates cached
 * models without anyone bumping a version.
 */
export function generatorFingerprint(): string {
  const hash = createHash('sha256');
  const sources = readdirSync(import.meta.dirname)
    .filter((file) => /\.[cm]?[jt]s$/.test(file))
    .sort()
    .map((file) => path.join(import.meta.dirname, file));
  for (const file of [...sources, BASE_MANIFEST]) {
    hash.update(path.basename(file)).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      out: { type: 'string' },
      quantize: { type: 'string' },
    },
    strict: true,
  });
  const usage = `usage: make-test-model --size <${TEST_MODEL_SIZES.join('|')}> --out DIR [--quantize int8]`;
  const { size, out, quantize } = values;
  if (size === undefined || out === undefined) throw new Error(usage);
  if (!TEST_MODEL_SIZES.includes(size as TestModelSize)) {
    throw new Error(`unknown --size "${size}"; ${usage}`);
  }
  if (quantize !== undefined && quantize !== 'int8') {
    throw new Error(`unknown --quantize "${quantize}"; ${usage}`);
  }
  const started = performance.now();
  const manifestFile = await makeTestModel({
    size: size as TestModelSize,
    outDir: path.resolve(out),
    quantize,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const manifest = readModelManifest(manifestFile);
  for (const file of manifest.files) {
    console.log(`${file.path.padEnd(24)} ${String(file.bytes).padStart(12)} bytes  ${file.sha256}`);
  }
  console.log(`${manifestFile} (${seconds} s)`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

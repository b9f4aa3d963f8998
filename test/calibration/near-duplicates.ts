import fs, { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { ClipModel } from '../../src-main/engine/embedder/clip-model.js';
import { MODEL_MANIFEST_FILE, readModelManifest } from '../../src-main/engine/embedder/manifest.js';
import { similarity } from '../../src-main/engine/util/vectors.js';
import { isImagePath } from '../../src-main/engine/media/image-files.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { corpusDir } from '../helpers/corpus.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';
import { percentile } from '../bench/stats.js';

/**
 * How the Find-similar thresholds are calibrated (README, "Relevance thresholds"): every corpus
 * photo is embedded together with copies a user ends up with — resized, re-encoded, cropped —
 * and the cosine of each copy to its original is set against the cosines between different
 * photos. A threshold should keep every copy and leave out most different photos.
 */

export type CopyKind = 'resized' | 're-encoded' | 'cropped';

/**
 * The copies of a photo a library typically gains: what must count as the same picture. They
 * are made from the pixels the model sees (oriented, alpha dropped as the tensor drops it), so
 * a transparent PNG's copy is not a different picture flattened onto black.
 */
export async function nearDuplicateCopies(bytes: Buffer): Promise<Record<CopyKind, Buffer>> {
  const image = sharp(bytes).rotate().removeAlpha();
  const { width, height } = await image
    .clone()
    .toBuffer({ resolveWithObject: true })
    .then((r) => r.info);
  return {
    // A copy sent by a messenger: half size, JPEG.
    resized: await image
      .clone()
      .resize(Math.round(width / 2))
      .jpeg({ quality: 85 })
      .toBuffer(),
    // Saved again at low quality.
    're-encoded': await image.clone().jpeg({ quality: 40 }).toBuffer(),
    // Trimmed by a tenth on every side.
    cropped: await image
      .clone()
      .extract({
        left: Math.round(width * 0.1),
        top: Math.round(height * 0.1),
        width: Math.round(width * 0.8),
        height: Math.round(height * 0.8),
      })
      .toBuffer(),
  };
}

export interface Calibration {
  photos: string[];
  /** Cosine of each copy to its own original, per kind of copy. */
  copies: Record<CopyKind, number[]>;
  /** Cosine of every pair of different corpus photos. */
  differentPairs: number[];
}

export async function calibrate(model: ClipModel, limit = Infinity): Promise<Calibration> {
  const corpus = await corpusDir();
  const names = (await readdir(corpus))
    .filter((name) => isImagePath(name))
    .sort()
    .slice(0, limit);
  const embed = async (bytes: Buffer) => {
    const [vector] = await model.embedImages([await clipTensor(bytes, model.manifest.image)]);
    return vector!;
  };
  const originals: Float32Array[] = [];
  const copies: Calibration['copies'] = { resized: [], 're-encoded': [], cropped: [] };
  for (const name of names) {
    const bytes = await readFile(path.join(corpus, name));
    const original = await embed(bytes);
    originals.push(original);
    for (const [kind, copy] of Object.entries(await nearDuplicateCopies(bytes))) {
      copies[kind as CopyKind].push(similarity(original, await embed(copy)));
    }
  }
  const differentPairs: number[] = [];
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      differentPairs.push(similarity(originals[i]!, originals[j]!));
    }
  }
  return { photos: names, copies, differentPairs };
}

/** Share of `scores` at or above `threshold`. */
export function shareAtLeast(scores: readonly number[], threshold: number): number {
  return scores.filter((score) => score >= threshold).length / scores.length;
}

function describe(label: string, scores: readonly number[]): string {
  const sorted = [...scores].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p).toFixed(3);
  return `${label.padEnd(16)} n=${String(sorted.length).padStart(5)} min ${sorted[0]!.toFixed(3)}  p5 ${at(5)}  p50 ${at(50)}  p95 ${at(95)}  p99 ${at(99)}  max ${sorted.at(-1)!.toFixed(3)}`;
}

/** `tsx test/calibration/near-duplicates.ts [model-dir]`: prints the distributions. */
async function main() {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ferret-calibrate-'));
  const dir = process.argv[2] ?? (await mobilenetModelDir());
  const manifest = readModelManifest(path.join(dir, MODEL_MANIFEST_FILE));
  const model = new ClipModel(dir, manifest, { providers: ['cpu'], logger: silentLogger });
  const result = await calibrate(model);
  await model.close();
  await fs.rm(scratch, { recursive: true, force: true });
  console.log(`${manifest.name}: ${result.photos.length} corpus photos`);
  for (const [kind, scores] of Object.entries(result.copies)) {
    console.log(describe(kind, scores));
    const worst = scores
      .map((score, i) => [score, result.photos[i]] as const)
      .sort((a, b) => a[0] - b[0]);
    console.log(
      '   lowest:',
      worst
        .slice(0, 6)
        .map(([s, n]) => `${n} ${s.toFixed(3)}`)
        .join(', '),
    );
  }
  console.log(describe('different photos', result.differentPairs));
  for (const threshold of [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
    const copies = Object.values(result.copies).flat();
    console.log(
      `threshold ${threshold.toFixed(2)}: copies kept ${(100 * shareAtLeast(copies, threshold)).toFixed(1)}%, different photos let in ${(100 * shareAtLeast(result.differentPairs, threshold)).toFixed(2)}%`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

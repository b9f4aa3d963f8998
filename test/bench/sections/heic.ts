import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzePhoto } from '../../../src-main/engine/media/analyze.js';
import { heifDecoder } from '../../../src-main/engine/media/heif-decoder.js';
import type { ClipImageSpec } from '../../../src-main/engine/media/preprocess.js';
import { FORMATS_DIR, corpusDir } from '../../helpers/corpus.js';
import { summarize, timed, type LatencySummary } from '../stats.js';
import { modelAlone } from './stages.js';

/**
 * HEIC against JPEG on the same photos: the shared HEIC files libheif's encoder made from
 * corpus photos (see shared/formats/README.md), each timed through what indexing does before
 * the model (decode, CLIP tensor, thumbnail) next to the JPEG it was made from, one photo at
 * a time so each figure is one photo's cost.
 */

/** Corpus photos with a HEIC made from them; the last is the largest, the case. */
const PAIRS = ['opencv-leuvenA', 'opencv-ela_original', 'mate-Storm', 'mate-Elephants_5640x3172'];

export interface HeicPair {
  name: string;
  megapixels: number;
  jpegMs: LatencySummary;
  heicMs: LatencySummary;
  /** HEIC p50 over JPEG p50. */
  ratio: number;
}

export interface HeicReport {
  rounds: number;
  pairs: HeicPair[];
  /** The image tower's time per photo (fp32, default batch and threads), for the shares. */
  modelMsPerPhoto: number;
}

export async function runHeicSection(options: {
  spec: ClipImageSpec;
  rounds: number;
  modelDir: string;
  batchSize: number;
  intraOpThreads: number;
}): Promise<HeicReport> {
  const { spec, rounds } = options;
  const corpus = await corpusDir();
  const pairs: HeicPair[] = [];
  const tensors: Float32Array[] = [];
  try {
    for (const name of PAIRS) {
      const jpeg = await readFile(path.join(corpus, `${name}.jpg`));
      const heic = await readFile(path.join(FORMATS_DIR, 'heic', `${name}.heic`));
      const heicName = `${name}.heic`;
      // Untimed first: the decoder thread starts and compiles libheif once per process.
      const first = await analyzePhoto(heic, spec, heicName);
      await analyzePhoto(jpeg, spec);
      tensors.push(first.tensor);
      const jpegMs: number[] = [];
      const heicMs: number[] = [];
      for (let round = 0; round < rounds; round++) {
        jpegMs.push((await timed(() => analyzePhoto(jpeg, spec))).ms);
        heicMs.push((await timed(() => analyzePhoto(heic, spec, heicName))).ms);
      }
      const [jpegSummary, heicSummary] = [summarize(jpegMs), summarize(heicMs)];
      pairs.push({
        name,
        megapixels: (first.metadata.width * first.metadata.height) / 1e6,
        jpegMs: jpegSummary,
        heicMs: heicSummary,
        ratio: heicSummary.p50 / jpegSummary.p50,
      });
    }
  } finally {
    await heifDecoder().close();
  }
  const model = await modelAlone(options.modelDir, tensors, {
    batchSize: options.batchSize,
    intraOpThreads: options.intraOpThreads,
    photos: 2 * options.batchSize,
  });
  return {
    rounds,
    pairs,
    modelMsPerPhoto: 1000 / model.figures.throughput.photosPerSecond,
  };
}

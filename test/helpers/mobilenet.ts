import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_MANIFEST_FILE } from '../../src-main/engine/embedder/manifest.js';
import { tempDir } from './fixtures.js';

const ENCODER = path.resolve(
  import.meta.dirname,
  '../../../shared/models/mobilenet-v2/mobilenetv2-12-int8-embedding.onnx',
);

/** Its manifest, with the thresholds calibrated on the corpus (README, "Relevance thresholds"). */
export const MOBILENET_MANIFEST = path.resolve(import.meta.dirname, '../models/mobilenet-v2.json');

/**
 * A model folder holding the real pretrained image encoder from shared/models (image only: it
 * serves find-similar), for tests whose outcome depends on the ranking being right: `dir`, or
 * a new temporary folder. The caller removes the folder.
 */
export async function mobilenetModelDir(dir?: string): Promise<string> {
  if (dir) await fs.mkdir(dir, { recursive: true });
  else dir = await tempDir('mobilenet');
  const file = path.basename(ENCODER);
  await fs.symlink(ENCODER, path.join(dir, file));
  await fs.copyFile(MOBILENET_MANIFEST, path.join(dir, MODEL_MANIFEST_FILE));
  return dir;
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { MODEL_MANIFEST_FILE } from '../../src-main/engine/embedder/manifest.js';
import type { ModelManifest } from '../../src-main/engine/embedder/manifest.js';
import { tempDir } from './fixtures.js';

const ENCODER = path.resolve(
  import.meta.dirname,
  '../../../shared/models/mobilenet-v2/mobilenetv2-12-int8-embedding.onnx',
);

/**
 * A model folder holding the real pretrained image encoder from shared/models (image only: it
 * serves find-similar), for tests whose outcome depends on the ranking being right. The
 * caller removes the folder.
 */
export async function mobilenetModelDir(): Promise<string> {
  const dir = await tempDir('mobilenet');
  const file = path.basename(ENCODER);
  await fs.symlink(ENCODER, path.join(dir, file));
  const manifest: ModelManifest = {
    id: 'mobilenet-v2-test',
    name: 'MobileNetV2 (ImageNet, int8) image encoder',
    dimensions: 1280,
    files: [
      { path: file, sha256: '7db6f2420865b9ec0e47068dcee74fed4b78a44691f769849c7f9b3a75713436' },
    ],
    image: {
      file,
      input: 'input',
      output: 'embedding',
      size: 224,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
  };
  await fs.writeFile(path.join(dir, MODEL_MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

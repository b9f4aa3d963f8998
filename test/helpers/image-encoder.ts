import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MODEL_MANIFEST_FILE,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';

/**
 * The real pretrained image encoder beside the checkout (../shared/models/mobilenet-v2, see its
 * README): MobileNetV2's pooled ImageNet features. Tests whose outcome depends on ranking being
 * right use it; it has no text tower, so it serves find-similar only.
 */
const ENCODER_FILE = path.resolve(
  import.meta.dirname,
  '../../../shared/models/mobilenet-v2/mobilenetv2-12-int8-embedding.onnx',
);

const MANIFEST: ModelManifest = {
  id: 'mobilenet-v2-test',
  name: 'MobileNetV2 (ImageNet, int8) image encoder',
  dimensions: 1280,
  files: [
    {
      path: 'mobilenetv2-12-int8-embedding.onnx',
      sha256: '7db6f2420865b9ec0e47068dcee74fed4b78a44691f769849c7f9b3a75713436',
      bytes: 3_655_113,
    },
  ],
  image: {
    file: 'mobilenetv2-12-int8-embedding.onnx',
    input: 'input',
    output: 'embedding',
    size: 224,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
};

/** A model folder (manifest plus a link to the shared file) inside `dir`, for --model-dir. */
export async function imageEncoderDir(dir: string): Promise<string> {
  const modelDir = path.join(dir, 'mobilenet-v2');
  await mkdir(modelDir, { recursive: true });
  await symlink(ENCODER_FILE, path.join(modelDir, MANIFEST.files[0]!.path));
  await writeFile(path.join(modelDir, MODEL_MANIFEST_FILE), JSON.stringify(MANIFEST, null, 2));
  return modelDir;
}

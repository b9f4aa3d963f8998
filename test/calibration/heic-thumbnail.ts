import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ClipModel } from '../../src-main/engine/embedder/clip-model.js';
import { MODEL_MANIFEST_FILE, readModelManifest } from '../../src-main/engine/embedder/manifest.js';
import { heifDecoder } from '../../src-main/engine/media/heif-decoder.js';
import { decode, openImage, render } from '../../src-main/engine/media/image-source.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { similarity } from '../../src-main/engine/util/vectors.js';
import { FORMATS_DIR } from '../helpers/corpus.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';

/**
 * Would a HEIC's own thumbnail do for its embedding? An iPhone stores a 320x240 HEVC
 * thumbnail; the shared HEICs made from the corpus hold none (only libheif's example does, at
 * 320x212), so the thumbnail is stood in for by the full decode brought down to fit 320x240
 * and coded lossily (JPEG 80). The cosine between its embedding and the full decode's, with
 * the real MobileNetV2 encoder, says how much the 448 px copy the tensor is made from matters.
 *
 * `tsx test/calibration/heic-thumbnail.ts [model-dir]`
 */
async function main() {
  const dir = process.argv[2] ?? (await mobilenetModelDir());
  const manifest = readModelManifest(path.join(dir, MODEL_MANIFEST_FILE));
  const model = new ClipModel(dir, manifest, { providers: ['cpu'], logger: silentLogger });
  const heicDir = path.join(FORMATS_DIR, 'heic');
  try {
    for (const name of (await readdir(heicDir)).sort()) {
      const bytes = await readFile(path.join(heicDir, name));
      const source = await openImage(bytes, name);
      const thumbnail = await render(
        (await decode(source, 'as-stored'))
          .resize(320, 240, { fit: 'inside' })
          .jpeg({ quality: 80 })
          .toBuffer(),
      );
      const [full, small] = await model.embedImages([
        await clipTensor(bytes, manifest.image, name),
        await clipTensor(thumbnail, manifest.image),
      ]);
      const { width, height } = await sharp(thumbnail).metadata();
      console.log(
        `${name.padEnd(34)} ${source.header.width}x${source.header.height} -> ${width}x${height}: cosine ${similarity(full!, small!).toFixed(3)}`,
      );
    }
  } finally {
    await model.close();
    await heifDecoder().close();
    if (process.argv[2] === undefined) await rm(dir, { recursive: true, force: true });
  }
}

await main();

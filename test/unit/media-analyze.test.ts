import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { analyzePhoto } from '../../src-main/engine/media/analyze.js';
import { readPhotoMetadata } from '../../src-main/engine/media/metadata.js';
import { clipTensor } from '../../src-main/engine/media/preprocess.js';
import { makeThumbnail } from '../../src-main/engine/media/thumbnail.js';
import { corpusDir } from '../helpers/corpus.js';

const SPEC = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const;

test('analyzePhoto gives what the three single-purpose functions give', async () => {
  const dir = await corpusDir();
  for (const name of ['opencv-leuvenA.jpg', 'gnome-vnc-d.webp', 'opencv-basketball1.png']) {
    const photo = await readFile(path.join(dir, name));
    const analysis = await analyzePhoto(photo, SPEC);
    assert.deepEqual(analysis.metadata, await readPhotoMetadata(photo), name);
    assert.deepEqual(analysis.tensor, await clipTensor(photo, SPEC), name);
    assert.ok(analysis.thumbnail.equals(await makeThumbnail(photo)), name);
    assert.equal((await sharp(analysis.thumbnail).metadata()).format, 'webp');
  }
});

test('analyzePhoto handles each kind of photo in the corpus', async () => {
  const dir = await corpusDir();
  const names = (await readdir(dir)).filter((name) => name !== 'MANIFEST.sha256').sort();
  // Two of each source package and format keeps this quick; all 140 take tens of seconds.
  const kind = (name: string) => `${name.split('-')[0]}${path.extname(name).toLowerCase()}`;
  const kinds = new Set(names.map(kind));
  const sample = [...kinds].flatMap((k) => names.filter((name) => kind(name) === k).slice(0, 2));
  assert.ok(kinds.size >= 5, `corpus kinds: ${[...kinds].join(', ')}`);
  for (const name of sample) {
    const { metadata, tensor, thumbnail } = await analyzePhoto(
      await readFile(path.join(dir, name)),
      SPEC,
    );
    assert.ok(metadata.width > 0 && metadata.height > 0, name);
    assert.ok(tensor.every(Number.isFinite), name);
    const shown = await sharp(thumbnail).metadata();
    assert.equal(
      Math.max(shown.width, shown.height),
      Math.min(400, Math.max(metadata.width, metadata.height)),
      name,
    );
  }
});

import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { tempDir } from '../helpers/fixtures.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';
import { makeColourModel } from '../models/colour-model.js';

/**
 * Text search end to end with a model whose towers mean something (test/models/colour-model.ts:
 * a photo's mean colour, colour words in the same directions): the real CLIP tokenizer, both
 * ONNX sessions, the HNSW index and the catalog must all do their part for "red" to find the
 * red photos first.
 */

/** Each channel's share of a grey photo's brightness: a photo in one hue, light and shade kept. */
const TINTS = {
  red: [1, 0.25, 0.25],
  green: [0.25, 1, 0.25],
  blue: [0.25, 0.25, 1],
};
type Tint = keyof typeof TINTS;
const PER_TINT = 3;

describe('text search with a meaningful model', () => {
  let engine: Engine;
  const tinted = new Map<Tint, string[]>();

  before(async () => {
    const work = await tempDir('text-ranking');
    const photosDir = path.join(work, 'photos');
    // Untinted corpus photos around them: some are reddish, greenish or bluish by nature.
    const photos = await copyCorpusPhotos(photosDir, 24);
    let next = 0;
    for (const [tint, shares] of Object.entries(TINTS) as [Tint, number[]][]) {
      const names: string[] = [];
      for (let i = 0; i < PER_TINT; i++) {
        const name = `${tint}-${i}.png`;
        const rgb = await sharp(photos[next++]!)
          .toColourspace('srgb')
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true });
        const { width, height, channels } = rgb.info;
        assert.equal(channels, 3);
        const pixels = Buffer.alloc(rgb.data.length);
        for (let p = 0; p < pixels.length; p += 3) {
          const grey = (rgb.data[p]! + rgb.data[p + 1]! + rgb.data[p + 2]!) / 3;
          for (let c = 0; c < 3; c++) pixels[p + c] = grey * shares[c]!;
        }
        await sharp(pixels, { raw: { width, height, channels } })
          .png()
          .toFile(path.join(photosDir, name));
        names.push(name);
      }
      tinted.set(tint, names);
    }
    const modelDir = path.join(work, 'colour-model');
    await fs.mkdir(modelDir);
    engine = await Engine.open({
      libraryDir: path.join(work, 'library'),
      modelDir: await makeColourModel(modelDir),
      logger: silentLogger,
    });
    const summary = await engine.indexFolder(photosDir);
    assert.equal(summary.embedded, photos.length + PER_TINT * Object.keys(TINTS).length);
  });

  after(async () => {
    await engine?.close();
  });

  const topNames = async (query: string, count: number) =>
    (await engine.searchText(query, { limit: count })).hits.map((hit) =>
      path.basename(hit.photo.path),
    );

  for (const tint of Object.keys(TINTS) as Tint[]) {
    test(`"${tint}" finds the ${tint} photos first`, async () => {
      const top = await topNames(`a ${tint} photo`, PER_TINT);
      assert.deepEqual(top.sort(), [...tinted.get(tint)!].sort());
    });
  }

  test('the words around the colour do not change what it finds', async () => {
    assert.deepEqual(
      (await topNames('something blue', PER_TINT)).sort(),
      (await topNames('blue', PER_TINT)).sort(),
    );
  });

  test('a colour between two tints ranks both above the third', async () => {
    // Yellow is red plus green: every red and green photo comes before any blue one.
    const ranked = await topNames('yellow', 200);
    const lastRedOrGreen = Math.max(
      ...[...tinted.get('red')!, ...tinted.get('green')!].map((name) => ranked.indexOf(name)),
    );
    const firstBlue = Math.min(...tinted.get('blue')!.map((name) => ranked.indexOf(name)));
    assert.ok(lastRedOrGreen < firstBlue, `yellow: ${ranked.slice(0, 10).join(', ')}`);
  });
});

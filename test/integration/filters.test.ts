import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PhotoPage, PhotoSummary, SearchResults } from '../../src-main/contract/api.js';
import { FORMATS_DIR } from '../helpers/corpus.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir, tinyModelDir } from '../helpers/fixtures.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';
import { copyNamedCorpusPhotos } from '../helpers/photo-folder.js';

/**
 * Filters and order through the CLI, as a user runs them, on real photos whose metadata is
 * known (shared/formats/README.md): the HEICs made from corpus photos keep their camera, date
 * and position, so a filter's answer can be checked photo by photo.
 */
const HEICS = [
  'opencv-leuvenA.heic', // Apple iPhone 6, 2019-04-14, GPS
  'opencv-ela_original.heic', // motorola XT1635-02, 2018-06-06, GPS
  'mate-Storm.heic', // Canon EOS 400D DIGITAL, 2008-04-20
  'leuvenA_rot6.heic', // shown as 563×751: portrait
];
const JPEGS = ['opencv-leuvenA.jpg', 'mate-Storm.jpg'];
const NESTED_JPEGS = ['opencv-ela_original.jpg', 'opencv-butterfly.jpg'];

describe('filters and order (CLI)', () => {
  let root: string;
  let photos: string;
  let library: string;
  let tinyModel: string;
  let imageModel: string;
  let imageLibrary: string;
  const tiny = () => ['--library', library, '--model-dir', tinyModel, '--json'];

  before(async () => {
    [root, tinyModel, imageModel] = await Promise.all([
      tempDir('filters'),
      tinyModelDir(),
      mobilenetModelDir(),
    ]);
    photos = path.join(root, 'photos');
    library = path.join(root, 'library');
    imageLibrary = path.join(root, 'image-library');
    await fs.mkdir(path.join(photos, 'heic'), { recursive: true });
    await fs.mkdir(path.join(photos, 'jpeg', 'more'), { recursive: true });
    for (const name of HEICS) {
      await fs.copyFile(path.join(FORMATS_DIR, 'heic', name), path.join(photos, 'heic', name));
    }
    await copyNamedCorpusPhotos(path.join(photos, 'jpeg'), JPEGS);
    await copyNamedCorpusPhotos(path.join(photos, 'jpeg', 'more'), NESTED_JPEGS);
    for (const [lib, model] of [
      [library, tinyModel],
      [imageLibrary, imageModel],
    ] as const) {
      const run = await ferret(['--library', lib, '--model-dir', model, 'index', photos], {
        timeoutMs: 600_000,
      });
      assert.equal(run.code, 0, run.stderr);
    }
  });

  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
    await fs.rm(imageModel, { recursive: true, force: true });
  });

  async function listed(...args: string[]): Promise<PhotoPage> {
    const run = await ferret([...tiny(), 'photos', ...args]);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as PhotoPage;
  }
  const names = (items: PhotoSummary[]) => items.map((photo) => photo.name).sort();

  test('photos lists the library by date, newest or oldest first', async () => {
    const newest = await listed();
    assert.equal(newest.total, HEICS.length + JPEGS.length + NESTED_JPEGS.length);
    const oldest = await listed('--sort', 'oldest');
    assert.deepEqual(
      oldest.items.map((photo) => photo.id),
      newest.items.map((photo) => photo.id).reverse(),
    );
    const dated = newest.items.flatMap((photo) => (photo.takenAt ? [photo.takenAt] : []));
    assert.deepEqual(dated, [...dated].sort().reverse());
    assert.equal((await listed('-k', '3')).items.length, 3);
  });

  test('each filter keeps exactly the photos that meet it', async () => {
    assert.deepEqual(names((await listed('--type', 'heic')).items), [...HEICS].sort());
    assert.deepEqual(
      names((await listed('--folder', path.join(photos, 'jpeg'))).items),
      [...JPEGS, ...NESTED_JPEGS].sort(),
      'a folder takes in its subfolders',
    );
    const apple2019 = (await listed('--camera', 'apple', '--date', '2019')).items;
    assert.ok(names(apple2019).includes('opencv-leuvenA.heic'));
    assert.ok(names(apple2019).includes('opencv-leuvenA.jpg'));
    for (const photo of apple2019) {
      assert.equal(photo.cameraMake, 'Apple');
      assert.match(photo.takenAt!, /^2019-/);
    }
    const june2018 = (await listed('--from', '2018-06', '--to', '2018-06')).items;
    assert.deepEqual(names(june2018), ['opencv-ela_original.heic', 'opencv-ela_original.jpg']);
    const canon = (await listed('--camera', 'Canon EOS', '--type', 'jpg')).items;
    assert.deepEqual(names(canon), ['mate-Storm.jpg']);
    const portrait = (await listed('--orientation', 'portrait')).items;
    assert.ok(names(portrait).includes('leuvenA_rot6.heic'));
    for (const photo of portrait) assert.ok(photo.height! > photo.width!, photo.name);
    const located = (await listed('--location', 'yes')).items;
    assert.ok(located.length >= 2);
    for (const photo of located) assert.notEqual(photo.gps, null, photo.name);
    const unlocated = (await listed('--location', 'no')).items;
    assert.equal(located.length + unlocated.length, (await listed()).total);
  });

  test('search and similar take the same filters and order', async () => {
    // Every photo matches the random-weight model's query: the filter alone decides.
    const run = await ferret([
      ...tiny(),
      'search',
      'a photo',
      '--camera',
      'Apple',
      '--type',
      'heic',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(run.stdout) as SearchResults;
    assert.ok(results.hits.length >= 1);
    for (const hit of results.hits) {
      assert.equal(hit.photo.cameraMake, 'Apple');
      assert.match(hit.photo.path, /\.heic$/);
    }
    const byDate = await ferret([...tiny(), 'search', 'a photo', '--sort', 'oldest']);
    const dates = (JSON.parse(byDate.stdout) as SearchResults).hits.flatMap((hit) =>
      hit.photo.takenAt ? [hit.photo.takenAt] : [],
    );
    assert.ok(dates.length >= 4);
    assert.deepEqual(dates, [...dates].sort());

    // With the real image encoder, the HEIC made from a JPEG is what it finds among HEICs.
    const similar = await ferret([
      '--library',
      imageLibrary,
      '--model-dir',
      imageModel,
      '--json',
      'similar',
      path.join(photos, 'jpeg', 'opencv-leuvenA.jpg'),
      '--type',
      'heic',
    ]);
    assert.equal(similar.code, 0, similar.stderr);
    const neighbours = (JSON.parse(similar.stdout) as SearchResults).hits;
    assert.ok(['opencv-leuvenA.heic', 'leuvenA_rot6.heic'].includes(neighbours[0]!.photo.name));
    for (const hit of neighbours) assert.match(hit.photo.path, /\.heic$/);
  });

  test('bad filters and text get a clear one-line message', async () => {
    const backwards = await ferret([...tiny(), 'search', 'cat', '--from', '2020', '--to', '2019']);
    assert.equal(backwards.code, 1);
    assert.match(backwards.stdout, /the dates are the wrong way round: from 2020 is after to 2019/);
    const notADate = await ferret(['--library', library, 'photos', '--date', '2019-13']);
    assert.equal(notADate.code, 1);
    assert.equal(
      notADate.stderr,
      'ferret: "2019-13" is not a date: write 2019, 2019-07 or 2019-07-14\n',
    );
    const empty = await ferret(['--library', library, 'search', '   ']);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /the search text is empty/);

    const long = await ferret([
      '--library',
      library,
      '--model-dir',
      tinyModel,
      'search',
      'cat '.repeat(400),
    ]);
    assert.equal(long.code, 0, long.stderr);
    assert.match(long.stderr, /its first 1000 are searched for/);

    const camera = await ferret(['--library', library, 'photos', '--camera', 'Hasselblad']);
    assert.equal(camera.code, 0, camera.stderr);
    assert.match(
      camera.stdout,
      /^No photos: no camera matches “Hasselblad”; the library's cameras are .*Apple iPhone 6/,
    );
    const outside = await ferret([
      '--library',
      library,
      'photos',
      '--folder',
      path.join(root, 'elsewhere'),
    ]);
    assert.match(outside.stdout, /is not in the library/);
    const together = await ferret([
      '--library',
      library,
      '--model-dir',
      tinyModel,
      'search',
      'a photo',
      '--camera',
      'Apple',
      '--date',
      '2008',
    ]);
    assert.equal(together.code, 0, together.stderr);
    assert.equal(together.stdout, 'No photos: no photo passes all of these filters together\n');
  });
});

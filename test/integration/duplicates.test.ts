import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import type { DuplicateReport } from '../../src-main/contract/api.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { nearDuplicateCopies } from '../calibration/near-duplicates.js';
import { corpusDir } from '../helpers/corpus.js';
import { ferret } from '../helpers/ferret-cli.js';
import { tempDir } from '../helpers/fixtures.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';

/**
 * Duplicate groups with the real pretrained encoder (MobileNetV2) on real photos: planted
 * exact copies and near copies (resized, re-encoded) of some corpus photos are grouped with
 * their originals, the original is the one to keep, and different photos are grouped with
 * nothing; the groups follow a copy added or deleted.
 */
const ORIGINALS = ['apple', 'baboon', 'butterfly', 'starry_night', 'fruits', 'messi5'];
/** Different pictures (a fish, a building, sweets, a sudoku…): never anyone's duplicate. */
const UNRELATED = [
  'opencv-HappyFish.jpg',
  'opencv-building.jpg',
  'opencv-smarties.png',
  'opencv-sudoku.png',
  'opencv-home.jpg',
  'opencv-squirrel_cls.jpg',
];

describe('duplicates with a real image encoder', () => {
  const scratch: string[] = [];
  let photosDir: string;
  let libraryDir: string;
  let modelDir: string;
  let engine: Engine;
  /** An original by its short name, an unrelated photo by its file name. */
  const file = (name: string) =>
    path.join(photosDir, name.includes('.') ? name : `opencv-${name}.jpg`);

  before(async () => {
    [photosDir, libraryDir, modelDir] = await Promise.all([
      tempDir('dupes-photos'),
      tempDir('dupes-library'),
      mobilenetModelDir(),
    ]);
    scratch.push(photosDir, libraryDir, modelDir);
    const corpus = await corpusDir();
    for (const name of [...ORIGINALS, ...UNRELATED]) {
      await fs.copyFile(path.join(corpus, path.basename(file(name))), file(name));
    }
    await fs.mkdir(path.join(photosDir, 'copies'));
    // Exact copies: the same bytes elsewhere (a second import, a backup folder).
    await fs.copyFile(file('apple'), path.join(photosDir, 'copies', 'apple (1).jpg'));
    await fs.copyFile(file('fruits'), path.join(photosDir, 'copies', 'fruits copy.jpg'));
    // Near copies: what a messenger or an export makes of a photo.
    for (const name of ['baboon', 'butterfly', 'starry_night']) {
      const copies = await nearDuplicateCopies(await fs.readFile(file(name)));
      await fs.writeFile(path.join(photosDir, 'copies', `${name}-small.jpg`), copies.resized);
      await fs.writeFile(path.join(photosDir, 'copies', `${name}-q40.jpg`), copies['re-encoded']);
    }
    engine = await Engine.open({ libraryDir, modelDir, logger: silentLogger });
    const summary = await engine.indexFolder(photosDir);
    assert.equal(summary.embedded, ORIGINALS.length + UNRELATED.length + 2 + 6);
  });

  after(async () => {
    await engine?.close();
    await Promise.all(scratch.map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  /** Each group as its file names, keeper first, the groups sorted by keeper. */
  const named = (report: DuplicateReport) =>
    report.groups
      .map((group) => ({
        tier: group.tier,
        names: group.members.map((member) => path.relative(photosDir, member.photo.path)),
      }))
      .sort((a, b) => a.names[0]!.localeCompare(b.names[0]!));

  test('exact and near copies are grouped with their original, which is the one to keep', async () => {
    const report = await engine.listDuplicates();
    assert.equal(report.uncompared, 0);
    assert.equal(report.nearThreshold, 0.85);
    const groups = named(report);
    const expected = [
      { tier: 'exact', names: ['opencv-apple.jpg', 'copies/apple (1).jpg'] },
      {
        tier: 'near',
        names: ['opencv-baboon.jpg', 'copies/baboon-q40.jpg', 'copies/baboon-small.jpg'],
      },
      {
        tier: 'near',
        names: ['opencv-butterfly.jpg', 'copies/butterfly-q40.jpg', 'copies/butterfly-small.jpg'],
      },
      { tier: 'exact', names: ['opencv-fruits.jpg', 'copies/fruits copy.jpg'] },
      {
        tier: 'near',
        names: [
          'opencv-starry_night.jpg',
          'copies/starry_night-q40.jpg',
          'copies/starry_night-small.jpg',
        ],
      },
    ];
    // The keeper is first; the order of the others is not part of the answer.
    assert.deepEqual(
      groups.map((group) => ({
        ...group,
        names: [group.names[0], ...group.names.slice(1).sort()],
      })),
      expected,
    );
    for (const group of report.groups) {
      const [keeper, ...others] = group.members;
      assert.equal(keeper!.keeper, true);
      assert.ok(others.every((member) => !member.keeper));
      assert.equal(
        group.reclaimableBytes,
        others.reduce((sum, member) => sum + member.fileBytes, 0),
      );
      const sizes = await Promise.all(others.map((member) => fs.stat(member.photo.path)));
      assert.equal(
        group.reclaimableBytes,
        sizes.reduce((sum, stat) => sum + stat.size, 0),
      );
    }
    assert.equal(
      report.reclaimableBytes,
      report.groups.reduce((sum, group) => sum + group.reclaimableBytes, 0),
    );
    const grouped = new Set(
      report.groups.flatMap((group) => group.members.map((m) => m.photo.path)),
    );
    for (const name of ['messi5', ...UNRELATED]) assert.ok(!grouped.has(file(name)), name);
  });

  test('a tier keeps only exact copies, or only near-duplicates', async () => {
    const exact = named(await engine.listDuplicates('exact'));
    assert.deepEqual(
      exact.map((group) => group.names[0]),
      ['opencv-apple.jpg', 'opencv-fruits.jpg'],
    );
    const near = named(await engine.listDuplicates('near'));
    assert.deepEqual(
      near.map((group) => group.names[0]),
      ['opencv-baboon.jpg', 'opencv-butterfly.jpg', 'opencv-starry_night.jpg'],
    );
  });

  test('a copy added later joins its group; a copy deleted leaves it; a lone original has none', async () => {
    const copies = await nearDuplicateCopies(await fs.readFile(file('messi5')));
    const newCopy = path.join(photosDir, 'copies', 'messi5-small.jpg');
    await fs.writeFile(newCopy, copies.resized);
    await engine.indexFolder(photosDir);
    let groups = named(await engine.listDuplicates());
    assert.deepEqual(groups.find((group) => group.names[0] === 'opencv-messi5.jpg')?.names, [
      'opencv-messi5.jpg',
      'copies/messi5-small.jpg',
    ]);

    await fs.rm(path.join(photosDir, 'copies', 'baboon-q40.jpg'));
    await fs.rm(newCopy);
    await engine.indexFolder(photosDir);
    groups = named(await engine.listDuplicates());
    assert.deepEqual(groups.find((group) => group.names[0] === 'opencv-baboon.jpg')?.names, [
      'opencv-baboon.jpg',
      'copies/baboon-small.jpg',
    ]);
    assert.equal(
      groups.find((group) => group.names.includes('opencv-messi5.jpg')),
      undefined,
    );
    assert.equal(groups.length, 5);
  });

  test('the keeper is the one with the most pixels, even when it is newer', async () => {
    // A larger version of the apple turns up: it is what to keep, over the older original.
    const larger = path.join(photosDir, 'copies', 'apple-large.png');
    const { width } = await sharp(file('apple')).metadata();
    await sharp(file('apple'))
      .resize(width! * 2)
      .png()
      .toFile(larger);
    await engine.indexFolder(photosDir);
    const apple = named(await engine.listDuplicates()).find((group) =>
      group.names.includes('opencv-apple.jpg'),
    );
    assert.deepEqual(apple, {
      tier: 'near',
      names: ['copies/apple-large.png', 'opencv-apple.jpg', 'copies/apple (1).jpg'],
    });
    await fs.rm(larger);
    await engine.indexFolder(photosDir);
  });

  test('ferret duplicates answers what the engine answers, beside a running writer', async () => {
    const [all, exact] = await Promise.all([
      ferret(['--library', libraryDir, '--model-dir', modelDir, '--json', 'duplicates']),
      ferret(['--library', libraryDir, '--model-dir', modelDir, 'duplicates', '--tier', 'exact']),
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(JSON.parse(all.stdout), await engine.listDuplicates());
    assert.equal(exact.code, 0, exact.stderr);
    assert.match(exact.stdout, /^1\. exact copies, .* to free:\n {2}keep .*opencv-/m);
    assert.match(exact.stdout, /^2 groups of 4 photos; .* to free/m);
    const wrong = await ferret(['--library', libraryDir, 'duplicates', '--tier', 'similar']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--tier.*exact, near/);
  });
});

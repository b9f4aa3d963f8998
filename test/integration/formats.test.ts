import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import type { FormatCount, SearchResults } from '../../src-main/contract/api.js';
import { Engine } from '../../src-main/engine/engine.js';
import { LiveLibrary } from '../../src-main/engine/library/live-library.js';
import { heifDecoder } from '../../src-main/engine/media/heif-decoder.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { FORMATS_DIR, corpusDir } from '../helpers/corpus.js';
import { tempDir } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/live.js';
import { mobilenetModelDir } from '../helpers/mobilenet.js';

const FERRET = path.resolve(import.meta.dirname, '../../bin/ferret.js');

/** HEIC files made from corpus JPEGs: each pair shows the same picture. */
const PAIRS = ['opencv-leuvenA', 'opencv-ela_original', 'mate-Storm'];

async function ferret(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [FERRET, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface CatalogRow {
  path: string;
  status: string;
  format: string | null;
  taken_at: string | null;
  camera_model: string | null;
  last_error: string | null;
}

describe('a folder of JPEG, HEIC, camera RAW and GIF photos', () => {
  let folder: string;
  let library: string;
  let modelDir: string;
  const cli = () => ['--library', library, '--model-dir', modelDir, '--json'];
  const file = (name: string) => path.join(folder, name);

  function catalogRows(): Map<string, CatalogRow> {
    const db = new Database(path.join(library, 'catalog.sqlite'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT path, status, format, taken_at, camera_model, last_error FROM photos')
        .all() as CatalogRow[];
      return new Map(rows.map((row) => [path.basename(row.path), row]));
    } finally {
      db.close();
    }
  }

  before(async () => {
    [folder, library, modelDir] = await Promise.all([
      tempDir('formats'),
      tempDir('formats-library'),
      mobilenetModelDir(),
    ]);
    const corpus = await corpusDir();
    for (const name of [...PAIRS, 'opencv-apple', 'opencv-butterfly']) {
      await fs.copyFile(path.join(corpus, `${name}.jpg`), file(`${name}.jpg`));
    }
    for (const name of PAIRS) {
      await fs.copyFile(path.join(FORMATS_DIR, 'heic', `${name}.heic`), file(`${name}.heic`));
    }
    for (const name of await fs.readdir(path.join(FORMATS_DIR, 'raw'))) {
      await fs.copyFile(path.join(FORMATS_DIR, 'raw', name), file(name));
    }
    await fs.copyFile(
      path.join(FORMATS_DIR, 'gif', 'butterfly-apple-animated.gif'),
      file('butterfly-apple-animated.gif'),
    );
    // A RAW and a JPEG of the same shot: both are photos of their own.
    await fs.copyFile(path.join(corpus, 'opencv-board.jpg'), file('FujiFilm.JPG'));
    const heic = await fs.readFile(path.join(FORMATS_DIR, 'heic', 'opencv-leuvenA.heic'));
    await fs.mkdir(file('bad'));
    await fs.writeFile(file('bad/zero-bytes.heic'), '');
    await fs.writeFile(file('bad/truncated.heic'), heic.subarray(0, heic.length >> 1));
    await fs.copyFile(path.join(corpus, 'opencv-apple.jpg'), file('bad/IMG_0001.CR2'));
    // HEVC data overwritten: the container and its EXIF still read.
    const corruptHevc = Buffer.from(heic);
    const mdat = corruptHevc.indexOf('mdat', 0, 'latin1');
    corruptHevc.fill(0xff, mdat + 4, mdat + 68);
    await fs.writeFile(file('bad/corrupt-hevc.heic'), corruptHevc);
    // The preview's scan asks for Huffman tables the JPEG never defines.
    const rw2 = await fs.readFile(path.join(FORMATS_DIR, 'raw', 'Panasonic.rw2'));
    const scan = rw2.indexOf(
      Buffer.from([0xff, 0xda]),
      rw2.indexOf(Buffer.from([0xff, 0xd8, 0xff])),
    );
    for (let component = 0; component < rw2[scan + 4]!; component++) {
      rw2[scan + 6 + 2 * component] = 0x33;
    }
    await fs.writeFile(file('bad/corrupt-preview.rw2'), rw2);
  });

  after(async () => {
    await heifDecoder().close();
    await Promise.all(
      [folder, library, modelDir].map((dir) => fs.rm(dir, { recursive: true, force: true })),
    );
  });

  test('ferret index catalogues every file; the broken ones with a one-line reason', async () => {
    const run = await ferret([...cli(), 'index', folder]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      added: number;
      failed: number;
      failures: { path: string; message: string }[];
    };
    // 5 JPEGs, 3 HEICs, the RAF and RW2 with previews, the GIF, the JPEG beside the RAF.
    assert.equal(summary.added, 12, run.stdout);
    const reasons = new Map(
      summary.failures.map((f) => [path.relative(folder, f.path), f.message]),
    );
    assert.deepEqual([...reasons.keys()].sort(), [
      'CanonRaw.cr2',
      'CanonRaw.cr3',
      'DNG.dng',
      'Nikon.nef',
      'bad/IMG_0001.CR2',
      'bad/corrupt-hevc.heic',
      'bad/corrupt-preview.rw2',
      'bad/truncated.heic',
      'bad/zero-bytes.heic',
    ]);
    for (const message of reasons.values()) assert.doesNotMatch(message, /\n/);
    assert.match(reasons.get('Nikon.nef')!, /^camera RAW without a usable embedded preview/);
    assert.match(reasons.get('bad/zero-bytes.heic')!, /^empty file/);
    assert.match(reasons.get('bad/truncated.heic')!, /^corrupt or truncated/);
    assert.match(reasons.get('bad/IMG_0001.CR2')!, /^not a camera RAW: .* holds a jpeg image/);
    assert.match(reasons.get('bad/corrupt-hevc.heic')!, /^corrupt or truncated HEIC: /);
    assert.match(reasons.get('bad/corrupt-preview.rw2')!, /^corrupt or truncated image: /);
  });

  test('dates and cameras are recorded, for RAWs without a preview too', () => {
    const rows = catalogRows();
    const expect = (name: string, format: string, model: string, date: string) => {
      const row = rows.get(name);
      assert.ok(row, name);
      assert.deepEqual(
        [row.format, row.camera_model, row.taken_at?.slice(0, 19)],
        [format, model, date],
        name,
      );
    };
    expect('opencv-leuvenA.heic', 'heic', 'iPhone 6', '2019-04-14T13:46:10');
    expect('mate-Storm.heic', 'heic', 'Canon EOS 400D DIGITAL', '2008-04-20T19:12:06');
    expect('FujiFilm.raf', 'raf', 'FinePix S5Pro', '2007-05-22T13:58:30');
    expect('Panasonic.rw2', 'rw2', 'DMC-LX3', '2008-08-06T15:21:56');
    expect('Nikon.nef', 'nef', 'NIKON D70', '2004-06-09T16:02:35');
    expect('CanonRaw.cr3', 'cr3', 'Canon EOS M50', '2018-02-21T12:08:56');
    assert.equal(rows.get('Nikon.nef')!.status, 'error');
    assert.equal(rows.get('FujiFilm.raf')!.status, 'indexed');
    assert.equal(rows.get('FujiFilm.JPG')!.status, 'indexed');
  });

  test('ferret status counts photos per format', async () => {
    const run = await ferret([...cli(), 'status']);
    assert.equal(run.code, 0, run.stderr);
    const formats = (JSON.parse(run.stdout) as { formats: FormatCount[] }).formats;
    assert.deepEqual(Object.fromEntries(formats.map(({ format, photos }) => [format, photos])), {
      jpeg: 6,
      // A HEIC and a RAW whose pixels are broken still have a format: their headers read.
      heic: 4,
      gif: 1,
      raf: 1,
      rw2: 2,
      cr2: 1,
      cr3: 1,
      dng: 1,
      nef: 1,
    });
    const text = await ferret(['--library', library, '--model-dir', modelDir, 'status']);
    assert.match(text.stdout, /^formats: jpeg 6, heic 4, /m);
  });

  test('a HEIC and the JPEG it was made from are each other’s nearest neighbour', async () => {
    for (const name of PAIRS) {
      for (const [query, expected] of [
        [`${name}.heic`, `${name}.jpg`],
        [`${name}.jpg`, `${name}.heic`],
      ]) {
        const run = await ferret([...cli(), 'similar', file(query!), '-k', '1']);
        assert.equal(run.code, 0, run.stderr);
        const [best] = (JSON.parse(run.stdout) as SearchResults).hits;
        assert.equal(best?.photo.name, expected, `nearest to ${query}`);
      }
    }
  });

  test('the watcher picks up a HEIC dropped into the folder, and search finds it', async () => {
    const engine = await Engine.open({ libraryDir: library, modelDir, logger: silentLogger });
    const live = new LiveLibrary(
      engine,
      {},
      { writeFinishMs: 200, removalGraceMs: 400, pollIntervalMs: 100, retryMs: 300 },
    );
    try {
      await live.start();
      await live.settled();
      const dropped = file('dropped/elephants.heic');
      await fs.mkdir(path.dirname(dropped));
      await fs.copyFile(path.join(FORMATS_DIR, 'heic', 'mate-Elephants_5640x3172.heic'), dropped);
      await waitFor(
        () => engine.catalog.getPhotoByPath(dropped)?.status === 'indexed',
        'the dropped HEIC to be indexed',
        180_000,
      );
      const photo = engine.catalog.getPhotoByPath(dropped)!;
      assert.deepEqual(
        [photo.format, photo.width, photo.height, photo.cameraModel],
        ['heic', 5640, 3172, 'DSC-RX100M4'],
      );
      // The JPEG it was made from (not in the library) finds it first: the dropped file's
      // vector is its picture's. Searched with the JPEG, which decodes shrunk from its DCT,
      // rather than with a second full decode of the 17.9 MP HEIC.
      const { hits } = await engine.findSimilarToFile(
        path.join(await corpusDir(), 'mate-Elephants_5640x3172.jpg'),
        { limit: 1 },
      );
      assert.equal(hits[0]?.photo.path, dropped);
    } finally {
      await live.stop();
      await engine.close();
    }
  });
});

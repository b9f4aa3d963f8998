import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  SqliteCatalog,
  type Catalog,
  type PhotoInput,
  type PhotoRow,
} from '../../src-main/engine/catalog/catalog.js';
import { SCHEMA_VERSION } from '../../src-main/engine/catalog/migrations.js';
import { decodeVector, encodeVector } from '../../src-main/engine/catalog/rows.js';
import { UserError } from '../../src-main/contract/errors.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'ferret-catalog-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let catalogs = 0;
/** A catalog in a fresh file, inside a folder that does not exist yet. */
function newCatalogFile(): string {
  return path.join(scratch, `library-${++catalogs}`, 'catalog.sqlite');
}

function openNew(): Catalog {
  return SqliteCatalog.open(newCatalogFile());
}

function rawPragma(file: string, pragma: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(pragma, { simple: true });
  } finally {
    db.close();
  }
}

function photo(folderId: number, name: string, extra: Partial<PhotoInput> = {}): PhotoInput {
  return {
    path: path.join('/photos', name),
    folderId,
    size: 1000,
    mtimeMs: 1_700_000_000_123.456,
    contentHash: `hash-${name}`,
    status: 'indexed',
    lastError: null,
    ...extra,
  };
}

/**
 * What each migration added (by the schema version it brings), undone: olderCatalog takes a
 * catalog back to what an older Ferret left.
 */
const UNDO_MIGRATION: Record<number, string> = {
  3: `DROP TRIGGER photo_days_insert; DROP TRIGGER photo_days_delete;
    DROP TRIGGER photo_days_update; DROP TABLE photo_days; DROP INDEX photos_by_day;
    DROP INDEX photos_by_camera_day;
    ALTER TABLE photos DROP COLUMN sort_day; ALTER TABLE photos DROP COLUMN sort_at;
    CREATE INDEX photos_newest_first ON photos (coalesce(taken_at, added_at) DESC, id DESC);`,
  4: `DROP TRIGGER near_group_delete; DROP TRIGGER near_group_change;
    DROP INDEX vectors_by_near_group; ALTER TABLE vectors DROP COLUMN near_group;`,
  5: `DROP TRIGGER cameras_insert; DROP TRIGGER cameras_delete; DROP TRIGGER cameras_update;
    DROP TABLE cameras; DROP INDEX photos_by_camera_day; ALTER TABLE photos DROP COLUMN camera;
    CREATE INDEX photos_by_camera_day ON photos (camera_model, sort_day, sort_at, id);`,
  6: `DROP INDEX photos_by_format_day; DROP INDEX photos_by_shape_day;
    DROP INDEX photos_by_located_day;
    ALTER TABLE photos DROP COLUMN shape; ALTER TABLE photos DROP COLUMN located;`,
};

/**
 * A catalog file holding `photos` (in one folder, /photos) as a Ferret at schema `version`
 * left it: written by this one, then its later migrations undone, newest first.
 */
function olderCatalog(version: number, photos: [name: string, extra: Partial<PhotoInput>][]) {
  const file = newCatalogFile();
  const catalog = SqliteCatalog.open(file);
  const folder = catalog.addFolder('/photos');
  for (const [name, extra] of photos) catalog.upsertPhoto(photo(folder.id, name, extra));
  catalog.close();
  const db = new Database(file);
  for (let undone = SCHEMA_VERSION; undone > version; undone--) {
    const undo = UNDO_MIGRATION[undone];
    if (undo === undefined) throw new Error(`UNDO_MIGRATION has no undo for version ${undone}`);
    db.exec(undo);
  }
  db.pragma(`user_version = ${version}`);
  db.close();
  return file;
}

test('a folder is added once per path and listed with its photo count', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos/');
  assert.equal(folder.path, path.resolve('/photos'));
  assert.deepEqual(
    { status: folder.status, polling: folder.polling, lastError: folder.lastError },
    { status: 'ok', polling: false, lastError: null },
  );
  assert.equal(catalog.addFolder('/photos').id, folder.id);
  const other = catalog.addFolder('/elsewhere');
  catalog.upsertPhoto(photo(folder.id, 'a.jpg'));
  catalog.upsertPhoto(photo(folder.id, 'b.jpg'));

  catalog.setFolderStatus(other.id, 'unavailable', 'drive unplugged');
  catalog.setFolderPolling(other.id, true);
  assert.deepEqual(
    catalog.listFolders().map((f) => [f.path, f.photos, f.status, f.lastError, f.polling]),
    [
      [path.resolve('/elsewhere'), 0, 'unavailable', 'drive unplugged', true],
      [path.resolve('/photos'), 2, 'ok', null, false],
    ],
  );
  assert.equal(catalog.getFolder(other.id)?.status, 'unavailable');
  catalog.close();
});

test('folderForPath finds the innermost folder, by whole path segments', () => {
  const catalog = openNew();
  const photos = catalog.addFolder('/lib/photos');
  const trips = catalog.addFolder('/lib/photos/trips');
  assert.equal(catalog.folderForPath('/lib/photos/a.jpg')?.id, photos.id);
  assert.equal(catalog.folderForPath('/lib/photos/trips/2020/b.jpg')?.id, trips.id);
  assert.equal(catalog.folderForPath('/lib/photos-old/a.jpg'), undefined);
  assert.equal(catalog.folderForPath('/lib/photos'), undefined);
  assert.equal(catalog.folderForPath('/lib/photos/../secret.txt'), undefined);
  assert.equal(catalog.folderForPath('/lib/a.jpg'), undefined);
  catalog.close();
});

test('upsertPhoto inserts, then updates the row at the same path keeping its id', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const id = catalog.upsertPhoto(
    photo(folder.id, 'a.jpg', {
      width: 4000,
      height: 3000,
      orientation: 6,
      format: 'jpeg',
      takenAt: '2021-06-01T12:00:00',
      cameraMake: 'Canon',
      cameraModel: 'EOS 5D',
      gps: { latitude: 50.88, longitude: 4.7 },
    }),
  );
  const stored = catalog.getPhoto(id)!;
  assert.deepEqual(
    { ...stored, addedAt: undefined, updatedAt: undefined },
    {
      id,
      folderId: folder.id,
      path: path.join('/photos', 'a.jpg'),
      size: 1000,
      mtimeMs: 1_700_000_000_123.456,
      contentHash: 'hash-a.jpg',
      width: 4000,
      height: 3000,
      orientation: 6,
      format: 'jpeg',
      takenAt: '2021-06-01T12:00:00',
      cameraMake: 'Canon',
      cameraModel: 'EOS 5D',
      gpsLatitude: 50.88,
      gpsLongitude: 4.7,
      status: 'indexed',
      lastError: null,
      addedAt: undefined,
      updatedAt: undefined,
    },
  );
  assert.ok(!Number.isNaN(Date.parse(stored.addedAt)));

  const again = catalog.upsertPhoto(
    photo(folder.id, 'a.jpg', { size: 5, status: 'error', lastError: 'truncated JPEG' }),
  );
  assert.equal(again, id);
  const updated = catalog.getPhotoByPath(path.join('/photos', 'a.jpg'))!;
  assert.deepEqual(
    [updated.size, updated.status, updated.lastError, updated.width, updated.gpsLatitude],
    [5, 'error', 'truncated JPEG', null, null],
  );
  assert.equal(updated.addedAt, stored.addedAt);

  catalog.updateFileStat(id, 77, 42.5);
  assert.deepEqual([catalog.getPhoto(id)!.size, catalog.getPhoto(id)!.mtimeMs], [77, 42.5]);
  assert.equal(catalog.getPhoto(id + 1000), undefined);
  assert.equal(catalog.getPhotoByPath('/nowhere.jpg'), undefined);
  catalog.close();
});

test('a photo needs an existing folder', () => {
  const catalog = openNew();
  assert.throws(() => catalog.upsertPhoto(photo(999, 'a.jpg')), /FOREIGN KEY/);
  catalog.close();
});

test('photos are found by content hash and by folder, and deleted one by one', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const other = catalog.addFolder('/other');
  const a = catalog.upsertPhoto(photo(folder.id, 'a.jpg', { contentHash: 'same' }));
  const b = catalog.upsertPhoto(photo(other.id, 'b.jpg', { contentHash: 'same' }));
  const c = catalog.upsertPhoto(photo(folder.id, 'c.jpg'));
  assert.deepEqual(
    catalog.findPhotosByHash('same').map((p) => p.id),
    [a, b],
  );
  assert.deepEqual(catalog.findPhotosByHash('none'), []);
  assert.deepEqual(catalog.photoIdsInFolder(folder.id), [a, c]);
  assert.deepEqual(
    catalog.photosInFolder(other.id).map((p) => p.id),
    [b],
  );
  assert.equal(catalog.deletePhoto(a), true);
  assert.equal(catalog.deletePhoto(a), false);
  assert.equal(catalog.getPhoto(a), undefined);
  catalog.close();
});

test('listPhotos pages newest first (taken, else the file time) and counts by status', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const old = catalog.upsertPhoto(photo(folder.id, 'old.jpg', { takenAt: '2001-01-01T00:00:00' }));
  const undated = catalog.upsertPhoto(photo(folder.id, 'undated.png'));
  const recent = catalog.upsertPhoto(
    photo(folder.id, 'recent.jpg', { takenAt: '2020-05-05T10:00:00+02:00' }),
  );
  const broken = catalog.upsertPhoto(
    photo(folder.id, 'broken.jpg', { status: 'error', lastError: 'bad' }),
  );
  // Undated photos sort by their file time (2023 here): after anything taken before it.
  const all = catalog.listPhotos(0, 10);
  assert.equal(all.total, 4);
  assert.deepEqual(
    all.items.map((p) => p.id),
    [broken, undated, recent, old],
  );
  const page = catalog.listPhotos(1, 2);
  assert.deepEqual([page.total, page.items.map((p) => p.id)], [4, [undated, recent]]);
  assert.deepEqual(catalog.listPhotos(10, 5), { total: 4, items: [] });
  assert.deepEqual(catalog.countByStatus(), { indexed: 3, error: 1 });
  catalog.close();
});

/** The grid's date: taken, else the file's time. */
const gridDate = (p: PhotoRow) => p.takenAt ?? new Date(p.mtimeMs).toISOString();

test('pages at any depth and the month counts follow adds, date changes and removals', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  // Several photos a day, some days with many, and undated photos (sorted by their file time).
  const ids: number[] = [];
  for (let i = 0; i < 300; i++) {
    const day = 1 + ((i * 7) % 28);
    const takenAt =
      i % 10 === 0 ? null : `2019-0${1 + (i % 3)}-${String(day).padStart(2, '0')}T1${i % 10}:00:00`;
    ids.push(
      catalog.upsertPhoto(
        photo(folder.id, `p${i}.jpg`, { takenAt, mtimeMs: 1_600_000_000_000 + i * 7_200_000 }),
      ),
    );
  }
  const expectedOrder = () =>
    ids
      .map((id) => catalog.getPhoto(id)!)
      .sort((a, b) => {
        const [ka, kb] = [gridDate(a), gridDate(b)];
        return ka === kb ? b.id - a.id : ka < kb ? 1 : -1;
      })
      .map((p) => p.id);
  /** Photos per day (length 10) or month (length 7) of the grid's date, newest first. */
  const expectedCounts = (length: number) => {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const key = gridDate(catalog.getPhoto(id)!).slice(0, length);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].sort(([a], [b]) => (a < b ? 1 : -1));
  };
  const expectedMonths = () => expectedCounts(7).map(([month, photos]) => ({ month, photos }));
  const check = () => {
    const order = expectedOrder();
    for (const [offset, limit] of [
      [0, 7],
      [1, 50],
      [37, 13],
      [order.length - 5, 10],
      [order.length, 3],
    ] as const) {
      const page = catalog.listPhotos(offset, limit);
      assert.equal(page.total, order.length);
      assert.deepEqual(
        page.items.map((p) => p.id),
        order.slice(offset, offset + limit),
        `page at ${offset}`,
      );
    }
    assert.deepEqual(catalog.listMonths(), expectedMonths());
    assert.deepEqual(
      catalog.listDays(),
      expectedCounts(10).map(([day, photos]) => ({ day, photos })),
    );
  };
  check();

  // A photo's date changes (re-indexed with new EXIF): it moves to its new day and month.
  const moved = ids[5]!;
  catalog.upsertPhoto(photo(folder.id, 'p5.jpg', { takenAt: '2018-12-31T23:59:59' }));
  assert.equal(catalog.listMonths().find((m) => m.month === '2018-12')?.photos, 1);
  check();
  catalog.deletePhoto(moved);
  ids.splice(5, 1);
  assert.equal(
    catalog.listMonths().find((m) => m.month === '2018-12'),
    undefined,
  );
  check();
  assert.equal(catalog.removeFolder(folder.id), 299);
  assert.deepEqual(catalog.listPhotos(0, 10), { total: 0, items: [] });
  assert.deepEqual(catalog.listMonths(), []);
  catalog.close();
});

test('a catalog from before the day counts gets them from its photos when it opens', () => {
  const file = olderCatalog(2, [
    ['a.jpg', { takenAt: '2010-03-04T05:06:07' }],
    ['b.jpg', { takenAt: '2010-03-09T00:00:00' }],
    ['c.jpg', { takenAt: '2012-01-01T00:00:00' }],
  ]);
  const reopened = SqliteCatalog.open(file);
  assert.deepEqual(reopened.listMonths(), [
    { month: '2012-01', photos: 1 },
    { month: '2010-03', photos: 2 },
  ]);
  assert.deepEqual(
    reopened.listPhotos(1, 5).items.map((p) => path.basename(p.path)),
    ['b.jpg', 'a.jpg'],
  );
  reopened.close();
});

/** What listCameras must say: the photos grouped by make and model, as a scan finds them. */
function camerasByScan(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT camera_make AS make, camera_model AS model, count(*) AS photos FROM photos
         WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL
         GROUP BY camera_make, camera_model ORDER BY photos DESC, make, model`,
      )
      .all();
  } finally {
    db.close();
  }
}

test('the camera filter matches make and model together, by make alone or by model alone', () => {
  const file = newCatalogFile();
  const catalog = SqliteCatalog.open(file);
  const folder = catalog.addFolder('/photos');
  const cameras: [string, string | null, string | null][] = [
    ['nikon.jpg', 'NIKON CORPORATION', 'NIKON D750'],
    ['canon.jpg', 'Canon', 'Canon EOS R5'],
    ['iphone.jpg', 'Apple', 'iPhone 12'],
    ['make-only.jpg', 'Leica', null],
    ['model-only.jpg', null, 'Pixel 7'],
    ['percent.jpg', 'Odd 100%', 'Model_1'],
    ['none.jpg', null, null],
  ];
  for (const [name, cameraMake, cameraModel] of cameras) {
    catalog.upsertPhoto(photo(folder.id, name, { cameraMake, cameraModel }));
  }
  const matching = (camera: string) =>
    catalog
      .listPhotos(0, 100, { conditions: { camera } })
      .items.map((row) => path.basename(row.path))
      .sort();
  assert.deepEqual(matching('apple'), ['iphone.jpg'], 'by make alone');
  assert.deepEqual(matching('iPhone'), ['iphone.jpg'], 'by model alone');
  assert.deepEqual(matching('Apple iPhone 12'), ['iphone.jpg'], 'make and model together');
  assert.deepEqual(matching('d750'), ['nikon.jpg']);
  assert.deepEqual(matching('Canon EOS'), ['canon.jpg']);
  assert.deepEqual(matching('leica'), ['make-only.jpg'], 'a camera that records no model');
  assert.deepEqual(matching('pixel'), ['model-only.jpg'], 'a camera that records no make');
  assert.deepEqual(matching('100%'), ['percent.jpg'], '% is a character, not a wildcard');
  assert.deepEqual(matching('l_1'), ['percent.jpg'], '_ is a character, not a wildcard');
  assert.deepEqual(matching('0%'), ['percent.jpg']);
  assert.deepEqual(matching('on'), ['canon.jpg', 'iphone.jpg', 'nikon.jpg']);
  assert.deepEqual(matching('Hasselblad'), []);
  assert.equal(catalog.countPhotos({ camera: 'on' }), 3);
  catalog.close();
});

test('orientation, location and file type filters keep what they say, through their indexes', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const sized = (width: number | null, height: number | null) => ({ width, height });
  catalog.upsertPhoto(photo(folder.id, 'tall.heic', { ...sized(3000, 4000), format: 'heic' }));
  catalog.upsertPhoto(
    photo(folder.id, 'wide.jpg', {
      ...sized(4000, 3000),
      format: 'jpeg',
      gps: { latitude: 50.8, longitude: 4.7 },
    }),
  );
  catalog.upsertPhoto(photo(folder.id, 'square.png', { ...sized(1000, 1000), format: 'png' }));
  catalog.upsertPhoto(photo(folder.id, 'unknown.jpg', { ...sized(null, null), format: 'jpeg' }));
  const names = (conditions: Parameters<Catalog['countPhotos']>[0]) =>
    catalog
      .listPhotos(0, 10, { conditions })
      .items.map((row) => path.basename(row.path))
      .sort();
  assert.deepEqual(names({ orientation: 'portrait' }), ['tall.heic']);
  assert.deepEqual(names({ orientation: 'landscape' }), ['wide.jpg']);
  assert.deepEqual(names({ hasLocation: true }), ['wide.jpg']);
  assert.deepEqual(names({ hasLocation: false }), ['square.png', 'tall.heic', 'unknown.jpg']);
  assert.deepEqual(names({ formats: ['jpeg', 'png'] }), ['square.png', 'unknown.jpg', 'wide.jpg']);
  assert.equal(catalog.countPhotos({ orientation: 'landscape', hasLocation: true }), 1);
  catalog.close();
});

test('the camera list follows photos added, given another camera and removed', () => {
  const file = newCatalogFile();
  const catalog = SqliteCatalog.open(file);
  const folder = catalog.addFolder('/photos');
  const camera = (cameraMake: string | null, cameraModel: string | null) => ({
    cameraMake,
    cameraModel,
  });
  const a = catalog.upsertPhoto(photo(folder.id, 'a.jpg', camera('Apple', 'iPhone 12')));
  catalog.upsertPhoto(photo(folder.id, 'b.jpg', camera('Apple', 'iPhone 12')));
  const c = catalog.upsertPhoto(photo(folder.id, 'c.jpg', camera('Leica', null)));
  const d = catalog.upsertPhoto(photo(folder.id, 'd.jpg', camera(null, null)));
  assert.deepEqual(catalog.listCameras(), [
    { make: 'Apple', model: 'iPhone 12', photos: 2 },
    { make: 'Leica', model: null, photos: 1 },
  ]);
  assert.deepEqual(catalog.listCameras(), camerasByScan(file));

  // Metadata read again with another camera (the upsert of a changed file), and a photo that
  // gains one.
  catalog.upsertPhoto(photo(folder.id, 'a.jpg', camera('Canon', 'Canon EOS R5')));
  catalog.upsertPhoto(photo(folder.id, 'd.jpg', camera(null, 'Pixel 7')));
  catalog.upsertPhoto(photo(folder.id, 'c.jpg', camera(null, null)));
  assert.deepEqual(catalog.listCameras(), [
    { make: null, model: 'Pixel 7', photos: 1 },
    { make: 'Apple', model: 'iPhone 12', photos: 1 },
    { make: 'Canon', model: 'Canon EOS R5', photos: 1 },
  ]);
  assert.deepEqual(catalog.listCameras(), camerasByScan(file));
  assert.equal(catalog.countPhotos({ camera: 'leica' }), 0);

  for (const id of [a, c, d]) catalog.deletePhoto(id);
  assert.deepEqual(catalog.listCameras(), [{ make: 'Apple', model: 'iPhone 12', photos: 1 }]);
  catalog.removeFolder(folder.id);
  assert.deepEqual(catalog.listCameras(), []);
  catalog.close();
});

test('a catalog from before the camera list gets it from its photos when it opens', () => {
  const file = olderCatalog(4, [
    ['a.jpg', { cameraMake: 'Apple', cameraModel: 'iPhone 6' }],
    ['b.jpg', { cameraMake: 'Apple', cameraModel: 'iPhone 6' }],
    ['c.jpg', { cameraModel: 'XT1635-02' }],
    ['d.jpg', {}],
  ]);
  const reopened = SqliteCatalog.open(file);
  assert.deepEqual(reopened.listCameras(), [
    { make: 'Apple', model: 'iPhone 6', photos: 2 },
    { make: null, model: 'XT1635-02', photos: 1 },
  ]);
  assert.equal(reopened.countPhotos({ camera: 'iphone' }), 2);
  reopened.close();
});

test('movePhoto keeps the id, metadata and vectors', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const archive = catalog.addFolder('/archive');
  const model = catalog.registerModel('test@1', 3);
  const id = catalog.upsertPhoto(photo(folder.id, 'a.jpg', { cameraMake: 'Nikon' }));
  const blocker = catalog.upsertPhoto(photo(archive.id, 'taken.jpg'));
  catalog.putVector(id, model, new Float32Array([0.5, -0.25, 1]));

  catalog.movePhoto(id, '/archive/renamed.jpg', archive.id);
  const moved = catalog.getPhoto(id)!;
  assert.deepEqual(
    [moved.path, moved.folderId, moved.cameraMake],
    ['/archive/renamed.jpg', archive.id, 'Nikon'],
  );
  assert.equal(catalog.getPhotoByPath(path.join('/photos', 'a.jpg')), undefined);
  assert.deepEqual(catalog.getVector(id, model), new Float32Array([0.5, -0.25, 1]));
  assert.deepEqual(catalog.photoIdsInFolder(folder.id), []);

  assert.throws(
    () => catalog.movePhoto(id, path.join('/photos', 'taken.jpg'), archive.id),
    new RegExp(`photo ${blocker} is there`),
  );
  assert.throws(() => catalog.movePhoto(9999, '/x.jpg', archive.id), /no such photo/);
  catalog.close();
});

test('removing a folder removes its photos and their vectors', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const kept = catalog.addFolder('/kept');
  const model = catalog.registerModel('test@1', 2);
  const gone = [
    catalog.upsertPhoto(photo(folder.id, 'a.jpg')),
    catalog.upsertPhoto(photo(folder.id, 'b.jpg')),
  ];
  const stays = catalog.upsertPhoto(photo(kept.id, 'c.jpg'));
  for (const id of [...gone, stays]) catalog.putVector(id, model, new Float32Array([id, 1]));

  assert.equal(catalog.removeFolder(folder.id), 2);
  assert.deepEqual(
    catalog.listFolders().map((f) => f.id),
    [kept.id],
  );
  for (const id of gone) {
    assert.equal(catalog.getPhoto(id), undefined);
    assert.equal(catalog.getVector(id, model), undefined);
  }
  assert.deepEqual(
    [...catalog.iterateVectors(model)].map((v) => v.photoId),
    [stays],
  );
  assert.equal(catalog.removeFolder(folder.id), 0);
  catalog.close();
});

test('vectors are kept in float16, per model, and checked against the model', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const small = catalog.registerModel('small@1', 4);
  assert.equal(catalog.registerModel('small@1', 4), small);
  assert.throws(() => catalog.registerModel('small@1', 8), /registered with 4 dimensions/);
  const large = catalog.registerModel('large@1', 5);
  const a = catalog.upsertPhoto(photo(folder.id, 'a.jpg'));
  const b = catalog.upsertPhoto(photo(folder.id, 'b.jpg'));
  catalog.upsertPhoto(photo(folder.id, 'c.jpg', { status: 'error', lastError: 'x' }));

  // pi keeps 11 significant bits, a value below half the smallest subnormal becomes zero, and
  // the largest half survives exactly; what putVector returns is what reads give back.
  const stored = catalog.putVector(a, small, new Float32Array([Math.PI, -0, 1e-8, -65504]));
  assert.deepEqual(stored, new Float32Array([3.140625, -0, 0, -65504]));
  assert.deepEqual(catalog.getVector(a, small), stored);
  assert.throws(
    () => catalog.putVector(b, small, new Float32Array([70000, 0, 0, 0])),
    /too large for float16/,
  );
  catalog.putVector(a, small, new Float32Array([1, 2, 3, 4]));
  assert.deepEqual(catalog.getVector(a, small), new Float32Array([1, 2, 3, 4]));
  catalog.putVector(a, large, new Float32Array([5, 4, 3, 2, 1]));
  assert.equal(catalog.getVector(b, small), undefined);

  assert.throws(() => catalog.putVector(b, small, new Float32Array(5)), /4 dimensions/);
  assert.throws(() => catalog.putVector(b, small, new Float32Array([1, NaN, 0, 0])), /finite/);
  assert.throws(() => catalog.putVector(b, 999, new Float32Array(4)), /no model with id 999/);

  // b is indexed without a vector; c failed, so it is not waiting for one.
  assert.deepEqual(
    catalog.photosMissingVector(small, 10).map((p) => p.id),
    [b],
  );
  assert.deepEqual(
    catalog.photosMissingVector(large, 10).map((p) => p.id),
    [b],
  );
  catalog.putVector(b, small, new Float32Array([0, 0, 0, 1]));
  assert.deepEqual(catalog.photosMissingVector(small, 10), []);
  assert.deepEqual(
    [...catalog.iterateVectors(small)],
    [
      { photoId: a, vector: new Float32Array([1, 2, 3, 4]) },
      { photoId: b, vector: new Float32Array([0, 0, 0, 1]) },
    ],
  );
  assert.equal(catalog.deleteVector(a, small), true);
  assert.equal(catalog.deleteVector(a, small), false);
  assert.deepEqual(catalog.getVector(a, large), new Float32Array([5, 4, 3, 2, 1]));
  catalog.close();
});

test('a catalog open for reading answers for a model it has never seen, writing nothing', () => {
  const file = newCatalogFile();
  const writer = SqliteCatalog.open(file);
  const known = writer.registerModel('known@1', 3);
  const a = writer.upsertPhoto(photo(writer.addFolder('/photos').id, 'a.jpg'));
  writer.putVector(a, known, new Float32Array([1, 0, 0]));
  writer.close();
  const before = readFileSync(file);

  const reader = SqliteCatalog.open(file, { readOnly: true });
  const unseen = reader.registerModel('unseen@1', 3);
  assert.notEqual(unseen, known);
  assert.equal(reader.registerModel('unseen@1', 3), unseen);
  assert.throws(() => reader.registerModel('unseen@1', 4), /registered with 3 dimensions/);
  const another = reader.registerModel('another@1', 5);
  assert.ok(![known, unseen].includes(another));
  assert.equal(reader.countVectors(unseen), 0);
  assert.deepEqual(reader.vectorsAfter(unseen, 0, 10), []);
  assert.equal(reader.registerModel('known@1', 3), known);
  assert.equal(reader.countVectors(known), 1);
  reader.close();

  assert.deepEqual(readFileSync(file), before);
  const db = new Database(file, { readonly: true });
  assert.deepEqual(db.prepare('SELECT key FROM models').pluck().all(), ['known@1']);
  db.close();
});

test('a vector decodes from a Buffer that sits at an odd offset in its memory', () => {
  const encoded = encodeVector(new Float32Array([1.5, -2.25, 3]));
  const backing = Buffer.alloc(encoded.length + 3);
  encoded.copy(backing, 1);
  assert.deepEqual(
    decodeVector(backing.subarray(1, 1 + encoded.length), 3),
    new Float32Array([1.5, -2.25, 3]),
  );
  // Little-endian float16 on disk whatever the machine: 1.5 is 00 3e.
  assert.deepEqual([...encoded.subarray(0, 2)], [0x00, 0x3e]);
  assert.throws(() => decodeVector(Buffer.alloc(7), 3), /not 3 float16 or float32 values/);
});

test('float16 keeps every value within half a unit in its last place', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const values = Float32Array.from({ length: 20_000 }, (_, i) => random() * 10 ** ((i % 9) - 6));
  const decoded = decodeVector(encodeVector(values), values.length);
  values.forEach((value, i) => {
    // 11 significant bits for normal halves; subnormals (below 2^-14) keep a fixed 2^-24 step.
    const step = Math.max(2 ** (Math.floor(Math.log2(Math.abs(value))) - 10), 2 ** -24);
    assert.ok(Math.abs(decoded[i]! - value) <= step / 2, `${value} became ${decoded[i]}`);
  });
});

test('float32 vectors of an older catalog are read, and rewritten as float16 a chunk at a time', () => {
  const file = newCatalogFile();
  const catalog = SqliteCatalog.open(file);
  const folder = catalog.addFolder('/photos');
  const model = catalog.registerModel('m@1', 3);
  const ids = ['a.jpg', 'b.jpg', 'c.jpg'].map((name) =>
    catalog.upsertPhoto(photo(folder.id, name)),
  );
  const raw = new Database(file);
  const float32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
  for (const [i, id] of ids.entries()) {
    raw
      .prepare('INSERT INTO vectors (photo_id, model_id, vector) VALUES (?, ?, ?)')
      .run(id, model, float32([i + 0.1, 1, -1]));
  }
  assert.deepEqual(catalog.getVector(ids[0]!, model), new Float32Array([0.1, 1, -1]));
  assert.equal(catalog.compactVectors(model, 2), 2);
  assert.equal(catalog.compactVectors(model, 2), 1);
  assert.equal(catalog.compactVectors(model, 2), 0);
  const sizes = raw.prepare('SELECT length(vector) FROM vectors').pluck().all();
  raw.close();
  assert.deepEqual(sizes, [6, 6, 6]);
  // 0.1 as the nearest float16.
  assert.deepEqual(catalog.getVector(ids[0]!, model), new Float32Array([0.0999755859375, 1, -1]));
  catalog.close();
});

test('settings hold JSON values', () => {
  const catalog = openNew();
  assert.equal(catalog.getSetting('providers'), undefined);
  catalog.setSetting('providers', ['cuda', 'cpu']);
  catalog.setSetting('generation', 3);
  catalog.setSetting('generation', 4);
  assert.deepEqual(catalog.getSetting('providers'), ['cuda', 'cpu']);
  assert.equal(catalog.getSetting('generation'), 4);
  assert.throws(() => catalog.setSetting('nothing', undefined), /not JSON/);
  catalog.deleteSetting('generation');
  catalog.deleteSetting('never-written');
  assert.equal(catalog.getSetting('generation'), undefined);
  assert.deepEqual(catalog.getSetting('providers'), ['cuda', 'cpu']);
  catalog.close();
});

test('a transaction commits together or not at all', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const model = catalog.registerModel('test@1', 2);
  assert.throws(() =>
    catalog.transaction(() => {
      const id = catalog.upsertPhoto(photo(folder.id, 'a.jpg'));
      catalog.putVector(id, model, new Float32Array([1, 0]));
      throw new Error('embedding failed');
    }),
  );
  assert.equal(catalog.listPhotos(0, 10).total, 0);
  const id = catalog.transaction(() => {
    const inserted = catalog.upsertPhoto(photo(folder.id, 'a.jpg'));
    catalog.putVector(inserted, model, new Float32Array([1, 0]));
    return inserted;
  });
  assert.deepEqual(catalog.getVector(id, model), new Float32Array([1, 0]));
  catalog.close();
});

test('everything survives closing and reopening the file; reopening migrates nothing twice', () => {
  const file = newCatalogFile();
  const first = SqliteCatalog.open(file);
  const folder = first.addFolder('/photos');
  const model = first.registerModel('test@1', 2);
  const id = first.upsertPhoto(photo(folder.id, 'a.jpg', { takenAt: '2022-02-02T02:02:02' }));
  first.putVector(id, model, new Float32Array([0.25, 0.75]));
  first.setSetting('modelDir', '/models/clip');
  first.close();

  assert.equal(rawPragma(file, 'journal_mode'), 'wal');
  assert.equal(rawPragma(file, 'user_version'), SCHEMA_VERSION);

  for (let reopen = 0; reopen < 2; reopen++) {
    const catalog = SqliteCatalog.open(file);
    assert.equal(rawPragma(file, 'user_version'), SCHEMA_VERSION);
    assert.equal(catalog.registerModel('test@1', 2), model);
    assert.equal(catalog.getPhoto(id)?.takenAt, '2022-02-02T02:02:02');
    assert.deepEqual(catalog.getVector(id, model), new Float32Array([0.25, 0.75]));
    assert.equal(catalog.getSetting('modelDir'), '/models/clip');
    assert.equal(catalog.listFolders()[0]?.photos, 1);
    catalog.close();
  }
});

test('a catalog from a newer Ferret, or a file that is no catalog, is refused clearly', () => {
  const file = newCatalogFile();
  SqliteCatalog.open(file).close();
  const db = new Database(file);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(
    () => SqliteCatalog.open(file),
    (error: unknown) =>
      error instanceof UserError && /written by a newer version of Ferret/.test(error.message),
  );

  const garbage = path.join(scratch, 'garbage.sqlite');
  writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
  assert.throws(
    () => SqliteCatalog.open(garbage),
    (error: unknown) =>
      error instanceof UserError && /cannot open the catalog .*garbage\.sqlite/.test(error.message),
  );
});

test('checkpoints deferred: the write-ahead log grows until checkpoint copies it, then the interval is back', () => {
  const catalog = openNew();
  const folder = catalog.addFolder('/photos');
  const wal = `${catalog.file}-wal`;
  const walFrames = (): number => statSync(wal).size / (4096 + 24);
  let written = 0;
  /** Small transactions, as a folder's removal commits them. */
  const transactions = (count: number): void => {
    for (let t = 0; t < count; t++) {
      catalog.transaction(() => {
        for (let i = 0; i < 20; i++) catalog.upsertPhoto(photo(folder.id, `p${++written}.jpg`));
      });
    }
  };

  // Deferred twice (two folders removed at once): the log grows past SQLite's 1,000 frames.
  const endFirst = catalog.deferCheckpoints();
  const endSecond = catalog.deferCheckpoints();
  const start = walFrames();
  transactions(50);
  const perTransaction = (walFrames() - start) / 50;
  assert.ok(perTransaction >= 1, `${perTransaction} frames a transaction`);
  const thousand = Math.ceil(1000 / perTransaction);
  endFirst(); // the other deferral still holds
  transactions(2 * thousand);
  const grown = walFrames();
  assert.ok(grown > 2000, `${grown} frames while deferred`);
  catalog.checkpoint();
  transactions(5); // starts the log again from its beginning: the file does not grow
  assert.equal(walFrames(), grown);

  // Both ended (ending twice changes nothing): SQLite copies every 1,000 frames again, and
  // starts the log again after each copy, so three thousand more leave the file as it was.
  endSecond();
  endSecond();
  transactions(3 * thousand);
  assert.equal(walFrames(), grown);
  assert.equal(catalog.listPhotos(0, 1).total, written);
  catalog.close();
});

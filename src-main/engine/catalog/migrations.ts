import type Database from 'better-sqlite3';
import { UserError } from '../../contract/errors.js';

/**
 * The catalog's schema history. Entry i brings the schema to version i + 1 (kept in
 * PRAGMA user_version); a new schema change is one more entry at the end, never an edit of an
 * earlier one, because catalogs in the field already ran those.
 */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'folders, photos, models, vectors, settings',
    sql: `
      CREATE TABLE folders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL,
        polling INTEGER NOT NULL DEFAULT 0 CHECK (polling IN (0, 1)),
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'unavailable')),
        last_error TEXT
      ) STRICT;

      CREATE TABLE photos (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        content_hash TEXT,
        width INTEGER,
        height INTEGER,
        orientation INTEGER,
        format TEXT,
        taken_at TEXT,
        camera_make TEXT,
        camera_model TEXT,
        gps_lat REAL,
        gps_lon REAL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'indexed', 'error')),
        last_error TEXT,
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX photos_by_content_hash ON photos (content_hash);
      CREATE INDEX photos_by_folder ON photos (folder_id);
      CREATE INDEX photos_by_status ON photos (status);
      CREATE INDEX photos_newest_first ON photos (coalesce(taken_at, added_at) DESC, id DESC);

      CREATE TABLE models (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        dimensions INTEGER NOT NULL CHECK (dimensions > 0)
      ) STRICT;

      CREATE TABLE vectors (
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models (id) ON DELETE CASCADE,
        vector BLOB NOT NULL,
        PRIMARY KEY (photo_id, model_id)
      ) STRICT;
      CREATE INDEX vectors_by_model ON vectors (model_id, photo_id);

      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    name: 'jobs: the persisted work queue of the live library',
    // One row per path that needs work, so a burst of events for one file coalesces into one
    // job; `stamp` changes with every re-queue, so finishing a job never drops a newer event.
    sql: `
      CREATE TABLE jobs (
        path TEXT PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('index', 'remove')),
        priority REAL NOT NULL,
        not_before REAL NOT NULL DEFAULT 0,
        stamp INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX jobs_next ON jobs (kind, priority DESC);
      CREATE INDEX jobs_by_folder ON jobs (folder_id);
    `,
  },
  {
    name: 'listing by day: seek paging and the timeline without scanning the photos',
    // The grid's order (taken, else the file's time, else added; newest first) as columns, so
    // one index serves the order, a seek to any day and a camera's photos of a year. An
    // undated photo (screenshot, messenger copy, scan) sorts by its file's time, which is
    // closer to when it was made than when Ferret first saw it and spreads a library's worth
    // of them over their own days instead of one lump. photo_days keeps the count per day in
    // step through triggers: a page at any depth seeks to its day through those counts
    // instead of stepping over every photo before it (OFFSET), and the timeline reads a few
    // thousand rows instead of grouping a million.
    sql: `
      ALTER TABLE photos ADD COLUMN sort_at TEXT GENERATED ALWAYS AS (coalesce(taken_at,
        strftime('%Y-%m-%dT%H:%M:%fZ', mtime_ms / 1000, 'unixepoch'), added_at)) VIRTUAL;
      ALTER TABLE photos ADD COLUMN sort_day TEXT GENERATED ALWAYS AS (substr(coalesce(taken_at,
        strftime('%Y-%m-%dT%H:%M:%fZ', mtime_ms / 1000, 'unixepoch'), added_at), 1, 10)) VIRTUAL;
      DROP INDEX photos_newest_first;
      CREATE INDEX photos_by_day ON photos (sort_day, sort_at, id);
      CREATE INDEX photos_by_camera_day ON photos (camera_model, sort_day, sort_at, id);

      CREATE TABLE photo_days (
        day TEXT PRIMARY KEY,
        count INTEGER NOT NULL CHECK (count > 0)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO photo_days (day, count) SELECT sort_day, count(*) FROM photos GROUP BY sort_day;

      CREATE TRIGGER photo_days_insert AFTER INSERT ON photos BEGIN
        INSERT INTO photo_days (day, count) VALUES (NEW.sort_day, 1)
          ON CONFLICT (day) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER photo_days_delete AFTER DELETE ON photos BEGIN
        DELETE FROM photo_days WHERE day = OLD.sort_day AND count = 1;
        UPDATE photo_days SET count = count - 1 WHERE day = OLD.sort_day;
      END;
      CREATE TRIGGER photo_days_update AFTER UPDATE OF taken_at, mtime_ms, added_at ON photos
        WHEN OLD.sort_day IS NOT NEW.sort_day BEGIN
        DELETE FROM photo_days WHERE day = OLD.sort_day AND count = 1;
        UPDATE photo_days SET count = count - 1 WHERE day = OLD.sort_day;
        INSERT INTO photo_days (day, count) VALUES (NEW.sort_day, 1)
          ON CONFLICT (day) DO UPDATE SET count = count + 1;
      END;
    `,
  },
  {
    name: 'near-duplicate groups beside each vector, kept by triggers on deletion',
    // near_group: NULL while the vector is not yet compared with its neighbours, 0 when it was
    // and has none at the near-identical threshold, else the id of one photo of its group (the
    // smallest when the group formed). A vector that goes or changes sends the rest of its
    // group back to NULL, so only that group is compared again, whatever deleted it (a
    // folder's removal, the watcher, the trash, a cascade from its photo).
    sql: `
      ALTER TABLE vectors ADD COLUMN near_group INTEGER;
      CREATE INDEX vectors_by_near_group ON vectors (model_id, near_group);
      CREATE TRIGGER near_group_delete AFTER DELETE ON vectors WHEN OLD.near_group > 0 BEGIN
        UPDATE vectors SET near_group = NULL
          WHERE model_id = OLD.model_id AND near_group = OLD.near_group;
      END;
      CREATE TRIGGER near_group_change AFTER UPDATE OF vector ON vectors
        WHEN OLD.vector IS NOT NEW.vector BEGIN
        UPDATE vectors SET near_group = NULL
          WHERE photo_id = NEW.photo_id AND model_id = NEW.model_id;
        UPDATE vectors SET near_group = NULL
          WHERE OLD.near_group > 0 AND model_id = NEW.model_id AND near_group = OLD.near_group;
      END;
    `,
  },
  {
    name: 'cameras: the camera filter through an index, the camera list without a scan',
    // The camera filter matches part of make and model together ("Canon" + "Canon EOS R5",
    // "Apple" + "iPhone 12"), which no index serves over the photos. `camera` is that text as
    // a column, indexed with the grid's order, and `cameras` (kept by triggers, as photo_days
    // is) holds each make and model once: the filter matches the few cameras first and then
    // seeks to their photos, and listCameras reads a few rows instead of grouping every photo.
    // A make or model that is absent is '' in `cameras` (a primary key cannot hold NULL);
    // photos that record neither are not a camera.
    sql: `
      ALTER TABLE photos ADD COLUMN camera TEXT GENERATED ALWAYS AS
        (coalesce(camera_make, '') || ' ' || coalesce(camera_model, '')) VIRTUAL;
      DROP INDEX photos_by_camera_day;
      CREATE INDEX photos_by_camera_day ON photos (camera, sort_day, sort_at, id);

      CREATE TABLE cameras (
        make TEXT NOT NULL,
        model TEXT NOT NULL,
        photos INTEGER NOT NULL CHECK (photos > 0),
        PRIMARY KEY (make, model)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO cameras (make, model, photos)
        SELECT coalesce(camera_make, ''), coalesce(camera_model, ''), count(*) FROM photos
        WHERE camera <> ' ' GROUP BY 1, 2;

      CREATE TRIGGER cameras_insert AFTER INSERT ON photos WHEN NEW.camera <> ' ' BEGIN
        INSERT INTO cameras (make, model, photos)
          VALUES (coalesce(NEW.camera_make, ''), coalesce(NEW.camera_model, ''), 1)
          ON CONFLICT (make, model) DO UPDATE SET photos = photos + 1;
      END;
      CREATE TRIGGER cameras_delete AFTER DELETE ON photos WHEN OLD.camera <> ' ' BEGIN
        DELETE FROM cameras WHERE make = coalesce(OLD.camera_make, '')
          AND model = coalesce(OLD.camera_model, '') AND photos = 1;
        UPDATE cameras SET photos = photos - 1 WHERE make = coalesce(OLD.camera_make, '')
          AND model = coalesce(OLD.camera_model, '');
      END;
      CREATE TRIGGER cameras_update AFTER UPDATE OF camera_make, camera_model ON photos
        WHEN OLD.camera IS NOT NEW.camera BEGIN
        DELETE FROM cameras WHERE make = coalesce(OLD.camera_make, '')
          AND model = coalesce(OLD.camera_model, '') AND photos = 1;
        UPDATE cameras SET photos = photos - 1 WHERE make = coalesce(OLD.camera_make, '')
          AND model = coalesce(OLD.camera_model, '');
        INSERT INTO cameras (make, model, photos)
          SELECT coalesce(NEW.camera_make, ''), coalesce(NEW.camera_model, ''), 1
          WHERE NEW.camera <> ' '
          ON CONFLICT (make, model) DO UPDATE SET photos = photos + 1;
      END;
    `,
  },
  {
    name: 'file type, orientation and location filters through indexes',
    // Each of these filters was answered by reading every photo for its count (and, when it
    // keeps few, for its first page too). As columns indexed with the grid's order, each one's
    // count is a range of its index and its page a seek, as the day and camera filters are.
    // `shape` is the orientation as shown (width and height are after the EXIF rotation),
    // NULL for a square photo or one whose size is unknown, which neither choice keeps.
    sql: `
      ALTER TABLE photos ADD COLUMN shape TEXT GENERATED ALWAYS AS (CASE
        WHEN height > width THEN 'portrait' WHEN width > height THEN 'landscape' END) VIRTUAL;
      ALTER TABLE photos ADD COLUMN located INTEGER GENERATED ALWAYS AS
        (gps_lat IS NOT NULL) VIRTUAL;
      CREATE INDEX photos_by_format_day ON photos (format, sort_day, sort_at, id);
      CREATE INDEX photos_by_shape_day ON photos (shape, sort_day, sort_at, id);
      CREATE INDEX photos_by_located_day ON photos (located, sort_day, sort_at, id);
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema up to date. Each step runs in its own immediate (write-locked) transaction
 * and re-reads the version inside it, so two processes opening a new catalog at once cannot
 * both apply the same step.
 */
export function migrate(db: Database.Database, file: string): void {
  const step = db.transaction((): boolean => {
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new UserError(
        `${file} was written by a newer version of Ferret (catalog version ${version}, ` +
          `this one reads up to ${SCHEMA_VERSION}); update Ferret to open it`,
      );
    }
    if (version === SCHEMA_VERSION) return false;
    db.exec(MIGRATIONS[version]!.sql);
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (step.immediate());
}

/** For a read-only open: the catalog must already be at this version (nothing is migrated). */
export function checkSchemaReadable(db: Database.Database, file: string): void {
  const version = schemaVersion(db);
  if (version !== SCHEMA_VERSION) {
    throw new UserError(
      `${file} is at catalog version ${version}, this Ferret reads ${SCHEMA_VERSION}: ` +
        (version > SCHEMA_VERSION
          ? 'update Ferret to open it'
          : 'run ferret index or ferret watch once to bring it up to date'),
    );
  }
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

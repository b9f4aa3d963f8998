import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { after, before, describe, test } from 'node:test';
import { ApiValidationError } from '../../src-main/contract/errors.js';
import { MAX_QUERY_LENGTH } from '../../src-main/contract/api.js';
import {
  METHODS,
  parseDesktopRequest,
  parseRequest,
  requestSchemas,
} from '../../src-main/contract/schemas.js';
import type {
  ApiBackend,
  BundledModel,
  DesktopMethod,
  DesktopRequestOf,
  EngineEvent,
  Method,
  ModelInfo,
  RequestOf,
} from '../../src-main/contract/api.js';
import { MAX_PICTURE_BYTES } from '../../src-main/contract/api.js';
import { createBackend } from '../../src-main/engine/backend.js';
import type { DesktopActions } from '../../src-main/engine/backend.js';
import { Engine } from '../../src-main/engine/engine.js';
import { silentLogger } from '../../src-main/engine/util/logger.js';
import { dispatchCall, dispatchDesktop } from '../../src-main/shell/dispatch.js';
import { connectBackend, serveBackend } from '../../src-main/shell/engine-protocol.js';
import type { PortLike } from '../../src-main/shell/engine-protocol.js';
import { waitFor } from '../helpers/live.js';
import { copyCorpusPhotos } from '../helpers/photo-folder.js';

/** One valid request per method: adding a method to the contract without one fails to compile. */
const VALID: { [M in Method]: RequestOf<M> } = {
  getStatus: {},
  listPhotos: {
    offset: 0,
    limit: 100,
    filter: { from: '2019', to: '2019-06', camera: 'Apple', types: ['heic'] },
    order: 'oldest',
  },
  listMonths: {},
  listDays: {},
  getPhoto: { photoId: 1 },
  listUnreadablePhotos: {},
  getPhotoDetails: { photoId: 2 },
  searchText: { query: 'a dog on a beach' },
  findSimilar: {
    photoId: 3,
    limit: 10,
    filter: { folder: '/home/me/Pictures/2019', orientation: 'portrait', hasLocation: true },
    order: 'newest',
  },
  listCameras: {},
  findSimilarToPicture: { picture: new Uint8Array([0xff, 0xd8, 0xff]), step: 1 },
  findSimilarToPhotos: { photoIds: [3, 4], limit: 10 },
  listFolders: {},
  addFolder: { path: '/home/me/Pictures' },
  removeFolder: { folderId: 2 },
  pauseIndexing: {},
  resumeIndexing: {},
  cancelIndexing: {},
  fetchModel: {},
  useModelFolder: { path: '/opt/models/clip' },
  listBundledModels: {},
  selectBundledModel: { id: 'clip-vit-b-32-int8' },
  getSettings: {},
  updateSettings: { providers: ['cuda', 'cpu'] },
  openPhoto: { photoId: 4 },
  showPhotoInFolder: { photoId: 5 },
  moveToTrash: { photoIds: [6, 7] },
  listDuplicates: { tier: 'near' },
};

const VALID_DESKTOP: { [M in DesktopMethod]: DesktopRequestOf<M> } = {
  showPhotoMenu: { photoId: 7 },
  pickFolder: { purpose: 'photos' },
  openMap: { latitude: 50.87, longitude: 4.69 },
  restartEngine: {},
};

function refuses(method: unknown, args: unknown, pattern: RegExp) {
  assert.throws(
    () => parseRequest(method, args),
    (error: unknown) => error instanceof ApiValidationError && pattern.test(error.message),
  );
}

describe('parseRequest', () => {
  test('accepts one valid request for every method', () => {
    assert.deepEqual(Object.keys(VALID).sort(), [...METHODS].sort());
    for (const method of METHODS) {
      assert.equal(parseRequest(method, VALID[method]).method, method);
    }
  });

  test('fills in defaults and trims queries', () => {
    assert.deepEqual(parseRequest('searchText', { query: '  red car  ' }).args, {
      query: 'red car',
      limit: 60,
      step: 0,
      order: 'relevance',
    });
    assert.deepEqual(parseRequest('getStatus', undefined).args, {});
  });

  test('refuses unknown methods, including inherited property names', () => {
    for (const method of ['deleteEverything', 'toString', '__proto__', 'constructor', '']) {
      refuses(method, {}, /unknown method/);
    }
    refuses(42, {}, /unknown method 42/);
    refuses(null, {}, /unknown method null/);
  });

  test('refuses extra keys, so nothing unvalidated reaches the engine', () => {
    refuses('getStatus', { sql: 'DROP TABLE photos' }, /getStatus/);
    refuses('getPhoto', { photoId: 1, path: '/etc/passwd' }, /getPhoto/);
  });

  test('refuses ids that are not positive integers', () => {
    for (const photoId of [0, -1, 1.5, '1', null, Number.NaN, Infinity]) {
      refuses('getPhoto', { photoId }, /getPhoto/);
    }
    refuses('removeFolder', { folderId: 0 }, /removeFolder/);
  });

  test('refuses out-of-range limits and pages', () => {
    refuses('searchText', { query: 'cat', limit: 501 }, /searchText/);
    refuses('findSimilar', { photoId: 1, limit: 0 }, /findSimilar/);
    refuses('listPhotos', { offset: -1, limit: 10 }, /listPhotos/);
    refuses('listPhotos', { offset: 0, limit: 1001 }, /listPhotos/);
    refuses('listPhotos', { offset: 0 }, /listPhotos/);
  });

  test('cuts search text past the length that is read, and leaves empty text to the engine', () => {
    const long = parseRequest('searchText', { query: 'x'.repeat(1001) }).args as { query: string };
    assert.equal(long.query.length, MAX_QUERY_LENGTH);
    // The engine refuses it with "the search text is empty", not a validation error.
    assert.equal(
      (parseRequest('searchText', { query: '   ' }).args as { query: string }).query,
      '',
    );
    refuses('searchText', { query: 'x'.repeat(MAX_QUERY_LENGTH * 100 + 1) }, /searchText/);
  });

  test('refuses filters and orders the contract does not have', () => {
    refuses('listPhotos', { offset: 0, limit: 10, order: 'relevance' }, /listPhotos/);
    refuses('searchText', { query: 'cat', order: 'random' }, /searchText/);
    refuses('searchText', { query: 'cat', filter: { orientation: 'square' } }, /searchText/);
    refuses('searchText', { query: 'cat', filter: { sql: '1=1' } }, /searchText/);
    refuses('findSimilar', { photoId: 1, filter: { types: [] } }, /findSimilar/);
    refuses('findSimilar', { photoId: 1, filter: { hasLocation: 'yes' } }, /findSimilar/);
  });

  test('refuses empty or huge paths', () => {
    refuses('addFolder', { path: '' }, /addFolder/);
    refuses('addFolder', { path: 'x'.repeat(4097) }, /addFolder/);
    refuses('addFolder', {}, /addFolder/);
  });

  test('takes a picture as bytes only, never empty and never over the size limit', () => {
    for (const picture of ['/etc/passwd', [255, 216, 255], { 0: 255 }, null]) {
      refuses('findSimilarToPicture', { picture }, /findSimilarToPicture/);
    }
    refuses('findSimilarToPicture', { picture: new Uint8Array(0) }, /the picture is empty/);
    refuses(
      'findSimilarToPicture',
      { picture: new Uint8Array(MAX_PICTURE_BYTES + 1) },
      /the picture is 100 MB; Find similar takes pictures of at most 100 MB/,
    );
    const { args } = parseRequest('findSimilarToPicture', { picture: Buffer.from('x') });
    assert.deepEqual(args, { picture: Buffer.from('x'), limit: 60, step: 0, order: 'relevance' });
  });

  test('refuses unknown execution providers and empty provider lists', () => {
    refuses('updateSettings', { providers: ['tpu'] }, /updateSettings/);
    refuses('updateSettings', { providers: [] }, /updateSettings/);
    assert.deepEqual(parseRequest('updateSettings', {}).args, {});
  });

  test('refuses model ids no manifest could have', () => {
    for (const id of ['', 'CLIP', '../clip-vit-b-32', 'clip/int8', '-clip', 'x'.repeat(101)]) {
      refuses('selectBundledModel', { id }, /selectBundledModel/);
    }
    refuses('selectBundledModel', {}, /selectBundledModel/);
    refuses('listBundledModels', { id: 'clip-vit-b-32' }, /listBundledModels/);
  });

  test('schemas exist for exactly the contract methods', () => {
    assert.deepEqual(Object.keys(requestSchemas).sort(), [...METHODS].sort());
  });
});

describe('parseDesktopRequest', () => {
  test('accepts the desktop calls', () => {
    for (const [method, args] of Object.entries(VALID_DESKTOP)) {
      assert.equal(parseDesktopRequest(method, args).method, method);
    }
  });

  test('refuses engine methods, unknown purposes and bad ids', () => {
    assert.throws(() => parseDesktopRequest('getStatus', {}), ApiValidationError);
    assert.throws(() => parseDesktopRequest('pickFolder', { purpose: 'etc' }), ApiValidationError);
    assert.throws(() => parseDesktopRequest('showPhotoMenu', { photoId: -3 }), ApiValidationError);
    assert.throws(() => parseDesktopRequest('toString', {}), ApiValidationError);
  });
});

/** A real engine on an empty temporary library (no model: calls that need none still work). */
async function openEngine(libraryDir: string, desktop?: DesktopActions) {
  const engine = await Engine.open({ libraryDir, logger: silentLogger });
  const backend = createBackend(engine, desktop);
  return {
    engine,
    backend,
    async close() {
      await backend.close();
      await engine.close();
    },
  };
}

describe('dispatchCall (what main does with each renderer call)', () => {
  let dir: string;
  let opened: Awaited<ReturnType<typeof openEngine>>;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferret-ipc-'));
    opened = await openEngine(path.join(dir, 'library'));
  });
  after(async () => {
    await opened.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('forwards a valid call and returns the engine answer', async () => {
    const outcome = await dispatchCall(opened.backend, 'getStatus', {});
    assert.equal(outcome.ok, true);
    assert.equal(outcome.ok && (outcome.value as { photos: number }).photos, 0);
  });

  test('turns invalid calls into a clear message and never reaches the engine', async () => {
    const outcome = await dispatchCall(opened.backend, 'addFolder', { path: dir, extra: 1 });
    assert.equal(outcome.ok, false);
    assert.match(!outcome.ok ? outcome.error : '', /^invalid request: addFolder: /);
    assert.deepEqual(opened.engine.listFolders(), []);
  });

  test('passes engine refusals through as their message', async () => {
    const missing = path.join(dir, 'no-such-folder');
    const outcome = await dispatchCall(opened.backend, 'addFolder', { path: missing });
    assert.deepEqual(outcome, { ok: false, error: `${missing} does not exist` });
  });

  test('lists the bundled models and selects one; an unknown id is refused', async () => {
    const listed = await dispatchCall(opened.backend, 'listBundledModels', {});
    assert.deepEqual(
      listed.ok && (listed.value as BundledModel[]).map(({ id, selected }) => [id, selected]),
      [
        ['clip-vit-b-32', true],
        ['clip-vit-b-32-int8', false],
        ['clip-vit-b-32-multilingual', false],
      ],
    );
    assert.deepEqual(await dispatchCall(opened.backend, 'selectBundledModel', { id: 'clip-l' }), {
      ok: false,
      error:
        'no bundled model "clip-l" (one of: clip-vit-b-32, clip-vit-b-32-int8, clip-vit-b-32-multilingual)',
    });
    const selected = await dispatchCall(opened.backend, 'selectBundledModel', {
      id: 'clip-vit-b-32-int8',
    });
    assert.equal(selected.ok && (selected.value as ModelInfo).id, 'clip-vit-b-32-int8');
    const status = await opened.backend.handle('getStatus', {});
    assert.equal(status.model.id, 'clip-vit-b-32-int8');
    assert.equal(status.model.problem?.code, 'not-installed');
  });

  test('desktop calls are validated before any native UI runs', async () => {
    const asked: string[] = [];
    const handlers = {
      showPhotoMenu: async () => (asked.push('menu'), 'open' as const),
      pickFolder: async ({ purpose }: { purpose: 'photos' | 'model' }) => (
        asked.push(purpose),
        null
      ),
      openMap: async () => (asked.push('map'), { opened: true }),
      restartEngine: async () => (asked.push('restart'), null),
    };
    assert.deepEqual(await dispatchDesktop(handlers, 'pickFolder', { purpose: 'model' }), {
      ok: true,
      value: null,
    });
    const refused = await dispatchDesktop(handlers, 'showPhotoMenu', { photoId: 'x' });
    assert.equal(refused.ok, false);
    // A map is opened for a position only, never for an address the page makes up.
    const url = { latitude: 1, longitude: 2, url: 'https://evil.example' };
    assert.equal((await dispatchDesktop(handlers, 'openMap', url)).ok, false);
    assert.equal(
      (await dispatchDesktop(handlers, 'openMap', { latitude: 91, longitude: 0 })).ok,
      false,
    );
    assert.deepEqual(asked, ['model']);
  });
});

function nodePort(port: MessagePort): PortLike {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage: (listener) => port.on('message', listener),
  };
}

describe('engine host protocol (main ↔ utilityProcess) over a real message channel', () => {
  let dir: string;
  let channel: MessageChannel;
  let remote: ReturnType<typeof connectBackend>;
  const opened: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ferret-host-'));
    channel = new MessageChannel();
    serveBackend(nodePort(channel.port2), async (desktop) => {
      const { backend, close } = await openEngine(path.join(dir, 'library'), desktop);
      return {
        handle: (method, args) => backend.handle(method, args),
        subscribe: (listener) => backend.subscribe(listener),
        media: (kind, photoId) => backend.media(kind, photoId),
        close,
      };
    });
    remote = connectBackend(nodePort(channel.port1), {
      openPath: async (file) => (opened.push(file), true),
      showInFolder: async () => false,
    });
    await remote.ready;
  });
  after(async () => {
    channel.port1.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('answers calls and streams events', async () => {
    const events: EngineEvent[] = [];
    const unsubscribe = remote.subscribe((event) => events.push(event));
    const photosDir = path.join(dir, 'photos');
    await copyCorpusPhotos(photosDir, 2);
    const folder = await remote.handle('addFolder', { path: photosDir });
    assert.equal(folder.status, 'ok');
    const folders = await remote.handle('listFolders', {});
    assert.deepEqual(
      folders.map((entry) => entry.id),
      [folder.id],
    );
    await waitFor(
      () => events.some((event) => event.type === 'library-changed'),
      'a library-changed event',
      20_000,
    );
    unsubscribe();
  });

  test('carries engine errors back as rejections with the same message', async () => {
    await assert.rejects(remote.handle('getPhoto', { photoId: 999_999 }), {
      message: 'no photo with id 999999',
    });
    assert.equal(await remote.media('photo', 999_999), null);
  });

  test('a picture crosses to the engine as bytes', async () => {
    // No model in this library: the engine's own refusal (not a lost or mangled call) comes back.
    await assert.rejects(
      remote.handle('findSimilarToPicture', {
        picture: new Uint8Array([0xff, 0xd8, 0xff]),
        limit: 5,
        step: 0,
        order: 'relevance',
      }),
      { message: /model/ },
    );
  });

  test('desktop actions asked by the engine run in main', async () => {
    const photos = await waitForPhotos(remote);
    const result = await remote.handle('openPhoto', { photoId: photos[0]!.id });
    assert.deepEqual(result, { opened: true });
    assert.deepEqual(opened, [photos[0]!.path]);
    assert.deepEqual(await remote.handle('showPhotoInFolder', { photoId: photos[0]!.id }), {
      shown: false,
    });
  });

  test('shutdown closes the engine; later calls fail clearly once disconnected', async () => {
    // Let the background indexing finish first: this checks the wire, not abort timing.
    await waitFor(
      async () => (await remote.handle('getStatus', {})).indexing.state === 'idle',
      'indexing to finish',
    );
    await remote.shutdown();
    remote.disconnected('the engine stopped');
    await assert.rejects(remote.handle('getStatus', {}), { message: 'the engine stopped' });
  });
});

async function waitForPhotos(backend: ApiBackend) {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { items } = await backend.handle('listPhotos', { offset: 0, limit: 10 });
    if (items.length > 0) return items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no photos were catalogued');
}

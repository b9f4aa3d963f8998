import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { ModelDownloadProgress } from '../../src-main/contract/api.js';
import {
  DownloadError,
  downloadFile,
  partPathOf,
  type DownloadProgress,
} from '../../src-main/engine/embedder/download.js';
import {
  MODEL_MANIFEST_FILE,
  parseModelManifest,
  readModelManifest,
  type ModelManifest,
} from '../../src-main/engine/embedder/manifest.js';
import {
  fetchModel,
  findModelFolder,
  modelFolderStatus,
  verifyModelFolder,
} from '../../src-main/engine/embedder/model-store.js';

import { RANDOM_WEIGHT_RELEVANCE } from '../models/make-test-model.js';
/**
 * A real HTTP server on 127.0.0.1 with three behaviours per path prefix:
 *   /range/<name>     honours `Range: bytes=N-` (206, or 416 past the end)
 *   /no-range/<name>  always answers 200 with the whole file
 *   /drop/<name>      like /range, but the first request for a name dies halfway through
 */
interface LoggedRequest {
  path: string;
  range: string | undefined;
}

const files = new Map<string, Buffer>();
const requests: LoggedRequest[] = [];
const dropped = new Set<string>();
let server: http.Server;
let baseUrl: string;
let tmp: string;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function serve(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = request.url ?? '';
  requests.push({ path: url, range: request.headers.range });
  const [, mode, name] = url.split('/');
  const body = files.get(name ?? '');
  if (body === undefined) {
    response.writeHead(404).end();
    return;
  }
  if (mode === 'drop' && !dropped.has(name!)) {
    dropped.add(name!);
    response.writeHead(200, { 'content-length': body.length });
    response.write(body.subarray(0, body.length / 2), () => response.socket?.destroy());
    return;
  }
  const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
  if (mode === 'no-range' || start === 0) {
    response.writeHead(200, { 'content-length': body.length }).end(body);
  } else if (start >= body.length) {
    response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
  } else {
    response
      .writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      })
      .end(body.subarray(start));
  }
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ferret-download-'));
  files.set('big.bin', randomBytes(3 * 1024 * 1024 + 123));
  files.set('vision.onnx', randomBytes(300_000));
  files.set('text.onnx', randomBytes(200_000));
  files.set('tokenizer.json', Buffer.from(JSON.stringify({ model: 'tiny' })));
  server = http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(tmp, { recursive: true, force: true });
});

const big = () => files.get('big.bin')!;

async function freshDir(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

test('downloads a whole file, reports progress and verifies it', async () => {
  const dest = path.join(await freshDir('full'), 'big.bin');
  const progress: DownloadProgress[] = [];
  await downloadFile({
    url: `${baseUrl}/range/big.bin`,
    dest,
    sha256: sha256(big()),
    onProgress: (update) => progress.push(update),
  });
  assert.ok((await fs.readFile(dest)).equals(big()));
  assert.equal(existsSync(partPathOf(dest)), false);
  assert.ok(progress.length > 1);
  assert.deepEqual(progress.at(-1), { receivedBytes: big().length, totalBytes: big().length });
});

test('an interrupted transfer keeps its part and resumes it with a Range request', async () => {
  const dest = path.join(await freshDir('resume'), 'big.bin');
  const options = { url: `${baseUrl}/drop/big.bin`, dest, sha256: sha256(big()) };

  await assert.rejects(downloadFile(options), (error: Error) => {
    assert.ok(error instanceof DownloadError);
    assert.match(error.message, /^could not download http:\/\/127\.0\.0\.1:\d+\/drop\/big\.bin: /);
    return true;
  });
  assert.equal(existsSync(dest), false);
  const partSize = (await fs.stat(partPathOf(dest))).size;
  assert.ok(partSize > 0 && partSize < big().length, `part holds ${partSize} bytes`);

  const before = requests.length;
  await downloadFile(options);
  assert.deepEqual(requests.slice(before), [
    { path: '/drop/big.bin', range: `bytes=${partSize}-` },
  ]);
  assert.ok((await fs.readFile(dest)).equals(big()));
  assert.equal(existsSync(partPathOf(dest)), false);
});

test('a part that already holds the whole file (416) is verified and kept', async () => {
  const dest = path.join(await freshDir('complete-part'), 'big.bin');
  await fs.writeFile(partPathOf(dest), big());
  await downloadFile({ url: `${baseUrl}/range/big.bin`, dest, sha256: sha256(big()) });
  assert.equal(requests.at(-1)?.range, `bytes=${big().length}-`);
  assert.ok((await fs.readFile(dest)).equals(big()));
});

test('a server without Range support restarts the file from the beginning', async () => {
  const dest = path.join(await freshDir('no-range'), 'big.bin');
  await fs.writeFile(partPathOf(dest), randomBytes(1000));
  await downloadFile({ url: `${baseUrl}/no-range/big.bin`, dest, sha256: sha256(big()) });
  assert.equal(requests.at(-1)?.range, 'bytes=1000-');
  assert.ok((await fs.readFile(dest)).equals(big()));
});

test('a checksum mismatch discards the download and leaves no file', async () => {
  const dest = path.join(await freshDir('mismatch'), 'big.bin');
  const wrong = sha256(Buffer.from('something else'));
  await assert.rejects(
    downloadFile({ url: `${baseUrl}/range/big.bin`, dest, sha256: wrong }),
    (error: Error) => {
      assert.ok(error instanceof DownloadError);
      assert.match(error.message, /is not the expected file \(sha256 [0-9a-f]{64}, expected /);
      return true;
    },
  );
  assert.equal(existsSync(dest), false);
  assert.equal(existsSync(partPathOf(dest)), false);
});

test('an HTTP error is reported with its status', async () => {
  const dest = path.join(await freshDir('missing'), 'nothing.bin');
  await assert.rejects(
    downloadFile({ url: `${baseUrl}/range/nothing.bin`, dest, sha256: sha256(big()) }),
    /could not download .*nothing\.bin: the server answered HTTP 404/,
  );
});

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('an unreachable server gives a clear one-line error', async () => {
  const dest = path.join(await freshDir('offline'), 'big.bin');
  const url = `http://127.0.0.1:${await closedPort()}/big.bin`;
  await assert.rejects(downloadFile({ url, dest, sha256: sha256(big()) }), (error: Error) => {
    assert.ok(error instanceof DownloadError);
    assert.equal(
      error.message,
      `could not download ${url}: connect ECONNREFUSED ${new URL(url).host} (are you offline?)`,
    );
    return true;
  });
});

test('aborting stops the transfer and keeps the part for later', async () => {
  const dest = path.join(await freshDir('abort'), 'big.bin');
  const controller = new AbortController();
  await assert.rejects(
    downloadFile({
      url: `${baseUrl}/range/big.bin`,
      dest,
      sha256: sha256(big()),
      signal: controller.signal,
      onProgress: ({ receivedBytes }) => {
        if (receivedBytes > 0) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.equal(existsSync(dest), false);
  assert.ok(existsSync(partPathOf(dest)));
});

function tinyManifest(mode = 'range'): ModelManifest {
  const entry = (name: string) => ({
    path: name,
    url: `${baseUrl}/${mode}/${name}`,
    sha256: sha256(files.get(name)!),
    bytes: files.get(name)!.length,
  });
  return parseModelManifest(
    {
      id: 'tiny-test',
      name: 'Tiny test model',
      dimensions: 4,
      files: [entry('vision.onnx'), entry('text.onnx'), entry('tokenizer.json')],
      image: {
        file: 'vision.onnx',
        input: 'pixel_values',
        output: 'image_embeds',
        size: 8,
        mean: [0.5, 0.5, 0.5],
        std: [0.5, 0.5, 0.5],
      },
      text: {
        file: 'text.onnx',
        input: 'input_ids',
        output: 'text_embeds',
        tokenizer: 'tokenizer.json',
        contextLength: 77,
        padTokenId: 0,
      },
      relevance: RANDOM_WEIGHT_RELEVANCE,
    },
    'tiny test manifest',
  );
}

test('fetchModel fills a folder, writes the manifest last and skips verified files', async () => {
  const dir = path.join(tmp, 'model');
  const before = await findModelFolder(dir);
  assert.deepEqual(before, { problem: { code: 'not-installed', dir } });

  const manifest = tinyManifest();
  const progress: ModelDownloadProgress[] = [];
  const fetched = await fetchModel({
    manifest,
    dir,
    onProgress: (update) => progress.push(update),
  });
  assert.deepEqual(fetched, { manifest, dir });
  for (const name of ['vision.onnx', 'text.onnx', 'tokenizer.json']) {
    assert.ok((await fs.readFile(path.join(dir, name))).equals(files.get(name)!));
    const states = progress.filter((update) => update.file === name);
    // Nothing was there to check: the first word on a missing file is its download.
    assert.deepEqual(states[0], {
      file: name,
      state: 'downloading',
      receivedBytes: 0,
      totalBytes: files.get(name)!.length,
      error: null,
    });
    assert.deepEqual(states.at(-1)?.state, 'done');
    assert.deepEqual(states.at(-1)?.receivedBytes, files.get(name)!.length);
  }
  assert.deepEqual(readModelManifest(path.join(dir, MODEL_MANIFEST_FILE)), manifest);
  assert.deepEqual(await findModelFolder(dir), { manifest, dir });

  const requestsBefore = requests.length;
  const again: ModelDownloadProgress[] = [];
  await fetchModel({ manifest, dir, onProgress: (update) => again.push(update) });
  assert.equal(requests.length, requestsBefore, 'a complete folder is not downloaded again');
  assert.deepEqual(
    again.map((update) => [update.file, update.state, update.receivedBytes]),
    manifest.files.flatMap((file) => [
      [file.path, 'verifying', files.get(file.path)!.length],
      [file.path, 'done', files.get(file.path)!.length],
    ]),
  );
});

test('verifyModelFolder finds a corrupted file and fetchModel repairs only that one', async () => {
  const manifest = tinyManifest();
  const dir = path.join(tmp, 'corrupt');
  await fetchModel({ manifest, dir });

  const text = path.join(dir, 'text.onnx');
  const damaged = Buffer.from(files.get('text.onnx')!);
  damaged[1234] ^= 0xff;
  await fs.writeFile(text, damaged);
  await fs.rm(path.join(dir, 'tokenizer.json'));

  const checks = await verifyModelFolder(dir, manifest);
  assert.deepEqual(
    checks.map((check) => [check.path, check.status]),
    [
      ['vision.onnx', 'ok'],
      ['text.onnx', 'mismatch'],
      ['tokenizer.json', 'missing'],
    ],
  );
  assert.equal(checks[1]!.sha256, sha256(damaged));
  assert.equal(checks[1]!.expectedSha256, sha256(files.get('text.onnx')!));
  assert.deepEqual(
    (await modelFolderStatus(dir, manifest)).map((status) => status.status),
    ['present', 'present', 'missing'],
  );
  const found = await findModelFolder(dir);
  assert.deepEqual(found, {
    problem: { code: 'incomplete', dir, files: [{ path: 'tokenizer.json', status: 'missing' }] },
  });

  const requestsBefore = requests.length;
  await fetchModel({ manifest, dir });
  assert.deepEqual(
    requests.slice(requestsBefore).map((request) => request.path),
    ['/range/text.onnx', '/range/tokenizer.json'],
  );
  assert.ok((await fs.readFile(text)).equals(files.get('text.onnx')!));
  assert.ok((await verifyModelFolder(dir, manifest)).every((check) => check.status === 'ok'));
  assert.deepEqual(await findModelFolder(dir), { manifest, dir });
});

test('fetchModel resumes after dropped connections and only then marks the folder complete', async () => {
  const manifest = tinyManifest('drop');
  const dir = path.join(tmp, 'dropped');
  // The server kills the first transfer of every file, so each attempt gets one file further.
  for (const file of manifest.files) {
    await assert.rejects(fetchModel({ manifest, dir }), DownloadError);
    assert.ok(existsSync(partPathOf(path.join(dir, file.path))), `${file.path}.part is kept`);
    assert.equal(existsSync(path.join(dir, MODEL_MANIFEST_FILE)), false);
  }
  await fetchModel({ manifest, dir });
  assert.deepEqual(await findModelFolder(dir), { manifest, dir });
  assert.ok((await verifyModelFolder(dir, manifest)).every((check) => check.status === 'ok'));
});

test('a file without a download address is a clear error', async () => {
  const manifest = tinyManifest();
  const withoutUrl = {
    ...manifest,
    files: manifest.files.map(({ url, ...file }) =>
      file.path === 'text.onnx' ? file : { ...file, url },
    ),
  };
  await assert.rejects(
    fetchModel({ manifest: withoutUrl, dir: path.join(tmp, 'no-url') }),
    /Tiny test model: no download address for text\.onnx; put the file\(s\) into .*no-url yourself/,
  );
});

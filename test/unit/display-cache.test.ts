import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DisplayCache } from '../../src-main/engine/library/display-cache.js';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import { tempDir } from '../helpers/fixtures.js';

const hash = (name: string) => sha256OfBytes(name);

async function keptCopies(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  return names.filter((name) => name.endsWith('.jpg')).map((name) => path.basename(name, '.jpg'));
}

test('copies are made once, kept, and the folder stays within its bound', async () => {
  const dir = await tempDir('display-cache');
  try {
    const cache = new DisplayCache(dir, { writable: true, maxBytes: 250 });
    let made = 0;
    const make = () => {
      made++;
      return Promise.resolve(Buffer.alloc(100, made));
    };
    // The viewer and its preloading ask at once: one decode.
    const [first, again] = await Promise.all([
      cache.get(hash('a'), make),
      cache.get(hash('a'), make),
    ]);
    assert.equal(made, 1);
    assert.deepEqual(again, first);
    await cache.get(hash('b'), make);
    // 'a' is used again, so 'b' is the one used longest ago when 'c' passes the bound.
    assert.deepEqual(await cache.get(hash('a'), make), first);
    assert.equal(made, 2, 'served from the folder');
    await cache.get(hash('c'), make);
    assert.deepEqual((await keptCopies(dir)).sort(), [hash('a'), hash('c')].sort());
    // A new process finds the copies on disk and keeps counting them.
    const reopened = new DisplayCache(dir, { writable: true, maxBytes: 250 });
    await reopened.get(hash('d'), make);
    assert.equal((await keptCopies(dir)).length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a library that cannot be written still gets its copies, made each time', async () => {
  const dir = await tempDir('display-cache-read-only');
  try {
    const cache = new DisplayCache(dir, { writable: false });
    let made = 0;
    const make = () => Promise.resolve(Buffer.from(`copy ${++made}`));
    assert.equal(String(await cache.get(hash('a'), make)), 'copy 1');
    assert.equal(String(await cache.get(hash('a'), make)), 'copy 2');
    assert.deepEqual(await keptCopies(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TextTokenizer } from '../../src-main/engine/embedder/tokenizer.js';

const clipDir = path.resolve(import.meta.dirname, '../../../shared/clip');
const golden: { text: string; ids: number[] }[] = JSON.parse(
  readFileSync(path.join(clipDir, 'golden/tokens.json'), 'utf8'),
);
const tokenizer = TextTokenizer.fromFile(path.join(clipDir, 'tokenizer.json'), {
  contextLength: 77,
  padTokenId: 49407,
});

test('reproduces the reference CLIP token ids for every golden text', () => {
  assert.equal(golden.length, 34);
  for (const { text, ids } of golden) {
    assert.deepEqual(tokenizer.encode(text), ids, JSON.stringify(text));
  }
});

test('long texts are cut to the context and keep the end token', () => {
  const ids = tokenizer.encode('mountains and lakes '.repeat(60));
  assert.equal(ids.length, 77);
  assert.equal(ids[0], 49406);
  assert.equal(ids[76], 49407);
});

test('a batch is padded with the pad token and masked', () => {
  const batch = tokenizer.encodeBatch(['a photo of a cat', '北京的长城']);
  assert.equal(batch.ids.length, 2 * 77);
  const first = Array.from(batch.ids.subarray(0, 77), Number);
  assert.deepEqual(first.slice(0, 7), [49406, 320, 1125, 539, 320, 2368, 49407]);
  assert.ok(first.slice(7).every((id) => id === 49407));
  const firstMask = Array.from(batch.attentionMask.subarray(0, 77), Number);
  assert.equal(
    firstMask.reduce((a, b) => a + b),
    7,
  );
  const secondMask = Array.from(batch.attentionMask.subarray(77), Number);
  assert.equal(
    secondMask.reduce((a, b) => a + b),
    16,
  );
});

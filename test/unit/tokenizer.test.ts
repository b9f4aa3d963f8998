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

test('a batch is padded with the pad token to its longest text, and masked', () => {
  const batch = tokenizer.encodeBatch(['a photo of a cat', '北京的长城']);
  assert.equal(batch.length, 16);
  const rows = (values: BigInt64Array) =>
    [values.subarray(0, 16), values.subarray(16)].map((row) => Array.from(row, Number));
  const [first, second] = rows(batch.ids);
  assert.deepEqual(first, [49406, 320, 1125, 539, 320, 2368, ...new Array(10).fill(49407)]);
  assert.deepEqual(second, tokenizer.encode('北京的长城'));
  const [firstMask, secondMask] = rows(batch.attentionMask);
  assert.deepEqual(firstMask, [...new Array(7).fill(1), ...new Array(9).fill(0)]);
  assert.deepEqual(secondMask, new Array(16).fill(1));
});

test('a batch padded to the context holds each golden text then pad tokens', () => {
  const batch = tokenizer.encodeBatch(
    golden.map(({ text }) => text),
    77,
  );
  assert.equal(batch.length, 77);
  golden.forEach(({ text, ids }, row) => {
    const padded = Array.from(batch.ids.subarray(row * 77, (row + 1) * 77), Number);
    assert.deepEqual(padded, [...ids, ...new Array(77 - ids.length).fill(49407)], text);
  });
  assert.throws(() => tokenizer.encodeBatch(['a photo of a cat'], 5), /cannot pad 7 tokens to 5/);
  assert.throws(() => tokenizer.encodeBatch(['a photo of a cat'], 78), /context of 77/);
});

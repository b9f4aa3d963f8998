import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { sha256OfBytes } from '../../src-main/engine/util/sha256.js';
import {
  IMAGE_EXTENSIONS,
  isImagePath,
  rawFormatOf,
} from '../../src-main/engine/media/image-files.js';
import { corpusDir } from '../helpers/corpus.js';

test('isImagePath accepts photo extensions in any case', () => {
  const names = ['a.jpg', 'b.JPEG', 'c.Png', 'd.webp', 'e.tif', 'f.TIFF', 'g.avif', 'h.gif'];
  for (const name of [...names, 'IMG_0001.HEIC', 'i.heif', 'DSC_0001.NEF', 'j.cr3', 'k.dng']) {
    assert.ok(isImagePath(path.join('/photos', name)), name);
  }
  for (const extension of IMAGE_EXTENSIONS) assert.ok(isImagePath(`x.${extension}`), extension);
});

test('isImagePath rejects other files and hidden ones', () => {
  const others = ['notes.txt', 'clip.mp4', 'clip.mov', 'raw.xmp', 'jpg', 'photo.jpg.part', 'a/b'];
  const hidden = ['.jpg', '._IMG_0001.JPG', '/photos/.thumb.png'];
  for (const name of [...others, ...hidden]) assert.equal(isImagePath(name), false, name);
});

test('rawFormatOf names camera RAW files by their extension and nothing else', () => {
  assert.equal(rawFormatOf('/photos/IMG_0001.CR2'), 'cr2');
  assert.equal(rawFormatOf('DSCF0001.raf'), 'raf');
  for (const name of ['a.jpg', 'b.heic', 'c.tif', 'cr2', '']) assert.equal(rawFormatOf(name), null);
});

test('sha256OfBytes is the sha256 that sha256sum gives', async () => {
  const dir = await corpusDir();
  const lines = (await readFile(path.join(dir, 'MANIFEST.sha256'), 'utf8')).trim().split('\n');
  for (const line of lines.slice(0, 5)) {
    const [expected, name] = line.split(/\s+/);
    assert.equal(sha256OfBytes(await readFile(path.join(dir, name))), expected, name);
  }
  assert.equal(
    sha256OfBytes(Buffer.alloc(0)),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

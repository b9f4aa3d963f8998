import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { corpusDir, FORMATS_DIR } from '../helpers/corpus.js';
import { run } from '../helpers/disk.js';

/**
 * A generator of hostile files: what a photo folder can hold that is not a photo, or is one
 * built to hurt whatever reads it. Each file says what it is and what a user should be told
 * about it; files that hold a good photo behind hostile metadata say so, since they must be
 * indexed like any other photo.
 */

export interface HostileFile {
  /** The file's name inside the folder. */
  name: string;
  /** What it is, for a test's messages. */
  what: string;
  /** What the one-line reason must say; null for a good photo that must be indexed. */
  reason: RegExp | null;
}

export interface HostileFolder {
  dir: string;
  files: HostileFile[];
  /** Files a scan must never read at all (not photo names: an .svg), with what they are. */
  ignored: HostileFile[];
}

const NOT_AN_IMAGE = /^not an image \(unrecognised format\)$/;
const AN_SVG = /^not a photo format Ferret reads \(svg\)$/;
const TRUNCATED = /^corrupt or truncated image: /;
const TOO_LARGE = /image too large: 60000x60000 pixels exceeds the 268 megapixel limit/;
const NOT_A_FILE = /is not a regular file \((a FIFO|a device)\)$/;

/**
 * Writes the hostile files into `dir` (made if missing). `port` is one a test listens on and
 * `outsideFile` one it watches, outside `dir`: the SVGs reference both, so a connection there
 * or a read of that file proves that something followed what a file pointed at.
 */
export async function writeHostileFiles(
  dir: string,
  { port, outsideFile }: { port: number; outsideFile: string },
): Promise<HostileFolder> {
  const outside = pathToFileURL(outsideFile).href;
  await mkdir(dir, { recursive: true });
  const files: HostileFile[] = [];
  const ignored: HostileFile[] = [];
  const add = async (name: string, bytes: Buffer | string, what: string, reason: RegExp | null) => {
    await writeFile(path.join(dir, name), bytes);
    files.push({ name, what, reason });
  };

  // Pixel bombs: a few hundred bytes that declare 3.6 gigapixels, and a decompression bomb.
  const tiny = await sharp({
    create: { width: 16, height: 16, channels: 3, background: '#3a7' },
  })
    .jpeg()
    .toBuffer();
  await add(
    'bomb-60000.jpg',
    withJpegSize(tiny, 60000, 60000),
    'a JPEG declaring 60000x60000',
    TOO_LARGE,
  );
  await add('bomb-60000.png', pngDeclaring(60000, 60000), 'a PNG declaring 60000x60000', TOO_LARGE);
  await add(
    'bomb-deflate.png',
    zeroPng(16000, 16000),
    'a 30 KB PNG that inflates to 16000x16000 pixels, just under the pixel limit',
    null,
  );

  // A real HEIC whose header (its image spatial extents box) declares another size: past the
  // limit, and just under it around a 451x461 picture (the decoder must not trust it).
  const rainbow = await readFile(path.join(FORMATS_DIR, 'heic', 'libheif-rainbow-451x461.heic'));
  await add(
    'bomb-60000.heic',
    withHeifSize(rainbow, 60000),
    'a HEIC declaring 60000x60000',
    TOO_LARGE,
  );
  await add(
    'bomb-16000.heic',
    withHeifSize(rainbow, 16000),
    'a 451x461 HEIC declaring 16000x16000',
    /^corrupt or truncated HEIC: .*size/,
  );

  // Truncations of real photos at three cut points each.
  const corpus = await corpusDir();
  const originals: [string, Buffer][] = [
    ['jpg', await readFile(path.join(corpus, 'opencv-fruits.jpg'))],
    ['png', await readFile(path.join(corpus, 'opencv-smarties.png'))],
    ['heic', await readFile(path.join(FORMATS_DIR, 'heic', 'opencv-leuvenA.heic'))],
  ];
  for (const [extension, bytes] of originals) {
    const cuts: [string, number][] = [
      ['header-only', headerEnd(extension, bytes)],
      ['mid-scan', Math.floor(bytes.length / 2)],
      ['last-bytes-missing', bytes.length - 16],
    ];
    for (const [cut, length] of cuts) {
      await add(
        `truncated-${cut}.${extension}`,
        bytes.subarray(0, length),
        `a ${extension.toUpperCase()} cut ${cut} (${length} of ${bytes.length} bytes)`,
        TRUNCATED,
      );
    }
  }

  // EXIF whose IFD chain loops back on itself or claims more entries than there are bytes:
  // the pixels are a good photo, so it must be indexed, its metadata read no further.
  const good = await sharp(path.join(corpus, 'opencv-baboon.jpg')).resize(256).jpeg().toBuffer();
  await add(
    'exif-ifd-loop.jpg',
    withExif(good, exifWithLoop()),
    'EXIF whose next IFD is itself',
    null,
  );
  await add(
    'exif-subifd-loop.jpg',
    withExif(await sharp(good).flop().jpeg().toBuffer(), exifWithSubIfdLoop()),
    'EXIF whose Exif sub-IFD points back at IFD0',
    null,
  );
  await add(
    'exif-count-past-end.jpg',
    withExif(await sharp(good).flip().jpeg().toBuffer(), exifWithCountPastEnd()),
    'EXIF whose IFD claims 65535 entries in a 40-byte block',
    null,
  );

  // SVGs reaching outside: a local file, this machine's network, and external XML entities.
  const svgs: [string, string][] = [
    [
      'outside-file',
      svg(
        `<image href="${outside}" width="10" height="10"/>` +
          `<image xlink:href="${outsideFile}" width="10" height="10"/>` +
          '<image href="file:///etc/passwd" width="10" height="10"/>',
      ),
    ],
    [
      'outside-http',
      svg(
        `<style>@import url(http://127.0.0.1:${port}/style.css);</style>` +
          `<image href="http://127.0.0.1:${port}/pixel.png" width="10" height="10"/>`,
      ),
    ],
    [
      'xxe',
      `<?xml version="1.0"?>\n<!DOCTYPE svg [\n` +
        `  <!ENTITY passwd SYSTEM "file:///etc/passwd">\n` +
        `  <!ENTITY outside SYSTEM "${outside}">\n` +
        `  <!ENTITY remote SYSTEM "http://127.0.0.1:${port}/entity">\n]>\n` +
        svg('<text x="0" y="10">&passwd;&outside;&remote;</text>'),
    ],
    [
      'billion-laughs',
      `<?xml version="1.0"?>\n<!DOCTYPE svg [\n  <!ENTITY a "lol">\n` +
        Array.from(
          { length: 9 },
          (_, i) => `  <!ENTITY ${'bcdefghij'[i]} "${`&${'abcdefghi'[i]};`.repeat(10)}">\n`,
        ).join('') +
        ']>\n' +
        svg('<text x="0" y="10">&j;</text>'),
    ],
  ];
  for (const [name, text] of svgs) {
    await writeFile(path.join(dir, `${name}.svg`), text);
    ignored.push({ name: `${name}.svg`, what: `an SVG (${name})`, reason: null });
    await add(`${name}-svg.jpg`, text, `an SVG (${name}) named .jpg`, AN_SVG);
  }

  // Things that are not files under photo names.
  const fifo = path.join(dir, 'fifo.jpg');
  if (run('mkfifo', [fifo]) === null)
    files.push({ name: 'fifo.jpg', what: 'a FIFO', reason: NOT_A_FILE });
  await symlink('/dev/zero', path.join(dir, 'zero.jpg'));
  files.push({ name: 'zero.jpg', what: 'a link to /dev/zero', reason: NOT_A_FILE });
  await symlink('/dev/urandom', path.join(dir, 'urandom.png'));
  files.push({ name: 'urandom.png', what: 'a link to /dev/urandom', reason: NOT_A_FILE });
  // A character device of its own (the same as /dev/zero) where mknod is allowed (root).
  if (run('mknod', [path.join(dir, 'device.jpg'), 'c', '1', '5']) === null) {
    files.push({ name: 'device.jpg', what: 'a character device', reason: NOT_A_FILE });
  }

  await add('zero-bytes.jpg', Buffer.alloc(0), 'an empty file', /empty file \(0 bytes\)/);
  await add(
    'page-html.jpg',
    '<!doctype html><html><body><script>alert(1)</script></body></html>\n',
    'an HTML page named .jpg',
    NOT_AN_IMAGE,
  );

  // Good photos among them, which must be indexed and found.
  for (const name of ['opencv-apple.jpg', 'opencv-sudoku.png']) {
    await copyFile(path.join(corpus, name), path.join(dir, name));
    files.push({ name, what: 'a real photo', reason: null });
  }
  await copyFile(
    path.join(FORMATS_DIR, 'heic', 'libheif-rainbow-451x461.heic'),
    path.join(dir, 'rainbow.heic'),
  );
  files.push({ name: 'rainbow.heic', what: 'a real HEIC', reason: null });

  return { dir, files, ignored };
}

/** Where each format's header ends and its pixel data begins: a cut there leaves no pixels. */
function headerEnd(extension: string, bytes: Buffer): number {
  switch (extension) {
    case 'jpg': // just past the start-of-scan marker's header
      return bytes.indexOf(Buffer.from([0xff, 0xda])) + 4;
    case 'png': // just past the first IDAT chunk's type
      return bytes.indexOf('IDAT') + 4;
    default: {
      // ISO-BMFF (HEIC): every top-level box before the media data, none of it.
      let offset = 0;
      while (offset + 8 <= bytes.length) {
        const size = bytes.readUInt32BE(offset);
        if (bytes.toString('latin1', offset + 4, offset + 8) === 'mdat') return offset + 8;
        offset += size;
      }
      throw new Error('no mdat box');
    }
  }
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, checksum]);
}

function png(width: number, height: number, idat: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth: one bit per pixel
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG whose header declares the size and whose data holds one row. */
function pngDeclaring(width: number, height: number): Buffer {
  return png(width, height, deflateSync(Buffer.alloc(1 + Math.ceil(width / 8))));
}

/** A complete black PNG: a few KB of deflate that inflate to every row. */
function zeroPng(width: number, height: number): Buffer {
  return png(
    width,
    height,
    deflateSync(Buffer.alloc((1 + Math.ceil(width / 8)) * height), { level: 9 }),
  );
}

/** The JPEG with its frame header (SOF0) saying another size. */
function withJpegSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = copy.indexOf(Buffer.from([0xff, 0xc0]));
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

/** The HEIF with every image spatial extents box (ispe) saying `side` x `side`. */
function withHeifSize(heif: Buffer, side: number): Buffer {
  const copy = Buffer.from(heif);
  for (let at = copy.indexOf('ispe'); at !== -1; at = copy.indexOf('ispe', at + 1)) {
    copy.writeUInt32BE(side, at + 8); // after the type and the box's version and flags
    copy.writeUInt32BE(side, at + 12);
  }
  return copy;
}

/** The JPEG with an APP1 EXIF segment holding `tiff` right after its start marker. */
function withExif(jpeg: Buffer, tiff: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

/** A little-endian TIFF block: the header, then `ifds` laid out from offset 8. */
function tiff(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), body]);
}

/** An IFD entry: tag, type, count, value (SHORT 3 or LONG 4, held in the entry). */
function entry(tag: number, type: 3 | 4, value: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt16LE(tag, 0);
  bytes.writeUInt16LE(type, 2);
  bytes.writeUInt32LE(1, 4);
  if (type === 3) bytes.writeUInt16LE(value, 8);
  else bytes.writeUInt32LE(value, 8);
  return bytes;
}

function ifd(entries: Buffer[], next: number): Buffer {
  const count = Buffer.alloc(2);
  count.writeUInt16LE(entries.length);
  const nextOffset = Buffer.alloc(4);
  nextOffset.writeUInt32LE(next);
  return Buffer.concat([count, ...entries, nextOffset]);
}

/** IFD0 at 8 with an orientation, whose next IFD is at 8: itself, for ever. */
function exifWithLoop(): Buffer {
  return tiff(ifd([entry(0x0112, 3, 1)], 8));
}

/** IFD0 pointing to an Exif sub-IFD that is IFD0 again. */
function exifWithSubIfdLoop(): Buffer {
  return tiff(ifd([entry(0x0112, 3, 1), entry(0x8769, 4, 8)], 0));
}

/** IFD0 claiming 65535 entries, with room for two. */
function exifWithCountPastEnd(): Buffer {
  const block = ifd([entry(0x0112, 3, 1), entry(0x0110, 3, 0)], 0);
  block.writeUInt16LE(0xffff, 0);
  return tiff(block);
}

function svg(content: string): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ' +
    `width="64" height="64">${content}</svg>\n`
  );
}

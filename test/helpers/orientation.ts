import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { Orientation } from '../../src-main/engine/media/orientation.js';

/**
 * How an upright picture is stored so that each EXIF orientation shows it upright; one
 * operation per pass, since sharp applies rotate and mirror in its own fixed order.
 */
const STORED_FOR: Record<Orientation, Array<(image: Sharp) => Sharp>> = {
  1: [],
  2: [(image) => image.flop()],
  3: [(image) => image.rotate(180)],
  4: [(image) => image.flip()],
  5: [(image) => image.rotate(90), (image) => image.flop()],
  6: [(image) => image.rotate(-90)],
  7: [(image) => image.rotate(-90), (image) => image.flop()],
  8: [(image) => image.rotate(90)],
};

export const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8] as const;

/**
 * A PNG of the upright picture stored turned and tagged with `orientation`, so that a viewer
 * shows it upright. It carries no colour profile, as most photos do not: sharp adds one when it
 * writes the tag, and a photo with one takes a different decoding path.
 */
export async function storedWithOrientation(
  upright: Buffer,
  orientation: Orientation,
): Promise<Buffer> {
  let stored = upright;
  for (const step of STORED_FOR[orientation]) stored = await step(sharp(stored)).png().toBuffer();
  return withoutColourProfile(await sharp(stored).withMetadata({ orientation }).png().toBuffer());
}

/** The PNG without its iCCP chunk. */
function withoutColourProfile(png: Buffer): Buffer {
  // An 8-byte signature, then chunks: length (4 bytes), type (4), data, CRC (4).
  const kept = [png.subarray(0, 8)];
  for (let at = 8; at < png.length;) {
    const end = at + 12 + png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) !== 'iCCP') kept.push(png.subarray(at, end));
    at = end;
  }
  return Buffer.concat(kept);
}

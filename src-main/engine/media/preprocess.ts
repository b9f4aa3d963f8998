import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { decode, openImage, reducedCopy, render, upright } from './image-source.js';
import type { ImageSource } from './image-source.js';
import { shownToStored, swapsAxes } from './orientation.js';
import type { Orientation } from './orientation.js';

type Rgb = readonly [number, number, number];

/** How a model's image tower wants its input (the `image` part of a model manifest). */
export interface ClipImageSpec {
  /** Side of the square input in pixels. */
  size: number;
  mean: Rgb;
  std: Rgb;
}

/**
 * The image tower's input for a photo: float32, channel-major [3, size, size], prepared exactly as
 * the original CLIP does (see shared/clip/README.md): oriented, ICC profile not applied, bicubic
 * resize of the short side to `size`, centre crop, RGB, scaled to [0,1], normalised.
 */
export async function clipTensor(
  bytes: Buffer,
  spec: ClipImageSpec,
  fileName = '',
): Promise<Float32Array> {
  return clipTensorFrom(await clipSource(await openImage(bytes, fileName), spec), spec);
}

/**
 * What the tensor is made from: a copy reduced to twice the input size, which keeps the bicubic
 * resize within the reference's tolerance. Indexing and queries both go through here, so a photo
 * gets the same tensor either way.
 */
export function clipSource(source: ImageSource, spec: ClipImageSpec): Promise<ImageSource> {
  return reducedCopy(source, 2 * spec.size);
}

export async function clipTensorFrom(
  source: ImageSource,
  spec: ClipImageSpec,
): Promise<Float32Array> {
  const { size } = spec;
  const orientation = source.orientation ?? 1;
  const swapped = swapsAxes(orientation);
  const { width: storedWidth, height: storedHeight } = source.header;
  const [shownWidth, shownHeight] = swapped
    ? [storedHeight, storedWidth]
    : [storedWidth, storedHeight];
  const [resizedWidth, resizedHeight] = resizedSize(shownWidth, shownHeight, size);
  const cropLeft = roundHalfEven((resizedWidth - size) / 2);
  const cropTop = roundHalfEven((resizedHeight - size) / 2);
  const stored = await decode(source, 'as-stored');

  // Enlarging (a short side under `size`) is not mirror-symmetric in libvips: a picture enlarged
  // as stored, then turned, is shifted by up to a pixel against the reference, which turns it
  // first. Such a photo is small, so it is turned into pixels of its own (sharp would mirror
  // after its resize) before the resize, at no cost worth naming.
  if (Math.min(shownWidth, shownHeight) < size) {
    const { data, info } = await render(
      upright(stored, source)
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    );
    const { width, height, channels } = info;
    const pipeline = sharp(data, { raw: { width, height, channels } })
      .resize(resizedWidth, resizedHeight, { fit: 'fill', kernel: 'cubic' })
      .extract({ left: cropLeft, top: cropTop, width: size, height: size });
    return normalise(await rgbCrop(pipeline, size), 1, spec);
  }

  // A larger photo is resized and cropped as stored and the orientation is applied to the small
  // crop afterwards: asking sharp to auto-orient before an extract makes it turn the full-size
  // image first, which disables JPEG/WebP shrink-on-load (a full decode of every large photo).
  const [cornerX, cornerY] = shownToStored(
    orientation,
    cropLeft,
    cropTop,
    resizedWidth,
    resizedHeight,
  );
  const [farX, farY] = shownToStored(
    orientation,
    cropLeft + size - 1,
    cropTop + size - 1,
    resizedWidth,
    resizedHeight,
  );
  const pipeline = stored
    .resize(swapped ? resizedHeight : resizedWidth, swapped ? resizedWidth : resizedHeight, {
      fit: 'fill',
      kernel: 'cubic',
    })
    .extract({
      left: Math.min(cornerX, farX),
      top: Math.min(cornerY, farY),
      width: size,
      height: size,
    });
  return normalise(await rgbCrop(pipeline, size), orientation, spec);
}

/** The crop's interleaved 8-bit RGB (alpha dropped, greyscale made RGB), `size` square. */
async function rgbCrop(crop: Sharp, size: number): Promise<Buffer> {
  const pipeline = crop.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' });
  const { data, info } = await render(pipeline.toBuffer({ resolveWithObject: true }));
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(
      `preprocess produced ${info.width}x${info.height}x${info.channels}, not ${size}x${size}x3`,
    );
  }
  return data;
}

/** The float32 little-endian bytes of a tensor, as `ferret debug preprocess` writes them. */
export function tensorToBytes(tensor: Float32Array): Buffer {
  const bytes = Buffer.alloc(tensor.length * Float32Array.BYTES_PER_ELEMENT);
  tensor.forEach((value, i) => bytes.writeFloatLE(value, i * Float32Array.BYTES_PER_ELEMENT));
  return bytes;
}

/** torchvision's Resize(int): short side to `size`, long side floor(size * long / short). */
function resizedSize(width: number, height: number, size: number): [number, number] {
  return width <= height
    ? [size, Math.floor((size * height) / width)]
    : [Math.floor((size * width) / height), size];
}

/** Python's round(): halves go to the even neighbour (CenterCrop's offsets are computed so). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Interleaved RGB bytes of the stored-orientation crop to the oriented, normalised CHW tensor. */
function normalise(rgb: Buffer, orientation: Orientation, spec: ClipImageSpec): Float32Array {
  const { size, mean, std } = spec;
  const plane = size * size;
  const levels = [0, 1, 2].map((c) =>
    Float32Array.from({ length: 256 }, (_, value) => (value / 255 - mean[c]) / std[c]),
  );
  const tensor = new Float32Array(3 * plane);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [u, v] = shownToStored(orientation, x, y, size, size);
      const from = (v * size + u) * 3;
      const to = y * size + x;
      for (let c = 0; c < 3; c++) tensor[c * plane + to] = levels[c][rgb[from + c]];
    }
  }
  return tensor;
}

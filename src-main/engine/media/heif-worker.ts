import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { HeifReply } from './heif-decoder.js';

/** The part of libheif's Emscripten/embind interface this worker uses. */
interface Libheif {
  HEAPU8: Uint8Array;
  heif_error_code: { heif_error_Ok: unknown };
  heif_colorspace: { heif_colorspace_RGB: unknown };
  heif_chroma: { heif_chroma_interleaved_RGB: unknown; heif_chroma_interleaved_RGBA: unknown };
  heif_context_alloc(): Handle;
  heif_context_free(context: Handle): void;
  heif_context_read_from_memory(context: Handle, bytes: Uint8Array): LibheifError;
  heif_js_context_get_primary_image_handle(context: Handle): Handle | LibheifError;
  heif_image_handle_has_alpha_channel(image: Handle): number;
  heif_image_handle_release(image: Handle): void;
  heif_js_decode_image2(
    image: Handle,
    colorspace: unknown,
    chroma: unknown,
  ): Decoded | LibheifError;
  heif_image_release(image: Handle): void;
}
type Handle = object;
interface LibheifError {
  code: unknown;
  message: string;
}
interface Decoded {
  image: Handle;
  channels: { width: number; height: number; stride: number; data: Uint8Array }[];
}

/**
 * libheif compiled to WebAssembly (libheif-js), decoding one HEIC at a time. Decoding is
 * synchronous and takes a core for up to seconds, which is why it runs here and never on the
 * thread that answers queries. libheif applies the container's rotation and mirroring (irot,
 * imir) itself, so the pixels come out as the photo is shown.
 */
const port = parentPort!;
const libheif = createRequire(import.meta.url)('libheif-js/wasm-bundle') as Libheif;

port.on('message', (bytes: Uint8Array) => {
  let reply: HeifReply;
  try {
    reply = decode(bytes);
  } catch (error) {
    // libheif aborted (out of memory, a trap): this instance may be damaged, so it is retired.
    reply = { ok: false, message: String(error), heapBytes: Infinity };
  }
  const transfer = reply.ok ? [reply.pixels.buffer as ArrayBuffer] : [];
  port.postMessage(reply, transfer);
});

function decode(bytes: Uint8Array): HeifReply {
  const heapBytes = () => libheif.HEAPU8.buffer.byteLength;
  const context = libheif.heif_context_alloc();
  let image: Handle | null = null;
  try {
    const read = libheif.heif_context_read_from_memory(context, bytes);
    if (read.code !== libheif.heif_error_code.heif_error_Ok) {
      return { ok: false, message: read.message, heapBytes: heapBytes() };
    }
    const primary = libheif.heif_js_context_get_primary_image_handle(context);
    if ('code' in primary) return { ok: false, message: primary.message, heapBytes: heapBytes() };
    image = primary;
    const alpha = libheif.heif_image_handle_has_alpha_channel(image) !== 0;
    const decoded = libheif.heif_js_decode_image2(
      image,
      libheif.heif_colorspace.heif_colorspace_RGB,
      alpha
        ? libheif.heif_chroma.heif_chroma_interleaved_RGBA
        : libheif.heif_chroma.heif_chroma_interleaved_RGB,
    );
    if (!('channels' in decoded)) {
      return { ok: false, message: decoded.message, heapBytes: heapBytes() };
    }
    try {
      const [plane] = decoded.channels;
      const channels = alpha ? 4 : 3;
      return {
        ok: true,
        width: plane!.width,
        height: plane!.height,
        channels,
        pixels: packed(plane!, channels),
        heapBytes: heapBytes(),
      };
    } finally {
      libheif.heif_image_release(decoded.image);
    }
  } finally {
    if (image !== null) libheif.heif_image_handle_release(image);
    libheif.heif_context_free(context);
  }
}

/** A copy of the plane out of the wasm heap, rows without their padding. */
function packed(plane: Decoded['channels'][number], channels: number): Uint8Array {
  const row = plane.width * channels;
  if (plane.stride === row) return plane.data.slice(0, row * plane.height);
  const pixels = new Uint8Array(row * plane.height);
  for (let y = 0; y < plane.height; y++) {
    pixels.set(plane.data.subarray(y * plane.stride, y * plane.stride + row), y * row);
  }
  return pixels;
}

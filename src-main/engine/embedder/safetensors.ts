import { readFile } from 'node:fs/promises';

/**
 * One float32 tensor from a safetensors file (Hugging Face's format: an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data). The format is that small on purpose, and only float32 is read, so a
 * reader here is a few lines where a package would bring a general loader.
 */
export async function readSafetensor(
  file: string,
  name: string,
): Promise<{ shape: number[]; values: Float32Array }> {
  const bytes = await readFile(file);
  const fail = (why: string) => new Error(`${file}: ${why}`);
  if (bytes.length < 8) throw fail('not a safetensors file (too short)');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > bytes.length - 8)
    throw fail('not a safetensors file (header runs past the end)');
  let header: Record<string, { dtype?: string; shape?: number[]; data_offsets?: [number, number] }>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as typeof header;
  } catch {
    throw fail('not a safetensors file (unreadable header)');
  }
  const entry = Object.hasOwn(header, name) ? header[name] : undefined;
  if (entry === undefined) throw fail(`no tensor named ${name}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (dtype !== 'F32' || !Array.isArray(shape) || !Array.isArray(offsets)) {
    throw fail(`${name} is not a float32 tensor`);
  }
  const [start, end] = offsets;
  const count = shape.reduce((product, dim) => product * dim, 1);
  const dataStart = 8 + headerLength;
  if (end - start !== count * 4 || dataStart + end > bytes.length) {
    throw fail(`${name}: its byte range does not match its shape`);
  }
  // Copied out: the data need not be 4-byte aligned within the file.
  const values = new Float32Array(count);
  Buffer.from(values.buffer).set(bytes.subarray(dataStart + start, dataStart + end));
  return { shape, values };
}

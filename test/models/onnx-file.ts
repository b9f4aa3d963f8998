import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { DataType, onnx, type GraphBuilder, type Initializer } from './onnx-graph.js';

/** IR version 8 is the one that goes with opset 17. */
const IR_VERSION = 8;
const PRODUCER = 'ferret-test-model';
/** protobuf cannot address a message larger than this; bigger models need external data. */
const PROTOBUF_LIMIT = 2 ** 31 - 1;

// Field numbers from onnx.proto, needed to write the length-delimited fields by hand.
const MODEL_GRAPH_FIELD = 7;
const GRAPH_INITIALIZER_FIELD = 5;
const TENSOR_RAW_DATA_FIELD = 9;

const BYTES_PER_ELEMENT = new Map<number, number>([
  [DataType.FLOAT, 4],
  [DataType.UINT8, 1],
  [DataType.INT8, 1],
  [DataType.INT32, 4],
  [DataType.INT64, 8],
]);

export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/**
 * Writes a model as one protobuf file without ever building it in memory: protobuf lets a
 * message's fields come in any order and be written piece by piece, so the graph structure is
 * encoded by protobufjs and each initializer is appended as its own field, its values generated
 * just before they are written. The file appears under its name only when complete.
 */
export async function writeOnnxModel(
  file: string,
  graph: GraphBuilder,
  opsetVersion: number,
): Promise<WrittenFile> {
  const header = onnx.ModelProto.encode({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    opsetImport: [{ domain: '', version: opsetVersion }],
  }).finish();
  const structure = onnx.GraphProto.encode(graph.toProto()).finish();
  const tensors = graph.initializers.map(describeTensor);
  const graphLength = tensors.reduce(
    (sum, tensor) =>
      sum + fieldHeader(GRAPH_INITIALIZER_FIELD, tensor.length).length + tensor.length,
    structure.length,
  );
  if (graphLength > PROTOBUF_LIMIT) {
    throw new Error(`${graph.name}: ${graphLength} bytes exceed protobuf's 2 GB limit`);
  }

  const partial = `${file}.partial-${process.pid}`;
  const handle = await open(partial, 'w');
  const hash = createHash('sha256');
  let bytes = 0;
  const write = async (chunk: Uint8Array) => {
    hash.update(chunk);
    bytes += chunk.byteLength;
    await handle.write(chunk);
  };
  try {
    await write(header);
    await write(fieldHeader(MODEL_GRAPH_FIELD, graphLength));
    await write(structure);
    for (const tensor of tensors) {
      await write(fieldHeader(GRAPH_INITIALIZER_FIELD, tensor.length));
      await write(tensor.head);
      await write(fieldHeader(TENSOR_RAW_DATA_FIELD, tensor.rawBytes));
      await write(rawValues(tensor.initializer, tensor.rawBytes));
    }
  } catch (error) {
    await handle.close();
    await rm(partial, { force: true });
    throw error;
  }
  await handle.close();
  await rename(partial, file);
  return { bytes, sha256: hash.digest('hex') };
}

interface TensorLayout {
  initializer: Initializer;
  /** The TensorProto's name, dims and data type, encoded; raw_data follows it. */
  head: Uint8Array;
  rawBytes: number;
  /** The whole encoded TensorProto. */
  length: number;
}

function describeTensor(initializer: Initializer): TensorLayout {
  const { name, dims, dataType } = initializer;
  const head = onnx.TensorProto.encode({ name, dims: [...dims], dataType }).finish();
  const bytesPerElement = BYTES_PER_ELEMENT.get(dataType);
  if (bytesPerElement === undefined) throw new Error(`${name}: unsupported data type ${dataType}`);
  const rawBytes = dims.reduce((count, dim) => count * dim, 1) * bytesPerElement;
  const length = head.length + fieldHeader(TENSOR_RAW_DATA_FIELD, rawBytes).length + rawBytes;
  return { initializer, head, rawBytes, length };
}

/** ONNX raw_data is little-endian, as typed arrays are on every platform Ferret runs on. */
function rawValues(initializer: Initializer, expectedBytes: number): Uint8Array {
  const values = initializer.values();
  if (values.byteLength !== expectedBytes) {
    throw new Error(
      `${initializer.name}: ${values.byteLength} bytes of values for dims [${initializer.dims.join(', ')}]`,
    );
  }
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** The tag and length that open a length-delimited field (wire type 2). */
function fieldHeader(field: number, length: number): Uint8Array {
  const bytes = [(field << 3) | 2];
  let rest = length;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

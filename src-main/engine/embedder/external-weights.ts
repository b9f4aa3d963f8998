import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import protobuf from 'protobufjs/minimal.js';

const { onnx } = onnxProto;

// Field numbers and wire types from onnx.proto and the protobuf encoding.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
/** Smaller tensors stay inline, as with onnx's own converter (its size_threshold). */
const EXTERNAL_THRESHOLD = 1024;
/** Enough for a field's tag and length, and for many small fields at a time. */
const READ_WINDOW = 8 * 1024;

/**
 * The model's graph, with every large weight tensor pointing into the model file itself as ONNX
 * external data (location = the file, offset and length of the tensor's bytes in it). Loading
 * a model file makes onnxruntime parse one huge protobuf message and copy each tensor out of it,
 * which is most of a session's start-up: 2.5 s of the ViT-B/32 text tower's 2.8 s here. With the
 * weights external it reads them from the file directly. Only the structure is read: the weights'
 * bytes are stepped over, so this costs a few hundred small reads, not the file.
 *
 * The result is loaded from memory, with the model's folder as the external-data folder. Null
 * when no tensor is worth moving (weights already external, or a small model).
 */
export async function graphWithExternalWeights(modelFile: string): Promise<Uint8Array | null> {
  const handle = await open(modelFile, 'r');
  try {
    const reader = new FieldReader(handle, (await handle.stat()).size);
    const modelFields: Buffer[] = [];
    let graph: Field | null = null;
    for await (const field of reader.fields(0, reader.size)) {
      if (field.number === MODEL_GRAPH && field.wireType === LENGTH_DELIMITED) graph = field;
      else modelFields.push(await reader.copy(field.start, field.valueEnd));
    }
    if (graph === null) return null;

    const graphFields: Buffer[] = [];
    const initializers: onnxProto.onnx.TensorProto[] = [];
    let moved = 0;
    for await (const field of reader.fields(graph.valueStart, graph.valueEnd)) {
      if (field.number !== GRAPH_INITIALIZER || field.wireType !== LENGTH_DELIMITED) {
        graphFields.push(await reader.copy(field.start, field.valueEnd));
        continue;
      }
      const { tensor, weights } = await readTensorHeader(reader, field);
      if (weights !== null) {
        tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        tensor.externalData = [
          { key: 'location', value: path.basename(modelFile) },
          { key: 'offset', value: String(weights.valueStart) },
          { key: 'length', value: String(weights.valueEnd - weights.valueStart) },
        ];
        moved++;
      }
      initializers.push(tensor);
    }
    if (moved === 0) return null;

    const model = onnx.ModelProto.decode(Buffer.concat(modelFields));
    model.graph = onnx.GraphProto.decode(Buffer.concat(graphFields));
    model.graph.initializer = initializers;
    return onnx.ModelProto.encode(model).finish();
  } finally {
    await handle.close();
  }
}

/** A tensor without its raw bytes when they are large, and where those bytes are. */
async function readTensorHeader(
  reader: FieldReader,
  tensorField: Field,
): Promise<{ tensor: onnxProto.onnx.TensorProto; weights: Field | null }> {
  const kept: Buffer[] = [];
  let weights: Field | null = null;
  for await (const field of reader.fields(tensorField.valueStart, tensorField.valueEnd)) {
    const large =
      field.number === TENSOR_RAW_DATA &&
      field.wireType === LENGTH_DELIMITED &&
      field.valueEnd - field.valueStart >= EXTERNAL_THRESHOLD;
    if (large) weights = field;
    else kept.push(await reader.copy(field.start, field.valueEnd));
  }
  return { tensor: onnx.TensorProto.decode(Buffer.concat(kept)), weights };
}

interface Field {
  number: number;
  wireType: number;
  /** Where the field's tag begins. */
  start: number;
  /** The value's bytes: for a length-delimited field, after its length. */
  valueStart: number;
  valueEnd: number;
}

/** Walks a protobuf message in a file by offsets, reading only the bytes it is asked for. */
class FieldReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** The fields of the message whose bytes are [start, end). */
  async *fields(start: number, end: number): AsyncGenerator<Field> {
    let at = start;
    while (at < end) {
      // A tag and a length are two varints of at most 10 bytes each.
      const head = protobuf.Reader.create(await this.view(at, Math.min(at + 20, end)));
      const tag = head.uint32();
      const wireType = tag & 7;
      if (wireType === START_GROUP || wireType === END_GROUP) {
        throw new Error(`unsupported protobuf group at byte ${at}`);
      }
      let valueStart: number;
      let valueEnd: number;
      if (wireType === LENGTH_DELIMITED) {
        const length = head.uint32();
        valueStart = at + head.pos;
        valueEnd = valueStart + length;
      } else {
        valueStart = at + head.pos;
        head.skipType(wireType);
        valueEnd = at + head.pos;
      }
      if (valueEnd > end) throw new Error(`protobuf field at byte ${at} runs past its message`);
      yield { number: tag >>> 3, wireType, start: at, valueStart, valueEnd };
      at = valueEnd;
    }
  }

  /** The bytes [start, end), in a buffer of their own. */
  async copy(start: number, end: number): Promise<Buffer> {
    return Buffer.from(await this.view(start, end));
  }

  /** The bytes [start, end), valid until the next read. */
  private async view(start: number, end: number): Promise<Buffer> {
    const windowEnd = this.windowStart + this.window.length;
    if (start < this.windowStart || end > windowEnd) {
      const length = Math.min(Math.max(end - start, READ_WINDOW), this.size - start);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await this.handle.read(buffer, 0, length, start);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = start;
    }
    const view = this.window.subarray(start - this.windowStart, end - this.windowStart);
    if (view.length !== end - start) throw new Error(`model file ends at byte ${this.size}`);
    return view;
  }
}

import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export const DataType = onnx.TensorProto.DataType;

export type TensorData = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/**
 * A constant tensor whose values are produced only when the file is written, so a 600 MB model
 * never holds more than one weight tensor in memory at a time.
 */
export interface Initializer {
  name: string;
  dataType: number;
  dims: readonly number[];
  values: () => TensorData;
}

/** A dimension is a fixed size or a symbolic name such as 'batch'. */
export type Dim = number | string;

/** Plain numbers are INT attributes; floats must say so, because 1.0 and 1 look the same in JS. */
export type AttributeValue = number | readonly number[] | { float: number };

/**
 * Collects the nodes, graph inputs/outputs and lazy initializers of one ONNX graph. Values are
 * named automatically, so building code reads as a chain of operators.
 */
export class GraphBuilder {
  readonly initializers: Initializer[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  input(name: string, dataType: number, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dataType, shape));
    return name;
  }

  /** Publishes `value` as the graph output `name` (ORT removes the Identity when optimising). */
  output(name: string, value: string, dataType: number, shape: readonly Dim[]): void {
    this.claim(name);
    this.nodes.push({
      opType: 'Identity',
      name: `${name}/Identity`,
      input: [value],
      output: [name],
    });
    this.outputs.push(valueInfo(name, dataType, shape));
  }

  initializer(
    name: string,
    dataType: number,
    dims: readonly number[],
    values: () => TensorData,
  ): string {
    this.claim(name);
    this.initializers.push({ name, dataType, dims, values });
    return name;
  }

  /** A small int64 constant, such as a target shape or split sizes. */
  int64s(values: readonly number[]): string {
    const data = BigInt64Array.from(values, BigInt);
    return this.initializer(this.fresh('const_i64'), DataType.INT64, [values.length], () => data);
  }

  int64Scalar(value: number): string {
    const data = BigInt64Array.of(BigInt(value));
    return this.initializer(this.fresh('const_i64'), DataType.INT64, [], () => data);
  }

  floatScalar(value: number): string {
    const data = Float32Array.of(value);
    return this.initializer(this.fresh('const_f32'), DataType.FLOAT, [], () => data);
  }

  /** Adds a single-output node and returns the name of its output. */
  op(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}) {
    const [output] = this.ops(opType, inputs, 1, attributes);
    return output!;
  }

  /** Adds a node with `outputCount` outputs and returns their names in order. */
  ops(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes: Record<string, AttributeValue> = {},
  ): string[] {
    const nodeName = this.fresh(opType);
    const output = Array.from({ length: outputCount }, (_, i) => `${nodeName}:${i}`);
    output.forEach((name) => this.claim(name));
    this.nodes.push({
      opType,
      name: nodeName,
      input: [...inputs],
      output,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** The graph without its initializers, which are streamed separately (see onnx-file.ts). */
  toProto(): onnxProto.onnx.IGraphProto {
    return { name: this.name, node: this.nodes, input: this.inputs, output: this.outputs };
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`graph ${this.name}: the name "${name}" is taken`);
    this.names.add(name);
  }
}

function valueInfo(
  name: string,
  elemType: number,
  shape: readonly Dim[],
): onnxProto.onnx.IValueInfoProto {
  const dim = shape.map((size) =>
    typeof size === 'number' ? { dimValue: size } : { dimParam: size },
  );
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function attribute(name: string, value: AttributeValue): onnxProto.onnx.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: [...value] };
}

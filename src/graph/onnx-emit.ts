/**
 * Serialises a graph IR to an ONNX ModelProto (IR version 8, opset 17) with onnx-proto's
 * protobufjs code. Weights go in `raw_data` as little-endian bytes; fp32 tensors are passed as
 * views of the IR's own arrays, so the only full copy is protobufjs's final output buffer.
 *
 * Initializer marker (for file-only analyzers): `doc_string` is "buffer" on batch-norm running
 * statistics and "constant" on graph constants; parameters have no doc_string. See ir.ts.
 */
import { endianness } from 'node:os';
import onnxProto from 'onnx-proto';
import { float32ArrayToFloat16 } from './fp16.js';
import type { Attr, Graph, Initializer, ValueInfo } from './ir.js';

const { onnx } = onnxProto;

/** ONNX IR version written. */
const ONNX_IR_VERSION = 8;
/** Default-domain opset written. */
const ONNX_OPSET = 17;

/** Options of {@link emitOnnx}. */
export interface EmitOptions {
  precision: 'fp32' | 'fp16';
  /** Written as producer_version. */
  producerVersion: string;
  /** Model doc_string (e.g. how the weights were made). */
  docString?: string;
  /**
   * Drop each float32 weight from the graph once converted (fp16 only), so building a big fp16
   * model never holds all fp32 and all fp16 weights at once. The graph is unusable afterwards.
   */
  consumeGraph?: boolean;
}

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function tensorProto(init: Initializer, fp16: boolean, consume: boolean): onnxProto.onnx.ITensorProto {
  let dataType: number;
  let raw: Uint8Array;
  if (init.dtype === 'int64') {
    dataType = DT.INT64;
    raw = bytesOf(init.data);
  } else if (fp16) {
    dataType = DT.FLOAT16;
    raw = bytesOf(float32ArrayToFloat16(init.data));
    if (consume) init.data = new Float32Array(0);
  } else {
    dataType = DT.FLOAT;
    raw = bytesOf(init.data);
  }
  return {
    name: init.name,
    dims: init.dims,
    dataType,
    rawData: raw,
    ...(init.kind === 'param' ? {} : { docString: init.kind }),
  };
}

function valueInfoProto(v: ValueInfo, fp16: boolean): onnxProto.onnx.IValueInfoProto {
  const elemType = v.dtype === 'int64' ? DT.INT64 : fp16 ? DT.FLOAT16 : DT.FLOAT;
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attributeProto(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AT.INT, i: a.value };
    case 'ints':
      return { name, type: AT.INTS, ints: a.value };
    case 'float':
      return { name, type: AT.FLOAT, f: a.value };
    case 'floats':
      return { name, type: AT.FLOATS, floats: a.value };
    case 'string':
      return { name, type: AT.STRING, s: new TextEncoder().encode(a.value) };
  }
}

/** Encodes `graph` as ONNX bytes at the requested precision (deterministic: same graph, same bytes). */
export function emitOnnx(graph: Graph, opts: EmitOptions): Uint8Array {
  if (endianness() !== 'LE')
    throw new Error('ONNX raw_data is little-endian; big-endian hosts are not supported');
  const fp16 = opts.precision === 'fp16';
  const model: onnxProto.onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'h100e',
    producerVersion: opts.producerVersion,
    docString: opts.docString ?? '',
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, a]) => attributeProto(k, a)),
      })),
      initializer: graph.initializers.map((i) => tensorProto(i, fp16, opts.consumeGraph ?? false)),
      input: graph.inputs.map((v) => valueInfoProto(v, fp16)),
      output: graph.outputs.map((v) => valueInfoProto(v, fp16)),
      valueInfo: graph.valueInfo.map((v) => valueInfoProto(v, fp16)),
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

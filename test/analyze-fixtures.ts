/** Hand-built ONNX models for the analyzer tests (onnx-proto, no zoo dependency). */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';

const { onnx } = onnxProto;
type Attribute = onnxProto.onnx.IAttributeProto;

/** Attribute builders. */
export const a = {
  int: (name: string, i: number): Attribute => ({ name, type: 2, i }),
  ints: (name: string, ints: number[]): Attribute => ({ name, type: 7, ints }),
  float: (name: string, f: number): Attribute => ({ name, type: 1, f }),
  str: (name: string, s: string): Attribute => ({ name, type: 3, s: Buffer.from(s) }),
};

/** A graph input or output: dims are numbers or symbolic names. */
export interface IoSpec {
  name: string;
  shape?: (number | string)[];
  elemType?: number;
}

/** An initializer; float32 unless elemType says otherwise (7 = int64; 2 = uint8, 3 = int8, 6 = int32). */
export interface InitSpec {
  name: string;
  dims: number[];
  values?: number[];
  elemType?: number;
  doc?: string;
}

/** A node. */
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attribute[];
  domain?: string;
  name?: string;
}

function valueInfo(io: IoSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: io.name,
    type: {
      tensorType: {
        elemType: io.elemType ?? 1,
        shape: io.shape
          ? { dim: io.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
          : undefined,
      },
    },
  };
}

function tensor(t: InitSpec): onnxProto.onnx.ITensorProto {
  const count = t.dims.reduce((p, d) => p * d, 1);
  const values = t.values ?? new Array<number>(count).fill(0.5);
  const elemType = t.elemType ?? 1;
  const base = { name: t.name, dims: t.dims, dataType: elemType, docString: t.doc ?? '' };
  if (elemType === 7) return { ...base, int64Data: values };
  // The spec stores (u)int8/16, int32 and bool elements in int32_data.
  if ([2, 3, 4, 5, 6, 9].includes(elemType)) return { ...base, int32Data: values.map(Math.trunc) };
  if (elemType === 10) return { ...base, rawData: new Uint8Array(count * 2) };
  return { ...base, floatData: values };
}

/** Encodes a model. */
export function buildModel(spec: {
  inputs: IoSpec[];
  outputs: IoSpec[];
  nodes: NodeSpec[];
  inits?: InitSpec[];
  opset?: number;
}): Uint8Array {
  const opsets: { domain: string; version: number }[] = [{ domain: '', version: spec.opset ?? 17 }];
  for (const n of spec.nodes) {
    if (n.domain && !opsets.some((o) => o.domain === n.domain)) opsets.push({ domain: n.domain, version: 1 });
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'h100e-test',
    opsetImport: opsets,
    graph: {
      name: 'test',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: (spec.inits ?? []).map(tensor),
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: n.attrs ?? [],
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Runs the model on onnxruntime-node (CPU) with zero-filled float inputs and returns each output's dims. */
export async function ortOutputDims(
  bytes: Uint8Array,
  inputs: Record<string, number[]>,
): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, dims] of Object.entries(inputs)) {
      feeds[name] = new ort.Tensor('float32', new Float32Array(dims.reduce((p, d) => p * d, 1)), dims);
    }
    const results = await session.run(feeds);
    return Object.fromEntries(Object.entries(results).map(([k, t]) => [k, [...t.dims]]));
  } finally {
    await session.release();
  }
}

/** A one-node ONNX model (Relu on 1x4) for checking that an execution provider can run at all. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Bytes of a minimal opset-17 model: y = Relu(x), x and y float32[1,4]. */
export function probeModelBytes(): Uint8Array {
  const tensor = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'h100e-probe',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [tensor('x')],
      output: [tensor('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

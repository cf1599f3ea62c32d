/**
 * Saves an ONNX model with its large tensors in a side file (ONNX external data), the form every
 * model over protobuf's 2 GB limit and many exporters' output take, so h100e can produce and test it.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Tensors smaller than this stay inline (shape vectors, scalars), as onnx.save_model does by default. */
const EXTERNAL_MIN_BYTES = 1024;

/** Alignment of each tensor in the side file, so engines may map it directly. */
const ALIGN = 4096;

/** Raw little-endian bytes of a tensor whose data is in float_data / int64_data rather than raw_data. */
function rawBytesOf(t: onnxProto.onnx.ITensorProto): Uint8Array | undefined {
  if (t.rawData && t.rawData.length > 0) return t.rawData;
  if (t.floatData && t.floatData.length > 0) return new Uint8Array(Float32Array.from(t.floatData).buffer);
  return undefined;
}

/**
 * Splits `bytes` into a model whose initializers of at least `minBytes` point into `dataFile` (a name
 * relative to the model's folder) and the side file's contents.
 */
export function splitExternalData(
  bytes: Uint8Array,
  dataFile: string,
  minBytes = EXTERNAL_MIN_BYTES,
): { model: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const t of model.graph?.initializer ?? []) {
    const raw = rawBytesOf(t);
    if (!raw || raw.length < minBytes) continue;
    const offset = Math.ceil(size / ALIGN) * ALIGN;
    if (offset > size) chunks.push(new Uint8Array(offset - size));
    chunks.push(raw);
    size = offset + raw.length;
    t.rawData = new Uint8Array(0);
    t.floatData = [];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      { key: 'location', value: dataFile },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
  }
  const data = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.length;
  }
  return { model: onnx.ModelProto.encode(model).finish(), data };
}

/**
 * QDQ models (what onnxruntime's static quantizer and most deployment flows write): float Conv,
 * MatMul and Gemm nodes whose activation and weight inputs both come out of DequantizeLinear from
 * 8-bit tensors. Engines fuse each such group into one 8-bit kernel (QLinearConv, QGemm, ...), so
 * its MACs are 8-bit integer MACs even though the node itself is a float op.
 */
import { BenchError } from '../core/errors.js';
import { ElemType } from './onnx.js';
import type { NodeShapes } from './shapes.js';

/** Float ops whose QDQ form runs as 8-bit integer products. */
const QDQ_MAC_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

const EIGHT_BIT = new Set<number>([ElemType.INT8, ElemType.UINT8]);

/**
 * The nodes of `nodes` that run as 8-bit integer MACs in QDQ form. Throws a one-line BenchError for a
 * QuantizeLinear or DequantizeLinear with a zero scale (quantizing divides by it).
 */
export function qdqIntegerNodes(nodes: readonly NodeShapes[], label: string): Set<NodeShapes> {
  const producer = new Map<string, NodeShapes>();
  for (const n of nodes) {
    for (const out of n.node.output ?? []) if (out !== '') producer.set(out, n);
    if (n.opKey === 'QuantizeLinear' || n.opKey === 'DequantizeLinear') checkScale(n, label);
  }
  const fromEightBit = (name: string | undefined): boolean => {
    const dq = name === undefined ? undefined : producer.get(name);
    return dq?.opKey === 'DequantizeLinear' && EIGHT_BIT.has(dq.inputs[0]?.elemType ?? 0);
  };
  const out = new Set<NodeShapes>();
  for (const n of nodes) {
    if (!QDQ_MAC_OPS.has(n.opKey)) continue;
    const [x, w] = n.node.input ?? [];
    if (fromEightBit(x) && fromEightBit(w)) out.add(n);
  }
  return out;
}

/**
 * Tensors a QDQ-fusing engine never writes: DequantizeLinear outputs read only by 8-bit groups (the
 * kernel reads the 8-bit tensor itself) and float outputs of those groups read only by a
 * QuantizeLinear (the kernel writes the 8-bit result directly). Counting them would make an int8
 * model's activation traffic larger than its fp32 twin's.
 */
export function fusedAway(nodes: readonly NodeShapes[], groups: ReadonlySet<NodeShapes>): Set<string> {
  const readers = new Map<string, NodeShapes[]>();
  for (const n of nodes)
    for (const i of n.node.input ?? []) if (i !== '') readers.set(i, [...(readers.get(i) ?? []), n]);
  const out = new Set<string>();
  for (const n of nodes) {
    const name = n.node.output?.[0] ?? '';
    const rs = readers.get(name) ?? [];
    if (rs.length === 0) continue;
    if (n.opKey === 'DequantizeLinear' && rs.every((r) => groups.has(r))) out.add(name);
    if (groups.has(n) && rs.every((r) => r.opKey === 'QuantizeLinear')) out.add(name);
  }
  return out;
}

/** Scales are known when they are constants small enough to fold (per-tensor or per-channel). */
function checkScale(n: NodeShapes, label: string): void {
  const values = n.inputs[1]?.value;
  const at = values?.findIndex((v) => v === 0) ?? -1;
  if (at < 0) return;
  const scale = n.node.input?.[1] ?? '';
  throw new BenchError(
    'E_FILE_CORRUPT',
    `${label}: node '${n.node.name || (n.node.output?.[0] ?? '')}' (${n.opKey}) has a zero scale (element ${at} of '${scale}')`,
    {
      hint: 'a zero scale maps every value to the zero point (and divides by zero when quantizing); quantize the model again with calibration data that exercises every channel',
    },
  );
}

import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../src/graph/builder.js';
import { Mulberry32, fillTensor } from '../src/graph/init.js';
import { countParams } from '../src/graph/ir.js';
import { emitOnnx } from '../src/graph/onnx-emit.js';
import { float32ToFloat16Bits } from '../src/graph/fp16.js';

const { onnx } = onnxProto;

/** conv (weights all 1, pad 1) -> BN -> relu6 -> global pool -> flatten -> linear (0.5, bias 1). */
function smallGraph() {
  const b = new GraphBuilder('small', 0);
  const x = b.input('input', ['N', 1, 3, 3]);
  const c = b.conv(x, { name: 'conv', out: 1, kernel: 3, init: { kind: 'ones' } });
  const bn = b.batchNorm(c, 'bn');
  const pooled = b.flatten(b.globalAvgPool(b.relu6(bn)));
  const y = b.linear(pooled, {
    name: 'fc',
    out: 2,
    init: { kind: 'fill', value: 0.5 },
    biasInit: { kind: 'ones' },
  });
  return b.finish(y, 'logits');
}

describe('graph builder + ONNX emitter', () => {
  it('infers shapes and counts params without BN buffers or constants', () => {
    const g = smallGraph();
    expect(g.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['N', 2] }]);
    // conv 9 + BN gamma/beta 2 + fc 2 + 2 = 15; running mean/var and the Clip bounds are not params.
    expect(countParams(g)).toBe(15);
    expect(g.initializers.filter((i) => i.kind === 'buffer').map((i) => i.name)).toEqual([
      'bn.running_mean',
      'bn.running_var',
    ]);
    expect(g.initializers.filter((i) => i.kind === 'constant')).toHaveLength(2);
  });

  it('emits IR 8 / opset 17 with the buffer and constant markers and a symbolic batch', () => {
    const m = onnx.ModelProto.decode(emitOnnx(smallGraph(), { precision: 'fp32', producerVersion: 't' }));
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const doc = Object.fromEntries((m.graph?.initializer ?? []).map((t) => [t.name, t.docString]));
    expect(doc['bn.running_var']).toBe('buffer');
    expect(doc['conv.weight']).toBe('');
    expect(Object.values(doc).filter((d) => d === 'constant')).toHaveLength(2);
    const dims = m.graph?.input?.[0]?.type?.tensorType?.shape?.dim ?? [];
    expect(dims.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['N', 1, 3, 3]);
    const w = m.graph?.initializer?.find((t) => t.name === 'fc.weight');
    expect(w?.dataType).toBe(onnx.TensorProto.DataType.FLOAT);
    expect(Array.from(w?.rawData ?? [])).toEqual(
      [0, 0, 0, 63, 0, 0, 0, 63, 0, 0, 0, 63, 0, 0, 0, 63].slice(0, 8),
    ); // 0.5f LE = 00 00 00 3f
  });

  it('fp16 emits float16 weights, constants, inputs and outputs', () => {
    const m = onnx.ModelProto.decode(emitOnnx(smallGraph(), { precision: 'fp16', producerVersion: 't' }));
    const F16 = onnx.TensorProto.DataType.FLOAT16;
    expect(m.graph?.input?.[0]?.type?.tensorType?.elemType).toBe(F16);
    expect(m.graph?.output?.[0]?.type?.tensorType?.elemType).toBe(F16);
    expect(new Set(m.graph?.initializer?.map((t) => t.dataType))).toEqual(new Set([F16]));
    const w = m.graph?.initializer?.find((t) => t.name === 'fc.weight');
    expect(Array.from(w?.rawData ?? [])).toEqual([0x00, 0x38, 0x00, 0x38]); // 0.5 = 0x3800, little-endian
  });

  it('computes what ONNX Runtime computes (exact values)', async () => {
    const g = smallGraph();
    // Pin BN to identity so the arithmetic is by hand: mean 0, var 1 - eps, gamma 1, beta 0.
    for (const init of g.initializers) {
      if (init.dtype !== 'float32') continue;
      if (init.name === 'bn.running_var') init.data.fill(1 - 1e-5);
      else if (init.name === 'bn.running_mean' || init.name === 'bn.bias') init.data.fill(0);
      else if (init.name === 'bn.weight') init.data.fill(1);
    }
    const session = await ort.InferenceSession.create(
      emitOnnx(g, { precision: 'fp32', producerVersion: 't' }),
    );
    // Input all ones, 3x3 kernel of ones with pad 1: corners sum 4, edges 6, centre 9.
    // relu6 clips the centre to 6: mean = (4*4 + 4*6 + 6) / 9 = 46/9; fc = 0.5 * 46/9 + 1 = 32/9.
    const out = await session.run({
      input: new ort.Tensor('float32', new Float32Array(18).fill(1), [2, 1, 3, 3]),
    });
    expect(out.logits?.dims).toEqual([2, 2]);
    for (const v of out.logits?.data as Float32Array) expect(v).toBeCloseTo(32 / 9, 5);
  });

  it('fp16 graphs run on the ORT CPU provider', async () => {
    const session = await ort.InferenceSession.create(
      emitOnnx(smallGraph(), { precision: 'fp16', producerVersion: 't' }),
    );
    const input = new ort.Tensor('float16', new Uint16Array(18).fill(float32ToFloat16Bits(1)), [2, 1, 3, 3]);
    const out = await session.run({ input });
    expect(out.logits?.type).toBe('float16');
    expect(out.logits?.dims).toEqual([2, 2]);
  });

  it('exact GELU, SiLU, Hardswish, Hardsigmoid', async () => {
    const b = new GraphBuilder('acts', 0);
    const x = b.input('input', ['N', 4]);
    const y = b.concat([b.gelu(x), b.silu(x), b.hardSwish(x), b.hardSigmoid(x)], 1);
    const session = await ort.InferenceSession.create(
      emitOnnx(b.finish(y, 'logits'), { precision: 'fp32', producerVersion: 't' }),
    );
    const out = await session.run({
      input: new ort.Tensor('float32', Float32Array.from([-3, -1, 1, 4]), [1, 4]),
    });
    const got = Array.from(out.logits?.data as Float32Array);
    const expected = [
      // gelu(x) = 0.5 x (1 + erf(x / sqrt 2)): erf(3/sqrt2) = 0.9973002, erf(1/sqrt2) = 0.6826895, erf(4/sqrt2) = 0.9999367
      -1.5 * (1 - 0.9973002),
      -0.5 * (1 - 0.6826895),
      0.5 * (1 + 0.6826895),
      2 * (1 + 0.9999367),
      // silu(x) = x / (1 + e^-x)
      -3 / (1 + Math.exp(3)),
      -1 / (1 + Math.exp(1)),
      1 / (1 + Math.exp(-1)),
      4 / (1 + Math.exp(-4)),
      // hardswish(x) = x * relu6(x + 3) / 6: 0, -1*2/6, 1*4/6, 4*6/6
      0,
      -1 / 3,
      2 / 3,
      4,
      // hardsigmoid(x) = relu6(x + 3) / 6
      0,
      1 / 3,
      2 / 3,
      1,
    ];
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 5));
  });
});

describe('seeded init', () => {
  it('is deterministic per (seed, name) and differs across seeds and names', () => {
    const fill = (seed: number, name: string) => {
      const a = new Float32Array(8);
      fillTensor(a, { kind: 'normal', std: 1 }, seed, name);
      return Array.from(a);
    };
    expect(fill(0, 'w')).toEqual(fill(0, 'w'));
    expect(fill(1, 'w')).not.toEqual(fill(0, 'w'));
    expect(fill(0, 'v')).not.toEqual(fill(0, 'w'));
  });

  it('mulberry32 matches the canonical snippet (Tommy Ettinger, as widely published)', () => {
    function reference(a: number) {
      return () => {
        let t = (a += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return (t ^ (t >>> 14)) >>> 0;
      };
    }
    const ref = reference(12345);
    const r = new Mulberry32(12345);
    const ours = Array.from({ length: 1000 }, () => r.nextU32());
    expect(ours).toEqual(Array.from({ length: 1000 }, ref));
  });

  it('normal and truncated normal have the requested moments', () => {
    const a = new Float32Array(200_000);
    fillTensor(a, { kind: 'normal', mean: 1, std: 2 }, 0, 'n');
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(std).toBeCloseTo(2, 1);
    fillTensor(a, { kind: 'truncNormal', std: 0.02 }, 0, 't');
    expect(a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(0.04);
  });
});

import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { listZoo } from '../models/index.js';
import { formatAnalysis } from '../src/report/analyze-text.js';
import { analyzeModel, type ModelAnalysis } from '../src/analyze/index.js';
import { h100 } from '../src/catalog/catalog.js';
import { peaksFromCatalog } from '../src/catalog/device-peaks.js';
import { rooflineOn } from '../src/estimate/roofline.js';
import { zooModelPath } from '../models/cache.js';
import { a, buildModel } from './analyze-fixtures.js';
import { expectBenchError } from './bench-error.js';

const { onnx } = onnxProto;

/**
 * The model as exporters that store every weight in a Constant node write it: each initializer becomes
 * a Constant node (same tensor, doc_string included) placed before the first node.
 */
function initializersToConstants(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const inits = graph.initializer ?? [];
  const names = new Set(inits.map((t) => t.name ?? ''));
  const constants = inits.map((t) => ({
    name: `const_${t.name ?? ''}`,
    opType: 'Constant',
    input: [],
    output: [t.name ?? ''],
    attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t }],
  }));
  graph.node = [...constants.map((n) => onnx.NodeProto.create(n)), ...(graph.node ?? [])];
  graph.initializer = [];
  graph.input = (graph.input ?? []).filter((i) => !names.has(i.name ?? ''));
  return onnx.ModelProto.encode(model).finish();
}

/** The H100 roofline bound at batch 1, from an analysis. */
function roofline(r: ModelAnalysis): number {
  const bound = rooflineOn(
    {
      flopsPerImage: r.flops,
      weightBytes: r.weightBytes,
      activationBytesPerImage: r.activationBytes,
      batch: 1,
    },
    peaksFromCatalog(h100()),
    'fp32',
  );
  if (!bound.ok) throw new Error(bound.reason);
  return bound.value.samplesPerS;
}

describe('weights stored in Constant nodes', () => {
  // The zoo files come from the model cache (the user cache folder, or H100E_CACHE_DIR), so only a first run pays for building.
  for (const entry of listZoo()) {
    it(`${entry.name}: params, weight bytes, MACs and roofline equal the initializer form`, () => {
      const path = zooModelPath(entry.name, { precision: 'fp32', seed: 0 });
      const original = analyzeModel(path);
      const rewritten = initializersToConstants(readFileSync(path));
      const r = analyzeModel(rewritten);
      const row = (x: ModelAnalysis) => ({
        params: x.params,
        weightBytes: x.weightBytes,
        macs: x.macs,
        flops: x.flops,
        activationBytes: x.activationBytes,
        roofline: roofline(x),
        unknownOps: x.unknownOps,
      });
      // The row the closing note quotes: printed so the figures come from this run.
      console.log(`${entry.name}: ${JSON.stringify(row(r))}`);
      expect(r.params).toBeGreaterThan(0);
      expect(row(r)).toEqual(row(original));
      expect(r.weightsRule).toMatch(/Constant nodes/);
    });
  }

  it('the rewritten tiny_cnn runs on onnxruntime with the same logits as the original', async () => {
    const bytes = readFileSync(zooModelPath('tiny_cnn', { precision: 'fp32', seed: 0 }));
    const feed = {
      input: new ort.Tensor(
        'float32',
        Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i)),
        [1, 3, 32, 32],
      ),
    };
    const logits = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b);
      const out = (await s.run(feed)).logits?.data as Float32Array;
      await s.release();
      return [...out];
    };
    expect(await logits(initializersToConstants(bytes))).toEqual(await logits(bytes));
  });
});

describe('unmarked files (third-party exporters)', () => {
  // A Constant weight, a Constant shape vector, a Constant scalar and a value_floats bias.
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: ['N', 4] }],
    outputs: [{ name: 'y' }],
    nodes: [
      {
        op: 'Constant',
        inputs: [],
        outputs: ['w'],
        attrs: [
          {
            name: 'value',
            type: 4,
            t: { dims: [4, 3], dataType: 1, floatData: new Array<number>(12).fill(0.1) },
          },
        ],
      },
      {
        op: 'Constant',
        inputs: [],
        outputs: ['b'],
        attrs: [{ name: 'value_floats', type: 6, floats: [1, 2, 3] }],
      },
      { op: 'Constant', inputs: [], outputs: ['shape'], attrs: [a.ints('value_ints', [-1, 3])] },
      { op: 'Constant', inputs: [], outputs: ['two'], attrs: [a.float('value_float', 2)] },
      { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['g'] },
      { op: 'Mul', inputs: ['g', 'two'], outputs: ['m'] },
      { op: 'Reshape', inputs: ['m', 'shape'], outputs: ['y'] },
    ],
  });

  it('counts float Constant tensors as params and leaves shape vectors and scalars out', () => {
    const r = analyzeModel(bytes);
    // w 12 + b 3 = 15 params; the int64 [2] shape vector and the float scalar are excluded (3 elements).
    expect(r.params).toBe(15);
    expect(r.paramsRule).toMatch(/scalars and integer shape\/index tensors excluded \(3 elements\)/);
    // Bytes of every stored tensor: 12*4 + 3*4 + 2*8 + 4 = 80.
    expect(r.weightBytes).toBe(80);
    // Gemm [1,4] x [4,3]: 12 MACs.
    expect(r.macs).toBe(12);
    expect(formatAnalysis('m.onnx', r)).toContain(
      'weights      0.00 MB (initializers and Constant-node tensors at stored precision, 4 tensors from Constant nodes;',
    );
  });

  it('a Constant node with a malformed tensor is a one-line error naming it', () => {
    const bad = (t: onnxProto.onnx.ITensorProto) =>
      buildModel({
        inputs: [{ name: 'x', shape: [1, 3] }],
        outputs: [{ name: 'y' }],
        nodes: [
          {
            op: 'Constant',
            name: 'weights_0',
            inputs: [],
            outputs: ['w'],
            attrs: [{ name: 'value', type: 4, t }],
          },
          { op: 'Add', inputs: ['x', 'w'], outputs: ['y'] },
        ],
      });
    expectBenchError(
      () => analyzeModel(bad({ dims: [1, 3], dataType: 1, rawData: new Uint8Array(5) })),
      'E_FILE_CORRUPT',
      /^<bytes>: Constant node 'weights_0' holds a malformed tensor: raw_data has 5 bytes, dims \[1,3\] need 12$/,
    );
    expectBenchError(
      () => analyzeModel(bad({ dims: [1, 3], dataType: 1, floatData: [1, 2] })),
      'E_FILE_CORRUPT',
      /holds 2 values, dims \[1,3\] need 3$/,
    );
    expectBenchError(
      () => analyzeModel(bad({ dims: [1, 3], dataType: 99, floatData: [1, 2, 3] })),
      'E_FILE_CORRUPT',
      /unknown data type 99$/,
    );
  });
});

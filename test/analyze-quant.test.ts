import { describe, expect, it } from 'vitest';
import { formatAnalysis } from '../src/report/analyze-text.js';
import { analyzeModel } from '../src/analyze/index.js';
import { a, buildModel, ortOutputDims } from './analyze-fixtures.js';
import { thrownBenchError as benchError } from './bench-error.js';

// ONNX element types used below.
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;

const byOp = (r: ReturnType<typeof analyzeModel>, op: string) => r.byOp.find((o) => o.opType === op);

/**
 * The block onnxruntime's dynamic quantizer writes for every Conv (IS-Net "small" is 119 of these):
 * DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul by the scalar product of scales -> Add bias.
 */
const dynamicConvBlock = buildModel({
  inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
  outputs: [
    { name: 'xq', elemType: UINT8 },
    { name: 'xs', elemType: FLOAT },
    { name: 'acc', elemType: INT32 },
    { name: 'out', elemType: FLOAT },
  ],
  inits: [
    { name: 'w', dims: [4, 3, 3, 3], elemType: UINT8, values: new Array<number>(108).fill(3) },
    { name: 'w_zp', dims: [], elemType: UINT8, values: [0] },
    { name: 'w_scale', dims: [], values: [0.5] },
    { name: 'bias', dims: [4], values: [1, 2, 3, 4] },
    { name: 'bias_shape', dims: [4], elemType: 7, values: [1, -1, 1, 1] },
  ],
  nodes: [
    { op: 'Reshape', inputs: ['bias', 'bias_shape'], outputs: ['bias4'] },
    { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['xq', 'xs', 'xzp'] },
    { op: 'Mul', inputs: ['xs', 'w_scale'], outputs: ['scale'] },
    {
      op: 'ConvInteger',
      inputs: ['xq', 'w', 'xzp', 'w_zp'],
      outputs: ['acc'],
      attrs: [a.ints('kernel_shape', [3, 3]), a.ints('pads', [1, 1, 1, 1]), a.ints('strides', [2, 2])],
    },
    { op: 'Cast', inputs: ['acc'], outputs: ['accf'], attrs: [a.int('to', FLOAT)] },
    { op: 'Mul', inputs: ['accf', 'scale'], outputs: ['scaled'] },
    { op: 'Add', inputs: ['scaled', 'bias4'], outputs: ['y'] },
    { op: 'Relu', inputs: ['y'], outputs: ['r'] },
    {
      op: 'MaxPool',
      inputs: ['r'],
      outputs: ['out'],
      attrs: [a.ints('kernel_shape', [2, 2]), a.ints('strides', [2, 2]), a.int('ceil_mode', 1)],
    },
  ],
});

describe('dynamically quantized conv (DynamicQuantizeLinear + ConvInteger)', () => {
  it('infers shapes and dtypes through the block, as onnxruntime does', async () => {
    const r = analyzeModel(dynamicConvBlock);
    // Conv: floor((8 + 1 + 1 - 3) / 2) + 1 = 4 per spatial axis; MaxPool 2x2/2: 4 -> 2.
    expect(r.outputs).toEqual([
      { name: 'xq', dtype: 'uint8', shape: [1, 3, 8, 8] },
      { name: 'xs', dtype: 'float32', shape: [] },
      { name: 'acc', dtype: 'int32', shape: [1, 4, 4, 4] },
      { name: 'out', dtype: 'float32', shape: [1, 4, 2, 2] },
    ]);
    const ort = await ortOutputDims(dynamicConvBlock, { x: [1, 3, 8, 8] });
    expect(ort).toEqual({ xq: [1, 3, 8, 8], xs: [], acc: [1, 4, 4, 4], out: [1, 4, 2, 2] });
    expect(r.unknownOps).toEqual([]);
    expect(r.unresolvedOps).toEqual([]);
  });

  it('counts ConvInteger MACs like Conv and reports them as integer MACs', () => {
    const r = analyzeModel(dynamicConvBlock);
    // ConvInteger: 1*4*4*4 = 64 outputs x (3*3*3 = 27) = 1728 MACs, 3456 ops.
    expect(r.macs).toBe(1728);
    expect(r.intMacs).toBe(1728);
    expect(byOp(r, 'ConvInteger')).toEqual({
      opType: 'ConvInteger',
      count: 1,
      macs: 1728,
      intMacs: 1728,
      flops: 3456,
    });
    // DynamicQuantizeLinear: 7 per input element x 192 (3*8*8) = 1344.
    expect(byOp(r, 'DynamicQuantizeLinear')?.flops).toBe(1344);
    // Mul: the scalar scale product (1) + the 64-element rescale (64) = 65.
    expect(byOp(r, 'Mul')).toEqual({ opType: 'Mul', count: 2, macs: 0, flops: 65 });
    // Total: 3456 + 1344 + 65 + Add 64 + Relu 64 + MaxPool (16 outputs x 4) 64 = 5057; Cast, Reshape 0.
    expect(r.flops).toBe(5057);
    expect(formatAnalysis('m.onnx', r)).toContain('; 0.00000173 of them 8-bit integer');
  });

  it('float models report zero integer MACs', () => {
    const float = buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      inits: [{ name: 'w', dims: [3, 2, 1, 1] }],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const r = analyzeModel(float);
    // 1*3*4*4 = 48 outputs x 2 = 96 MACs, none of them integer; byOp carries no intMacs key.
    expect([r.macs, r.intMacs]).toEqual([96, 0]);
    expect(byOp(r, 'Conv')).toEqual({ opType: 'Conv', count: 1, macs: 96, flops: 192 });
    expect(formatAnalysis('m.onnx', r)).not.toContain('8-bit');
  });
});

describe('statically quantized ops (QuantizeLinear, QLinearConv, DequantizeLinear)', () => {
  const qdq = buildModel({
    inputs: [{ name: 'x', shape: [1, 2, 5, 5] }],
    outputs: [
      { name: 'xq', elemType: UINT8 },
      { name: 'yq', elemType: UINT8 },
      { name: 'y', elemType: FLOAT },
    ],
    inits: [
      { name: 's', dims: [], values: [0.1] },
      { name: 'zp', dims: [], elemType: UINT8, values: [128] },
      { name: 'w', dims: [3, 2, 3, 3], elemType: INT8, values: new Array<number>(54).fill(-2) },
      { name: 'ws', dims: [], values: [0.05] },
      { name: 'wzp', dims: [], elemType: INT8, values: [0] },
      { name: 'bias', dims: [3], elemType: INT32, values: [10, 20, 30] },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 's', 'zp'], outputs: ['xq'] },
      {
        op: 'QLinearConv',
        inputs: ['xq', 's', 'zp', 'w', 'ws', 'wzp', 's', 'zp', 'bias'],
        outputs: ['yq'],
        attrs: [a.ints('kernel_shape', [3, 3])],
      },
      { op: 'DequantizeLinear', inputs: ['yq', 's', 'zp'], outputs: ['y'] },
    ],
  });

  it('infers shapes and dtypes, as onnxruntime does', async () => {
    const r = analyzeModel(qdq);
    // 3x3 kernel, no padding: 5 - 3 + 1 = 3 per axis; outputs take the zero point's type (uint8).
    expect(r.outputs).toEqual([
      { name: 'xq', dtype: 'uint8', shape: [1, 2, 5, 5] },
      { name: 'yq', dtype: 'uint8', shape: [1, 3, 3, 3] },
      { name: 'y', dtype: 'float32', shape: [1, 3, 3, 3] },
    ]);
    expect(await ortOutputDims(qdq, { x: [1, 2, 5, 5] })).toEqual({
      xq: [1, 2, 5, 5],
      yq: [1, 3, 3, 3],
      y: [1, 3, 3, 3],
    });
  });

  it('counts QLinearConv MACs from the weight at input 3, plus requantize and bias', () => {
    const r = analyzeModel(qdq);
    // 1*3*3*3 = 27 outputs x (2*3*3 = 18) = 486 MACs.
    expect([r.macs, r.intMacs]).toEqual([486, 486]);
    // 2*486 + 5 (requantize) * 27 + 1 (bias) * 27 = 972 + 135 + 27 = 1134.
    expect(byOp(r, 'QLinearConv')?.flops).toBe(1134);
    // QuantizeLinear 5 * 50 = 250; DequantizeLinear 2 * 27 = 54.
    expect(byOp(r, 'QuantizeLinear')?.flops).toBe(250);
    expect(byOp(r, 'DequantizeLinear')?.flops).toBe(54);
    expect(r.flops).toBe(1134 + 250 + 54);
  });

  it('QuantizeLinear output type: zero point type, uint8 without one, output_dtype from opset 21', () => {
    const model = (opset: number, zpType: number | undefined, attrs = [] as ReturnType<typeof a.int>[]) =>
      buildModel({
        opset,
        inputs: [{ name: 'x', shape: [2, 3] }],
        outputs: [{ name: 'q' }, { name: 'd' }],
        inits: [
          { name: 's', dims: [], values: [0.5] },
          ...(zpType ? [{ name: 'zp', dims: [], elemType: zpType, values: [0] }] : []),
        ],
        nodes: [
          { op: 'QuantizeLinear', inputs: zpType ? ['x', 's', 'zp'] : ['x', 's'], outputs: ['q'], attrs },
          { op: 'DequantizeLinear', inputs: ['q', 's'], outputs: ['d'] },
        ],
      });
    const dtypes = (bytes: Uint8Array) => analyzeModel(bytes).outputs.map((o) => [o.dtype, o.shape]);
    expect(dtypes(model(17, INT8))).toEqual([
      ['int8', [2, 3]],
      ['float32', [2, 3]],
    ]);
    expect(dtypes(model(17, undefined))).toEqual([
      ['uint8', [2, 3]],
      ['float32', [2, 3]],
    ]);
    expect(dtypes(model(21, undefined, [a.int('output_dtype', INT8)]))).toEqual([
      ['int8', [2, 3]],
      ['float32', [2, 3]],
    ]);
  });
});

describe('integer matmuls (MatMulInteger, QLinearMatMul)', () => {
  it('MatMulInteger: int32 output, MatMul MACs, all integer', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [2, 4] }],
      outputs: [{ name: 'y', elemType: INT32 }],
      inits: [
        { name: 'b', dims: [4, 3], elemType: UINT8, values: new Array<number>(12).fill(7) },
        { name: 'bzp', dims: [], elemType: UINT8, values: [1] },
      ],
      nodes: [
        { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['xq', 'xs', 'xzp'] },
        { op: 'MatMulInteger', inputs: ['xq', 'b', 'xzp', 'bzp'], outputs: ['y'] },
      ],
    });
    const r = analyzeModel(bytes);
    expect(r.outputs).toEqual([{ name: 'y', dtype: 'int32', shape: [2, 3] }]);
    expect(await ortOutputDims(bytes, { x: [2, 4] })).toEqual({ y: [2, 3] });
    // 2*3 = 6 outputs x K 4 = 24 MACs; DynamicQuantizeLinear 7 * 8 = 56; total 48 + 56 = 104.
    expect([r.macs, r.intMacs, r.flops]).toEqual([24, 24, 104]);
  });

  it('QLinearMatMul: B at input 3, batch broadcast, requantize per output', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [2, 2, 4] }],
      outputs: [{ name: 'y', elemType: UINT8 }],
      inits: [
        { name: 's', dims: [], values: [0.1] },
        { name: 'zp', dims: [], elemType: UINT8, values: [128] },
        { name: 'b', dims: [4, 5], elemType: UINT8, values: new Array<number>(20).fill(130) },
      ],
      nodes: [
        { op: 'QuantizeLinear', inputs: ['x', 's', 'zp'], outputs: ['xq'] },
        { op: 'QLinearMatMul', inputs: ['xq', 's', 'zp', 'b', 's', 'zp', 's', 'zp'], outputs: ['y'] },
      ],
    });
    const r = analyzeModel(bytes);
    expect(r.outputs).toEqual([{ name: 'y', dtype: 'uint8', shape: [2, 2, 5] }]);
    expect(await ortOutputDims(bytes, { x: [2, 2, 4] })).toEqual({ y: [2, 2, 5] });
    // 2*2*5 = 20 outputs x K 4 = 80 MACs; QLinearMatMul 160 + 5 * 20 = 260; QuantizeLinear 5 * 16 = 80.
    expect([r.macs, r.intMacs]).toEqual([80, 80]);
    expect(byOp(r, 'QLinearMatMul')?.flops).toBe(260);
    expect(r.flops).toBe(340);
  });
});

describe('unknown shapes never turn into wrong ones', () => {
  // What broke IS-Net before the quantized rules existed: Mul(unknown, unknown) was treated as a
  // Mul of omitted inputs, became a scalar, broadcast with the [1,4,1,1] bias, and MaxPool failed.
  const afterUnknown = buildModel({
    inputs: [{ name: 'x', shape: [1, 4, 8, 8] }],
    outputs: [{ name: 'out' }],
    inits: [
      { name: 'scale', dims: [], values: [0.5] },
      { name: 'bias', dims: [1, 4, 1, 1], values: [1, 2, 3, 4] },
    ],
    nodes: [
      { op: 'FooQuant', inputs: ['x'], outputs: ['q', 'qs'] },
      { op: 'Mul', inputs: ['qs', 'scale'], outputs: ['s'] },
      { op: 'Mul', inputs: ['q', 's'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'bias'], outputs: ['y'] },
      { op: 'MaxPool', inputs: ['y'], outputs: ['out'], attrs: [a.ints('kernel_shape', [2, 2])] },
    ],
  });

  it('an unknown op leaves its consumers unresolved instead of broadcasting a guess', () => {
    const r = analyzeModel(afterUnknown);
    expect(r.unknownOps).toEqual(['FooQuant']);
    expect(r.unresolvedOps).toEqual(['Add', 'MaxPool', 'Mul']);
    expect(r.flops).toBe(0);
    expect(r.outputs[0]?.shape).toEqual([]);
  });

  it("a contradiction in the file's own declared shapes degrades to unresolved", () => {
    // The unknown op's output is declared [1,4,1,1] (wrongly), too small for the 2x2 MaxPool.
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 8, 8] }],
      outputs: [{ name: 'f', shape: [1, 4, 1, 1] }, { name: 'out' }],
      nodes: [
        { op: 'FooBar', inputs: ['x'], outputs: ['f'] },
        { op: 'Relu', inputs: ['f'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['out'], attrs: [a.ints('kernel_shape', [2, 2])] },
      ],
    });
    const r = analyzeModel(bytes);
    expect(r.unknownOps).toEqual(['FooBar']);
    expect(r.unresolvedOps).toEqual(['MaxPool']);
    // Relu still counts on the declared shape: 4 elements, 1 FLOP each.
    expect(r.flops).toBe(4);
  });

  const pooled = (shape: (number | string)[]) =>
    buildModel({
      inputs: [{ name: 'x', shape }],
      outputs: [{ name: 'out' }],
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['out'], attrs: [a.ints('kernel_shape', [2, 2])] }],
    });

  it('a mismatch caused by --shape is still a clear error that points at --shape', () => {
    const e = benchError(() => analyzeModel(pooled(['N', 4, 'H', 'W']), { shapes: { x: [1, 4, 1, 1] } }));
    expect(e.code).toBe('E_BAD_INPUT');
    expect(e.message).toContain("node 'maxpool_0' (MaxPool): window of 2 does not fit an axis of 1");
    expect(e.message).toContain('at input shape x:1x4x1x1');
    expect(e.hint).toBe('check the --shape values against what the model expects');
  });

  it("a mismatch at the model's own fixed input shapes says so instead of blaming --shape", () => {
    const e = benchError(() => analyzeModel(pooled([1, 4, 1, 1])));
    expect(e.code).toBe('E_BAD_INPUT');
    expect(e.hint).toContain("the model's own declared input shapes");
  });
});

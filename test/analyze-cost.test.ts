import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analyze/index.js';
import { a, buildModel, ortOutputDims } from './analyze-fixtures.js';

function op(analysis: ReturnType<typeof analyzeModel>, type: string) {
  const entry = analysis.byOp.find((o) => o.opType === type);
  if (!entry) throw new Error(`no ${type} in byOp`);
  return entry;
}

describe('analyzeModel: MACs and FLOPs of hand-built graphs', () => {
  it('grouped strided conv: MACs = N*Cout*Hout*Wout*(Cin/groups)*kH*kW, bias is not a MAC', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 8, 16, 16] }],
      outputs: [{ name: 'y', shape: ['N', 16, 8, 8] }],
      inits: [
        { name: 'w', dims: [16, 2, 3, 3] },
        { name: 'b', dims: [16] },
      ],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w', 'b'],
          outputs: ['y'],
          attrs: [
            a.int('group', 4),
            a.ints('pads', [1, 1, 1, 1]),
            a.ints('strides', [2, 2]),
            a.ints('kernel_shape', [3, 3]),
          ],
        },
      ],
    });
    const r = analyzeModel(bytes);
    // Hout = floor((16 + 1 + 1 - 3) / 2) + 1 = 8.
    expect(r.outputs[0]?.shape).toEqual([1, 16, 8, 8]);
    // 1 * 16 * 8 * 8 * (8 / 4) * 3 * 3 = 1024 * 18 = 18432 MACs.
    expect(r.macs).toBe(18432);
    // 2 * 18432 + one bias add per output element (16 * 8 * 8 = 1024) = 37888.
    expect(r.flops).toBe(37888);
    // Params: weight 16*2*3*3 = 288 + bias 16 = 304; fp32 => 1216 bytes.
    expect(r.params).toBe(304);
    expect(r.weightBytes).toBe(1216);
    // One output of 1024 float32 elements, counted once.
    expect(r.activationBytes).toBe(4096);
    expect(r.batch).toBe(1);
    expect(r.opset).toBe(17);
    // Batch 3 via --shape triples the MACs: 55296.
    expect(analyzeModel(bytes, { shapes: { x: [3, 8, 16, 16] } }).macs).toBe(55296);
    expect(await ortOutputDims(bytes, { x: [1, 8, 16, 16] })).toEqual({ y: [1, 16, 8, 8] });
  });

  it('auto_pad SAME_UPPER and dilation follow the ONNX formulas', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 2, 15, 15] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      inits: [{ name: 'w', dims: [4, 2, 3, 3] }],
      nodes: [
        {
          op: 'Conv',
          inputs: ['x', 'w'],
          outputs: ['y'],
          attrs: [a.str('auto_pad', 'SAME_UPPER'), a.ints('strides', [2, 2])],
        },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['z'], attrs: [a.ints('dilations', [2, 2])] },
      ],
    });
    const r = analyzeModel(bytes);
    // SAME: ceil(15 / 2) = 8; dilation 2: span 5, 15 - 5 + 1 = 11.
    expect(r.outputs.map((o) => o.shape)).toEqual([
      [1, 4, 8, 8],
      [1, 4, 11, 11],
    ]);
    // 4*8*8*2*9 = 4608 plus 4*11*11*2*9 = 8712 => 13320.
    expect(r.macs).toBe(13320);
    expect(await ortOutputDims(bytes, { x: [1, 2, 15, 15] })).toEqual({ y: [1, 4, 8, 8], z: [1, 4, 11, 11] });
  });

  it('Gemm with transB: MACs = M*N*K, plus one FLOP per output for C', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['batch', 256] }],
      outputs: [{ name: 'y' }],
      inits: [
        { name: 'w', dims: [10, 256] },
        { name: 'c', dims: [10] },
      ],
      nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'c'], outputs: ['y'], attrs: [a.int('transB', 1)] }],
    });
    const r = analyzeModel(bytes, { shapes: { x: [4, 256] } });
    expect(r.outputs[0]?.shape).toEqual([4, 10]);
    // 4 * 10 * 256 = 10240 MACs; FLOPs 2 * 10240 + 4 * 10 = 20520.
    expect(r.macs).toBe(10240);
    expect(r.flops).toBe(20520);
    expect(r.batch).toBe(4);
    // 2560 + 10 params.
    expect(r.params).toBe(2570);
  });

  it('MatMul with batch broadcasting: MACs = broadcast batch * M * K * N', async () => {
    const bytes = buildModel({
      inputs: [
        { name: 'a', shape: [2, 1, 5, 7] },
        { name: 'b', shape: [3, 7, 4] },
      ],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    const r = analyzeModel(bytes);
    // Batch dims [2,1] and [3] broadcast to [2,3]: output [2,3,5,4]; MACs = 2*3 * 5*7*4 = 840.
    expect(r.outputs[0]?.shape).toEqual([2, 3, 5, 4]);
    expect(r.macs).toBe(840);
    expect(r.flops).toBe(1680);
    expect(r.params).toBe(0);
    expect(await ortOutputDims(bytes, { a: [2, 1, 5, 7], b: [3, 7, 4] })).toEqual({ y: [2, 3, 5, 4] });
  });

  it('MaxPool ceil_mode rounds up but drops a window that starts in the end padding', async () => {
    const pool = (ceil: number, pads: number[], k: number) => ({
      op: 'MaxPool',
      inputs: ['x'],
      outputs: [`y${ceil}${pads[0]}`],
      attrs: [
        a.ints('kernel_shape', [k, k]),
        a.ints('strides', [2, 2]),
        a.ints('pads', pads),
        a.int('ceil_mode', ceil),
      ],
    });
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 3, 6, 6] }],
      outputs: [{ name: 'y00' }, { name: 'y10' }, { name: 'y11' }],
      nodes: [pool(0, [0, 0, 0, 0], 3), pool(1, [0, 0, 0, 0], 3), pool(1, [1, 1, 1, 1], 2)],
    });
    const r = analyzeModel(bytes);
    // floor((6-3)/2)+1 = 2; ceil((6-3)/2)+1 = 3;
    // k2 pad1: ceil((6+2-2)/2)+1 = 4, and the 4th window starts at 6 = 6 + 1 - 1, inside the input: keep 4.
    expect(r.outputs.map((o) => o.shape)).toEqual([
      [1, 3, 2, 2],
      [1, 3, 3, 3],
      [1, 3, 4, 4],
    ]);
    // FLOPs = output elements * kernel elements: 12*9 + 27*9 + 48*4 = 108 + 243 + 192 = 543; no MACs.
    expect(r.flops).toBe(543);
    expect(r.macs).toBe(0);
    expect(await ortOutputDims(bytes, { x: [1, 3, 6, 6] })).toEqual({
      y00: [1, 3, 2, 2],
      y10: [1, 3, 3, 3],
      y11: [1, 3, 4, 4],
    });

    const edge = buildModel({
      inputs: [{ name: 'x', shape: [1, 1, 5, 5] }],
      outputs: [{ name: 'y11' }],
      nodes: [pool(1, [1, 1, 1, 1], 2)],
    });
    // ceil((5+2-2)/2)+1 = 4, but window 4 would start at 6 >= 5 + 1 (all padding): dropped => 3.
    expect(analyzeModel(edge).outputs[0]?.shape).toEqual([1, 1, 3, 3]);
    expect(await ortOutputDims(edge, { x: [1, 1, 5, 5] })).toEqual({ y11: [1, 1, 3, 3] });
  });

  it('BN is 2 FLOPs per element and 0 MACs; buffer/constant markers are not params', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 4, 2, 2] }],
      outputs: [{ name: 'z' }],
      inits: [
        { name: 'scale', dims: [4] },
        { name: 'bias', dims: [4] },
        { name: 'mean', dims: [4], doc: 'buffer' },
        { name: 'var', dims: [4], doc: 'buffer' },
        { name: 'lo', dims: [], values: [0], doc: 'constant' },
        { name: 'hi', dims: [], values: [6], doc: 'constant' },
      ],
      nodes: [
        { op: 'BatchNormalization', inputs: ['x', 'scale', 'bias', 'mean', 'var'], outputs: ['y'] },
        { op: 'Clip', inputs: ['y', 'lo', 'hi'], outputs: ['z'] },
      ],
    });
    const r = analyzeModel(bytes);
    // 16 elements: BN 2*16 = 32, Clip 2*16 = 32.
    expect(op(r, 'BatchNormalization')).toEqual({
      opType: 'BatchNormalization',
      count: 1,
      macs: 0,
      flops: 32,
    });
    expect(r.flops).toBe(64);
    expect(r.macs).toBe(0);
    // scale + bias = 8 params; mean, var (buffers) and the two scalars (constants) are excluded (10 elements).
    expect(r.params).toBe(8);
    expect(r.paramsRule).toMatch(/10 elements excluded/);
    // All 18 initializer elements are stored as float32: 72 bytes.
    expect(r.weightBytes).toBe(72);
    // Two activations of 16 float32 each: 128 bytes.
    expect(r.activationBytes).toBe(128);
  });

  it('folds Shape -> Gather -> Unsqueeze(opset 13 axes input) -> Concat -> Reshape, and Reshape 0 / -1', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 8, 4, 4] }],
      outputs: [{ name: 'y' }, { name: 'r' }, { name: 'sq' }],
      inits: [
        { name: 'zero', dims: [], values: [0], elemType: 7 },
        { name: 'ax0', dims: [1], values: [0], elemType: 7 },
        { name: 'minus1', dims: [1], values: [-1], elemType: 7 },
        { name: 'shape0', dims: [3], values: [0, 8, -1], elemType: 7 },
        { name: 'sqax', dims: [1], values: [1], elemType: 7 },
      ],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: [a.int('axis', 0)] },
        { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
        { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: [a.int('axis', 0)] },
        { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] },
        { op: 'Reshape', inputs: ['x', 'shape0'], outputs: ['r'] },
        { op: 'Flatten', inputs: ['x'], outputs: ['f'] },
        { op: 'Unsqueeze', inputs: ['f', 'sqax'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'sqax'], outputs: ['sq'] },
      ],
    });
    const r = analyzeModel(bytes, { shapes: { x: [2, 8, 4, 4] } });
    // [2, 8*4*4] from the folded target [2, -1]; [2, 8, 16] from 0 (copy) and -1 (infer).
    expect(r.outputs.map((o) => o.shape)).toEqual([
      [2, 128],
      [2, 8, 16],
      [2, 128],
    ]);
    expect(r.unknownOps).toEqual([]);
    expect(r.unresolvedOps).toEqual([]);
    expect(r.flops).toBe(0);
  });

  it('attention-style Transpose/Split/Softmax/LayerNormalization shapes and FLOPs', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 6] }],
      outputs: [{ name: 'o' }],
      inits: [
        { name: 'g', dims: [6] },
        { name: 'be', dims: [6] },
        { name: 'parts', dims: [2], values: [3, 3], elemType: 7 },
      ],
      nodes: [
        { op: 'LayerNormalization', inputs: ['x', 'g', 'be'], outputs: ['ln'], attrs: [a.int('axis', -1)] },
        { op: 'Split', inputs: ['ln', 'parts'], outputs: ['q', 'k'], attrs: [a.int('axis', 2)] },
        { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: [a.ints('perm', [0, 2, 1])] },
        { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['att'] },
        { op: 'Softmax', inputs: ['att'], outputs: ['o'], attrs: [a.int('axis', -1)] },
      ],
    });
    const r = analyzeModel(bytes);
    // q [1,4,3] x kt [1,3,4] = [1,4,4]: MACs 4*4*3 = 48.
    expect(r.outputs[0]?.shape).toEqual([1, 4, 4]);
    expect(r.macs).toBe(48);
    // LayerNorm 7 * 24 = 168, MatMul 96, Softmax 5 * 16 = 80 => 344.
    expect(op(r, 'LayerNormalization').flops).toBe(168);
    expect(op(r, 'Softmax').flops).toBe(80);
    expect(r.flops).toBe(344);
    expect(r.byOp.map((o) => o.opType)).toEqual([
      'LayerNormalization',
      'MatMul',
      'Softmax',
      'Split',
      'Transpose',
    ]);
  });
});

describe('analyzeModel: data-movement and resize shapes agree with onnxruntime', () => {
  it('Slice (negative index, step), Pad, Resize (scales), GlobalAveragePool, Concat, ReduceMean', async () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 10, 10] }],
      outputs: [{ name: 'sl' }, { name: 'up' }, { name: 'gap' }, { name: 'cat' }, { name: 'rm' }],
      inits: [
        { name: 'starts', dims: [2], values: [1, -1], elemType: 7 },
        { name: 'ends', dims: [2], values: [3, 0], elemType: 7 },
        { name: 'axes', dims: [2], values: [1, 3], elemType: 7 },
        { name: 'steps', dims: [2], values: [1, -3], elemType: 7 },
        { name: 'pads', dims: [8], values: [0, 0, 1, 2, 0, 0, 1, 2], elemType: 7 },
        { name: 'scales', dims: [4], values: [1, 1, 2, 2] },
        { name: 'rmaxes', dims: [2], values: [2, 3], elemType: 7 },
      ],
      nodes: [
        { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['sl'] },
        { op: 'Pad', inputs: ['x', 'pads'], outputs: ['pd'] },
        { op: 'Resize', inputs: ['pd', '', 'scales'], outputs: ['up'], attrs: [a.str('mode', 'linear')] },
        { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['gap'] },
        { op: 'Concat', inputs: ['x', 'x'], outputs: ['cat'], attrs: [a.int('axis', -3)] },
        { op: 'ReduceMean', inputs: ['x', 'rmaxes'], outputs: ['rm'], attrs: [a.int('keepdims', 0)] },
      ],
      opset: 18,
    });
    const r = analyzeModel(bytes);
    const expected = {
      // channels 1..2; width from 9 down to 1 step -3: 9, 6, 3 => 3.
      sl: [1, 2, 10, 3],
      // pad 1+1 rows, 2+2 cols => 12 x 14, then x2 => 24 x 28.
      up: [1, 4, 24, 28],
      gap: [1, 4, 1, 1],
      cat: [1, 8, 10, 10],
      rm: [1, 4],
    };
    expect(Object.fromEntries(r.outputs.map((o) => [o.name, o.shape]))).toEqual(expected);
    expect(await ortOutputDims(bytes, { x: [1, 4, 10, 10] })).toEqual(expected);
    // Resize linear over 2 axes: 2 * 4 neighbours per output = 8 * 2688 = 21504;
    // GlobalAveragePool and ReduceMean: 400 input elements each.
    expect(op(r, 'Resize').flops).toBe(21504);
    expect(op(r, 'GlobalAveragePool').flops).toBe(400);
    expect(r.flops).toBe(21504 + 400 + 400);
  });
});

/** Control flow: a model with a Loop keeps a partial cost with the Loop named, as any unknown op. */
import { describe, expect, it } from 'vitest';
import { formatAnalysis, unknownCostLine } from '../src/report/analyze-text.js';
import { analyzeModel } from '../src/analyze/index.js';
import { buildModel, ortOutputDims } from './analyze-fixtures.js';

const INT64 = 7;
const BOOL = 9;

/**
 * y = MatMul(x, w) -> Loop (3 trips, body: acc = acc + 1) -> Relu -> out.
 * The Loop body is a subgraph the analyzer does not walk, so the Loop's cost is unknown and the Relu
 * after it has no inferred shape.
 */
const bytes = buildModel({
  inputs: [{ name: 'x', shape: [2, 4] }],
  outputs: [{ name: 'out' }],
  inits: [
    { name: 'w', dims: [4, 3] },
    { name: 'trips', dims: [], elemType: INT64, values: [3] },
    { name: 'cond', dims: [], elemType: BOOL, values: [1] },
  ],
  nodes: [
    { op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] },
    {
      op: 'Loop',
      inputs: ['trips', 'cond', 'y'],
      outputs: ['looped'],
      attrs: [
        {
          name: 'body',
          type: 5, // GRAPH
          g: {
            name: 'body',
            input: [
              { name: 'i', type: { tensorType: { elemType: INT64, shape: { dim: [] } } } },
              { name: 'c_in', type: { tensorType: { elemType: BOOL, shape: { dim: [] } } } },
              { name: 'acc_in', type: { tensorType: { elemType: 1 } } },
            ],
            output: [
              { name: 'c_out', type: { tensorType: { elemType: BOOL, shape: { dim: [] } } } },
              { name: 'acc_out', type: { tensorType: { elemType: 1 } } },
            ],
            initializer: [{ name: 'one', dims: [], dataType: 1, floatData: [1] }],
            node: [
              { opType: 'Identity', input: ['c_in'], output: ['c_out'] },
              { opType: 'Add', input: ['acc_in', 'one'], output: ['acc_out'] },
            ],
          },
        },
      ],
    },
    { op: 'Relu', inputs: ['looped'], outputs: ['out'] },
  ],
});

describe('a model with a Loop', () => {
  it('is a valid model that onnxruntime runs', async () => {
    expect(await ortOutputDims(bytes, { x: [2, 4] })).toEqual({ out: [2, 3] });
  });

  it('counts what it can, names the Loop as unknown and the op after it as unresolved', () => {
    const r = analyzeModel(bytes);
    // MatMul [2,4] x [4,3]: 2*3 outputs x K 4 = 24 MACs, 48 FLOPs; nothing else is counted.
    expect(r.macs).toBe(24);
    expect(r.flops).toBe(48);
    expect(r.unknownOps).toEqual(['Loop']);
    expect(r.unresolvedOps).toEqual(['Relu']);
    expect(unknownCostLine(r)).toBe(
      'cost unknown for: Loop, Relu (shape unknown) (not counted in the totals)',
    );
    expect(formatAnalysis('loop.onnx', r)).toMatch(/^Loop\s+1\s+\?\s+\?\s+\?$/m);
  });
});

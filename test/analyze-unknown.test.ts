import { describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analyze/index.js';
import { costRules } from '../src/analyze/cost.js';
import { shapeRules } from '../src/analyze/shape-rules.js';
import { buildModel } from './analyze-fixtures.js';

describe('unknown ops are reported, never silently zero', () => {
  const bytes = buildModel({
    inputs: [{ name: 'x', shape: [1, 4, 2, 2] }],
    outputs: [{ name: 'out' }],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'FooBar', inputs: ['r'], outputs: ['f'] },
      { op: 'FusedThing', domain: 'com.example', inputs: ['f'], outputs: ['g'] },
      { op: 'Sigmoid', inputs: ['g'], outputs: ['out'] },
    ],
  });

  it('lists unknown op types and the known ops whose shapes they hid', () => {
    const r = analyzeModel(bytes);
    expect(r.unknownOps).toEqual(['FooBar', 'com.example::FusedThing']);
    // Sigmoid's input comes out of the unknown op, so its cost cannot be computed either.
    expect(r.unresolvedOps).toEqual(['Sigmoid']);
    // Only the Relu is counted: 16 elements, 1 FLOP each.
    expect(r.flops).toBe(16);
    expect(r.byOp.find((o) => o.opType === 'FooBar')).toEqual({
      opType: 'FooBar',
      count: 1,
      macs: 0,
      flops: 0,
    });
    expect(r.outputs[0]?.shape).toEqual([]);
  });

  it('declared value_info shapes let the analysis continue past an unknown op', () => {
    const withInfo = buildModel({
      inputs: [{ name: 'x', shape: [1, 4, 2, 2] }],
      outputs: [{ name: 'out', shape: [1, 4, 2, 2] }],
      nodes: [
        { op: 'FooBar', inputs: ['x'], outputs: ['out0'] },
        { op: 'Sigmoid', inputs: ['out0'], outputs: ['out'] },
      ],
    });
    // The graph output declares [1,4,2,2], so Sigmoid's per-output cost is known: 4 * 16 = 64.
    const r = analyzeModel(withInfo);
    expect(r.unknownOps).toEqual(['FooBar']);
    expect(r.unresolvedOps).toEqual([]);
    expect(r.flops).toBe(64);
    expect(r.outputs[0]?.shape).toEqual([1, 4, 2, 2]);
  });

  it('every op with a cost rule has a shape rule and vice versa', () => {
    expect(Object.keys(costRules).sort()).toEqual(Object.keys(shapeRules).sort());
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { analyzeModel, loadOnnx, parseShapeFlags } from '../src/analyze/index.js';
import { a, buildModel } from './analyze-fixtures.js';
import { thrownBenchError as benchError } from './bench-error.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-analyze-'));

const reluModel = (shape: (number | string)[]) =>
  buildModel({
    inputs: [{ name: 'images', shape }],
    outputs: [{ name: 'y' }],
    nodes: [{ op: 'Relu', inputs: ['images'], outputs: ['y'] }],
  });

describe('loadOnnx: unreadable files give one-line errors naming the file', () => {
  it('missing file', () => {
    const e = benchError(() => loadOnnx(join(dir, 'nope.onnx')));
    expect(e.code).toBe('E_FILE_NOT_FOUND');
    expect(e.message).toContain('nope.onnx');
  });

  it('empty file', () => {
    const file = join(dir, 'empty.onnx');
    writeFileSync(file, '');
    const e = benchError(() => loadOnnx(file));
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.message).toBe(`${file} is empty (0 bytes): not an ONNX model`);
  });

  it('truncated file says where it ends', () => {
    const bytes = reluModel([1, 3, 8, 8]);
    const file = join(dir, 'cut.onnx');
    writeFileSync(file, bytes.subarray(0, bytes.length - 7));
    const e = benchError(() => loadOnnx(file));
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.message).toContain(file);
    expect(e.message).toContain(`truncated at byte ${bytes.length - 7}`);
  });

  it('garbage bytes are corrupt protobuf', () => {
    const file = join(dir, 'text.onnx');
    writeFileSync(file, 'hello world, this is not a model');
    const e = benchError(() => loadOnnx(file));
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.message).toMatch(
      /text\.onnx is not a readable ONNX model: corrupt protobuf \(invalid wire type \d+ at byte \d+\)/,
    );
  });

  it('valid protobuf without a graph', () => {
    const file = join(dir, 'nograph.onnx');
    const { onnx } = onnxProto;
    writeFileSync(file, onnx.ModelProto.encode({ irVersion: 8, producerName: 'x' }).finish());
    const e = benchError(() => loadOnnx(file));
    expect(e.message).toBe(`${file} is not an ONNX model: no graph`);
  });

  it('reads the opset and producer', () => {
    const m = loadOnnx(reluModel([1, 3]));
    expect(m.opset).toBe(17);
    expect(m.producer).toBe('h100e-test');
    expect(m.label).toBe('<bytes>');
  });

  it('external-data initializers: counted from dims, values read from the side file', () => {
    const { onnx } = onnxProto;
    const shapeData = Buffer.alloc(16);
    shapeData.writeBigInt64LE(1n, 0);
    shapeData.writeBigInt64LE(-1n, 8);
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(8), shapeData]));
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'ext',
        input: [
          {
            name: 'x',
            type: {
              tensorType: {
                elemType: 1,
                shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }, { dimValue: 3 }] },
              },
            },
          },
        ],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        initializer: [
          {
            name: 'target',
            dims: [2],
            dataType: 7,
            dataLocation: 1,
            externalData: [
              { key: 'location', value: 'weights.bin' },
              { key: 'offset', value: '8' },
              { key: 'length', value: '16' },
            ],
          },
        ],
        node: [{ opType: 'Reshape', input: ['x', 'target'], output: ['y'] }],
      },
    });
    const file = join(dir, 'ext.onnx');
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    const r = analyzeModel(file);
    expect(r.outputs[0]?.shape).toEqual([1, 6]);
    expect(r.weightBytes).toBe(16);
  });
});

describe('input shapes', () => {
  it('parses --shape values', () => {
    expect(parseShapeFlags(['images:1x3x224x224', 'mask:2x7'])).toEqual({
      images: [1, 3, 224, 224],
      mask: [2, 7],
    });
    expect(parseShapeFlags(['4x3x32x32'])).toEqual({ '': [4, 3, 32, 32] });
    expect(benchError(() => parseShapeFlags(['images:1x3xHx224'])).code).toBe('E_USAGE');
    expect(benchError(() => parseShapeFlags(['a:1', 'a:2'])).message).toContain("given twice for input 'a'");
  });

  it('symbolic batch defaults to 1; unnamed --shape fits a single-input model', () => {
    const bytes = reluModel(['N', 3, 8, 8]);
    expect(analyzeModel(bytes).inputs[0]?.shape).toEqual([1, 3, 8, 8]);
    expect(analyzeModel(bytes, { shapes: parseShapeFlags(['5x3x8x8']) }).batch).toBe(5);
  });

  it('a symbolic non-batch dimension needs --shape, and the error shows the flag', () => {
    const e = benchError(() => analyzeModel(reluModel(['N', 3, 'height', 'width'])));
    expect(e.code).toBe('E_BAD_INPUT');
    expect(e.message).toBe("input 'images' of <bytes> has symbolic dimension 'height' at axis 2");
    expect(e.hint).toBe('give a concrete shape, e.g. --shape images:1x3xDxD');
    expect(
      analyzeModel(reluModel(['N', 3, 'height', 'width']), { shapes: { images: [1, 3, 5, 7] } }).flops,
    ).toBe(105);
  });

  it('a --shape of the wrong rank, a wrong fixed dim or an unknown input name is an error', () => {
    const bytes = reluModel(['N', 3, 8, 8]);
    const rank = benchError(() => analyzeModel(bytes, { shapes: { images: [1, 3, 8] } }));
    expect(rank.message).toBe(
      "--shape images:1x3x8 has rank 3, but input 'images' of <bytes> has rank 4 [N,3,8,8]",
    );
    expect(rank.hint).toBe('give 4 dimensions, e.g. --shape images:1x3x8x8');
    expect(benchError(() => analyzeModel(bytes, { shapes: { images: [1, 4, 8, 8] } })).message).toContain(
      'fixes it at 3',
    );
    expect(benchError(() => analyzeModel(bytes, { shapes: { input: [1, 3, 8, 8] } })).message).toBe(
      "--shape names input 'input', but <bytes> has inputs: images",
    );
  });

  it('shapes that contradict an op name the node', () => {
    const bytes = buildModel({
      inputs: [{ name: 'x', shape: ['N', 3, 'H', 'W'] }],
      outputs: [{ name: 'y' }],
      inits: [{ name: 'w', dims: [8, 3, 3, 3] }],
      nodes: [
        {
          op: 'Conv',
          name: 'stem',
          inputs: ['x', 'w'],
          outputs: ['y'],
          attrs: [a.ints('kernel_shape', [3, 3])],
        },
      ],
    });
    const e = benchError(() => analyzeModel(bytes, { shapes: { x: [1, 3, 2, 2] } }));
    expect(e.code).toBe('E_BAD_INPUT');
    expect(e.message).toBe(
      "<bytes>: node 'stem' (Conv): window of 3 does not fit an axis of 2 (+0 padding) at input shape x:1x3x2x2",
    );
  });
});

/** Models with several inputs and NHWC layout: seeded data per input, --shape per input, the batch the analyzer used. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAnalysis } from '../src/report/analyze-text.js';
import { analyzeModel } from '../src/analyze/index.js';
import { readResultFile } from '../src/results/io.js';
import { generateInputs } from '../src/run/inputs.js';
import { a, buildModel } from './analyze-fixtures.js';
import { runCommand } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const QUICK = ['--duration', '0.2', '--max-duration', '1', '--min-iterations', '3', '--warmup', '1'];
const INT64 = 7;

/** A detector-like model: a fixed [2] size vector first, then the image with symbolic batch, height, width. */
const path = join(dir, 'two-inputs.onnx');
writeFileSync(
  path,
  buildModel({
    inputs: [
      { name: 'orig_size', shape: [2], elemType: INT64 },
      { name: 'images', shape: ['N', 3, 'H', 'W'] },
    ],
    outputs: [{ name: 'feat' }, { name: 'size_f' }],
    inits: [{ name: 'w', dims: [8, 3, 3, 3] }],
    nodes: [
      { op: 'Conv', inputs: ['images', 'w'], outputs: ['c'], attrs: [a.ints('pads', [1, 1, 1, 1])] },
      { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['feat'] },
      { op: 'Cast', inputs: ['orig_size'], outputs: ['size_f'], attrs: [a.int('to', 1)] },
    ],
  }),
);

describe('several inputs', () => {
  it("the analyzer's batch is the image's symbolic axis 0, and inspect says so", () => {
    const r = analyzeModel(path, { shapes: { images: [4, 3, 16, 16] } });
    // Axis 0 of the first input would say 2 (the size vector's length); the image batch is 4.
    expect(r.batch).toBe(4);
    expect(r.batchRule).toBe("axis 0 of input 'images' (the first input with a symbolic first dimension)");
    // Conv: 4 * 8 * 16 * 16 outputs x 27 = 221,184 MACs.
    expect(r.macs).toBe(221_184);
    expect(formatAnalysis('two-inputs.onnx', r)).toContain(
      "GMACs        0.000221 (batch 4, axis 0 of input 'images' (the first input with a symbolic first dimension);",
    );
  });

  it('seeds a size input with the image height and width, NCHW and NHWC alike', () => {
    const nchw = generateInputs(
      [
        { name: 'images', dtype: 'float32', shape: [2, 3, 64, 48] },
        { name: 'sizes', dtype: 'int64', shape: [2, 2] },
      ],
      1,
    );
    expect([...(nchw.get('sizes')!.data as BigInt64Array)]).toEqual([64n, 48n, 64n, 48n]);
    const nhwc = generateInputs(
      [
        { name: 'x', dtype: 'float32', shape: [1, 320, 200, 3] },
        { name: 'hw', dtype: 'int32', shape: [2] },
      ],
      1,
    );
    expect([...(nhwc.get('hw')!.data as Int32Array)]).toEqual([320, 200]);
    // Without an image input, integer inputs keep their small seeded values.
    const ids = generateInputs([{ name: 'ids', dtype: 'int64', shape: [2] }], 1).get('ids')!
      .data as BigInt64Array;
    expect([...ids].every((v) => v >= 0n && v < 8n)).toBe(true);
  });

  it('bench run measures it with --shape naming each input, and records both inputs', async () => {
    const out = join(dir, 'run.json');
    const r = await runCommand(
      process.execPath,
      [
        CLI,
        'run',
        '--model',
        path,
        '--device',
        'cpu',
        '--shape',
        'images:1x3x16x16',
        '--shape',
        'orig_size:2',
        '--batch',
        '4',
        ...QUICK,
        '--out',
        out,
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = readResultFile(out).runs[0]!;
    expect(run.status).toBe('ok');
    expect(run.model.inputs).toEqual([
      { name: 'orig_size', dtype: 'int64', shape: [2] },
      { name: 'images', dtype: 'float32', shape: [4, 3, 16, 16] },
    ]);
    // Per image: 8 * 16 * 16 * 27 = 55,296 MACs (the batch-1 analysis, orig_size left at its fixed [2]).
    expect(run.model.macsPerImage).toBe(55_296);
  });
});

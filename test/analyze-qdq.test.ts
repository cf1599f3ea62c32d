/** int8 QDQ models: costing as 8-bit MACs, the zero-scale error, the int8 zoo build and its estimate rule. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel, loadOnnx } from '../src/analyze/index.js';
import { estimateFile, h100eCells } from '../src/estimate/estimate.js';
import { methodText } from '../src/report/estimate-method.js';
import { parseCpuinfo } from '../src/env/cpu-peak.js';
import { generateInputs } from '../src/run/inputs.js';
import { onnxPrecision } from '../src/run/models.js';
import { zooModelPath } from '../models/cache.js';
import { ensureZooModel } from '../src/run/int8-cache.js';
import { a, buildModel, ortOutputDims } from './analyze-fixtures.js';
import { expectBenchError } from './bench-error.js';
import { runCommand } from './run-command.js';
import { env, file, run } from './estimate-fixtures.js';

const UINT8 = 2;
const INT8 = 3;
const dir = mkdtempSync(join(tmpdir(), 'h100e-qdq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x -> Q -> DQ -> Conv(DQ(int8 w)) -> y, as onnxruntime's static quantizer writes a Conv. */
function qdqConv(xScale: number): Uint8Array {
  return buildModel({
    inputs: [{ name: 'x', shape: [1, 3, 8, 8] }],
    outputs: [{ name: 'y' }],
    inits: [
      { name: 'x_scale', dims: [], values: [xScale] },
      { name: 'x_zp', dims: [], elemType: UINT8, values: [128] },
      { name: 'w_q', dims: [4, 3, 3, 3], elemType: INT8, values: new Array<number>(108).fill(5) },
      { name: 'w_scale', dims: [4], values: [0.1, 0.2, 0.3, 0.4] },
      { name: 'w_zp', dims: [4], elemType: INT8, values: [0, 0, 0, 0] },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'x_scale', 'x_zp'], outputs: ['xq'] },
      { op: 'DequantizeLinear', inputs: ['xq', 'x_scale', 'x_zp'], outputs: ['xd'] },
      {
        op: 'DequantizeLinear',
        inputs: ['w_q', 'w_scale', 'w_zp'],
        outputs: ['wd'],
        attrs: [a.int('axis', 0)],
      },
      { op: 'Conv', inputs: ['xd', 'wd'], outputs: ['y'], attrs: [a.ints('pads', [1, 1, 1, 1])] },
    ],
  });
}

describe('QDQ models', () => {
  it('costs a Conv between 8-bit DequantizeLinear inputs as 8-bit MACs', async () => {
    const r = analyzeModel(qdqConv(0.05));
    // Conv 1x4x8x8 outputs x (3*3*3) = 6912 MACs, all of them 8-bit.
    expect(r.macs).toBe(6912);
    expect(r.intMacs).toBe(6912);
    expect(r.byOp.find((o) => o.opType === 'Conv')?.intMacs).toBe(6912);
    expect(await ortOutputDims(qdqConv(0.05), { x: [1, 3, 8, 8] })).toEqual({ y: [1, 4, 8, 8] });
  });

  it('a zero scale is a one-line error naming the node and the scale', () => {
    expectBenchError(
      () => analyzeModel(qdqConv(0)),
      'E_FILE_CORRUPT',
      /^<bytes>: node '.+' \(QuantizeLinear\) has a zero scale \(element 0 of 'x_scale'\)$/,
    );
  });
});

describe('int8 zoo build (tiny_cnn)', () => {
  it('quantizes every Conv and Gemm, runs on onnxruntime CPU and mostly agrees with fp32', async () => {
    const path = await ensureZooModel('tiny_cnn', { precision: 'int8', seed: 0, cacheDir: dir });
    // A second call finds the cached build.
    expect(zooModelPath('tiny_cnn', { precision: 'int8', seed: 0, cacheDir: dir })).toBe(path);
    const fp32Path = zooModelPath('tiny_cnn', { precision: 'fp32', seed: 0, cacheDir: dir });
    const [q, f] = [analyzeModel(path), analyzeModel(fp32Path)];
    expect(q.macs).toBe(f.macs);
    expect(q.intMacs).toBe(q.macs);
    expect(onnxPrecision(loadOnnx(path))).toBe('int8');
    // int8 weights are a quarter of the fp32 bytes, plus scales, zero points and int32 biases.
    expect(q.weightBytes).toBeLessThan(f.weightBytes / 2);
    // Fused QDQ groups write 8-bit tensors, so activation traffic shrinks rather than growing.
    expect(q.activationBytes).toBeLessThan(f.activationBytes);

    const images = 64;
    const shape = [images, 3, 32, 32];
    const data = generateInputs([{ name: 'input', dtype: 'float32', shape }], 7).get('input')!;
    const top1 = async (p: string) => {
      const s = await ort.InferenceSession.create(p, { executionProviders: ['cpu'] });
      const out = (await s.run({ input: new ort.Tensor('float32', data.data as Float32Array, shape) }))
        .logits!.data as Float32Array;
      await s.release();
      return Array.from({ length: images }, (_, i) => {
        const row = out.subarray(i * 1000, (i + 1) * 1000);
        return row.indexOf(Math.max(...row));
      });
    };
    const [qt, ft] = [await top1(path), await top1(fp32Path)];
    const agree = qt.filter((c, i) => c === ft[i]).length / images;
    const classes = new Set(ft).size;
    console.log(
      `tiny_cnn int8 top-1 agreement with fp32: ${agree} over ${images} seeded images, ${classes} fp32 classes`,
    );
    // Agreement means something only when fp32 itself tells the images apart.
    expect(classes).toBeGreaterThan(1);
    expect(agree).toBeGreaterThanOrEqual(0.8);
  });

  it('an int8 build not yet made is a one-line error naming the command that makes it', () => {
    expectBenchError(
      () => zooModelPath('resnet18', { precision: 'int8', seed: 3, cacheDir: dir }),
      'E_UNSUPPORTED',
      /^the int8 build of resnet18 \(seed 3\) is not in the cache /,
    );
  });
});

describe('bench models inspect --precision int8', () => {
  it('builds the int8 zoo model and prints its 8-bit MACs', async () => {
    const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
    const r = await runCommand(
      process.execPath,
      [cli, 'models', 'inspect', 'tiny_cnn', '--precision', 'int8'],
      {
        env: { ...process.env, H100E_CACHE_DIR: dir },
        timeoutMs: 60_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('model        tiny_cnn (zoo model, int8, seed 0)');
    expect(r.stdout).toMatch(/^GMACs +[\d.]+ \(batch 1; [^;]+; ([\d.]+) of them 8-bit integer/m);
  });
});

describe('estimate of an int8 run', () => {
  const cpu = parseCpuinfo(
    `processor\t: 0\nmodel name\t: Test CPU 9000\nphysical id\t: 0\ncore id\t\t: 0\ncpu MHz\t\t: 2500.000\nflags\t\t: avx2 fma avx512f avx512_vnni\n`,
  );
  const base = run({
    device: 'cuda',
    deviceName: 'NVIDIA L4',
    samplesPerS: 1000,
    flopsPerImage: 1e9,
    weightBytes: 1e6,
    activationBytesPerImage: 1e6,
  });
  const int8 = { ...base, model: { ...base.model, precision: 'int8' as const } };

  it('uses the 8-bit rule as its headline and the 8-bit peak in the roofline', () => {
    const e = estimateFile(file(env('Test CPU 9000', ['NVIDIA L4']), [int8]), 'l4.json', {
      referenceDir: join(dir, 'no-refs'),
      cpuInfo: cpu,
    }).runs[0]!;
    expect(methodText(e.roofline)).toMatch(/dense 8-bit/);
    const cells = h100eCells(file(env('Test CPU 9000', ['NVIDIA L4']), [int8, base]));
    expect(cells.get(int8)).toMatchObject({ method: 'spec int8' });
    expect(cells.get(base)).toMatchObject({ method: 'spec' });
  });
});

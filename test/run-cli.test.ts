/**
 * `bench run` end to end through the built CLI (dist/, built by `pretest`): real onnxruntime-node on
 * CPU, the zoo's tiny model and hand-built ONNX files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../src/results/io.js';
import { zooModelPath } from '../models/cache.js';
import { a, buildModel } from './analyze-fixtures.js';
import { runCommand, type CommandResult } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Short windows: these tests check behaviour, not speed. */
const QUICK = ['--duration', '0.2', '--max-duration', '1', '--min-iterations', '5', '--warmup', '1'];

/** Runs the built CLI; async so that a run of seconds does not stall the test worker's RPC. */
function bench(args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, ...args], { timeoutMs: 120_000 });
}

/** A model with symbolic batch, height and width: Conv -> Relu -> GlobalAveragePool -> Flatten -> Gemm. */
function symbolicModel(): string {
  const path = join(dir, 'symbolic.onnx');
  writeFileSync(
    path,
    buildModel({
      inputs: [{ name: 'pixels', shape: ['batch', 3, 'height', 'width'] }],
      outputs: [{ name: 'logits', shape: ['batch', 10] }],
      inits: [
        { name: 'w', dims: [8, 3, 3, 3] },
        { name: 'fc', dims: [10, 8] },
        { name: 'fcb', dims: [10] },
      ],
      nodes: [
        { op: 'Conv', inputs: ['pixels', 'w'], outputs: ['c'], attrs: [a.ints('pads', [1, 1, 1, 1])] },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'Gemm', inputs: ['f', 'fc', 'fcb'], outputs: ['logits'], attrs: [a.int('transB', 1)] },
      ],
    }),
  );
  return path;
}

describe('bench run: devices', () => {
  it('falls back from cuda to CPU loudly and records why', async () => {
    const out = join(dir, 'fallback.json');
    const r = await bench([
      '--device',
      'cuda',
      '--model',
      'tiny_cnn',
      '--batch',
      '1,4',
      ...QUICK,
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: --device cuda is not usable here .*running on CPU instead/);
    const file = readResultFile(out);
    expect(file.runs.map((run) => run.config.batch)).toEqual([1, 4]);
    for (const run of file.runs) {
      expect(run.status).toBe('ok');
      expect(run.device.requested).toBe('cuda');
      expect(run.device.actual).toBe('cpu');
      expect(run.engine.provider).toBe('cpu');
      expect(run.device.fallbackReason).toMatch(/^cuda not usable: /);
      expect(run.throughput?.samplesPerS).toBeGreaterThan(0);
      expect(run.samplesMs.length).toBe(run.latency?.count);
    }
    expect(r.stdout).toMatch(/cpu \(asked cuda\)/);
  });

  it('exits 3 with the remedy under --no-fallback, writing nothing', async () => {
    const out = join(dir, 'nofallback.json');
    const r = await bench([
      '--device',
      'cuda',
      '--no-fallback',
      '--model',
      'tiny_cnn',
      ...QUICK,
      '--out',
      out,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: --device cuda: missing .+\n {2}hint: .*`npx bench setup cuda`/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('bench run: models', () => {
  it('asks for --shape for symbolic dimensions, then runs a hand-built model with it', async () => {
    const model = symbolicModel();
    const missing = await bench([
      '--device',
      'cpu',
      '--model',
      model,
      ...QUICK,
      '--out',
      join(dir, 'sym-missing.json'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("input 'pixels' has symbolic dimension 'height'");
    expect(missing.stderr).toContain('--shape pixels:');
    const out = join(dir, 'sym.json');
    const r = await bench([
      '--device',
      'cpu',
      '--model',
      model,
      '--shape',
      'pixels:1x3x40x48',
      '--batch',
      '2',
      ...QUICK,
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const run = readResultFile(out).runs[0];
    expect(run?.status).toBe('ok');
    expect(run?.model.source).toBe('file');
    expect(run?.model.inputs).toEqual([{ name: 'pixels', dtype: 'float32', shape: [2, 3, 40, 48] }]);
    // Conv 8x3x3x3 over 40x48 (same padding): 8*40*48*27 = 414,720 MACs; Gemm 8x10 = 80 MACs; per image.
    expect(run?.model.macsPerImage).toBe(414_800);
    expect(run?.model.params).toBe(8 * 27 + 80 + 10);
  });

  it('feeds int64 and bool inputs with valid random data', async () => {
    const path = join(dir, 'ids.onnx');
    writeFileSync(
      path,
      buildModel({
        inputs: [
          { name: 'ids', shape: ['N', 6], elemType: 7 },
          { name: 'keep', shape: ['N', 6, 4], elemType: 9 },
        ],
        outputs: [{ name: 'y', shape: ['N', 6, 4] }],
        inits: [
          { name: 'table', dims: [8, 4] },
          { name: 'zero', dims: [1], values: [0] },
        ],
        nodes: [
          { op: 'Gather', inputs: ['table', 'ids'], outputs: ['emb'] },
          { op: 'Where', inputs: ['keep', 'emb', 'zero'], outputs: ['y'] },
        ],
      }),
    );
    const out = join(dir, 'ids.json');
    const r = await bench(['--device', 'cpu', '--model', path, '--batch', '3', ...QUICK, '--out', out]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const run = readResultFile(out).runs[0];
    expect(run?.status).toBe('ok');
    expect(run?.model.inputs.map((i) => i.dtype)).toEqual(['int64', 'bool']);
  });

  it('says when a model computes in 8-bit integers', async () => {
    const path = join(dir, 'quantized.onnx');
    writeFileSync(
      path,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],
        outputs: [{ name: 'y', shape: ['N', 4, 8, 8] }],
        inits: [
          { name: 'w', dims: [4, 3, 3, 3], elemType: 2, values: new Array<number>(108).fill(3) },
          { name: 'w_zp', dims: [], elemType: 2, values: [0] },
        ],
        nodes: [
          { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['xq', 'xs', 'xzp'] },
          {
            op: 'ConvInteger',
            inputs: ['xq', 'w', 'xzp', 'w_zp'],
            outputs: ['acc'],
            attrs: [a.ints('pads', [1, 1, 1, 1])],
          },
          { op: 'Cast', inputs: ['acc'], outputs: ['y'], attrs: [a.int('to', 1)] },
        ],
      }),
    );
    const out = join(dir, 'quantized.json');
    const r = await bench(['--device', 'cpu', '--model', path, ...QUICK, '--out', out]);
    expect(r.code).toBe(0);
    const run = readResultFile(out).runs[0];
    // ConvInteger 4x3x3x3 over 8x8 (same padding): 4*8*8*27 = 6912 integer MACs, all of the model's.
    expect(run?.model.macsPerImage).toBe(6912);
    expect(run?.warnings.find((w) => w.code === 'W_INTEGER_MODEL')?.message).toMatch(
      /^100 % of this model's MACs are 8-bit integer/,
    );
  });

  it('records a configuration that fails at run time and goes on with the sweep (exit 1)', async () => {
    // Reshape to a fixed [1, 48] works for batch 1 and fails for batch 2 inside onnxruntime.
    const path = join(dir, 'fixed-reshape.onnx');
    writeFileSync(
      path,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 3, 4, 4] }],
        outputs: [{ name: 'y', shape: [1, 48] }],
        inits: [{ name: 'shape', dims: [2], values: [1, 48], elemType: 7 }],
        nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] }],
      }),
    );
    const out = join(dir, 'partial.json');
    const r = await bench(['--device', 'cpu', '--model', path, '--batch', '2,1', ...QUICK, '--out', out]);
    expect(r.code).toBe(1);
    const runs = readResultFile(out).runs;
    expect(runs.map((run) => [run.config.batch, run.status])).toEqual([
      [2, 'failed'],
      [1, 'ok'],
    ]);
    expect(runs[0]?.error).toMatch(/reshape/i);
    expect(r.stdout).toMatch(/FAILED/);
  });
});

describe('bench run: bad input is a one-line error with exit code 2', () => {
  const existing = join(dir, 'existing.json');
  writeFileSync(existing, '{}');
  const corrupt = join(dir, 'corrupt.onnx');
  writeFileSync(corrupt, 'this is not protobuf');
  const truncated = join(dir, 'truncated.onnx');
  const cases: [string, string[], RegExp][] = [
    [
      'unknown model, with close names',
      ['--model', 'resnt50'],
      /unknown model 'resnt50'[\s\S]*did you mean resnet50/,
    ],
    [
      'unknown command, with the closest one',
      ['cmopare', 'a.json'],
      /unknown command 'cmopare'[\s\S]*did you mean compare\?/,
    ],
    ['batch 0', ['--model', 'tiny_cnn', '--batch', '0'], /--batch '0': expected positive integers/],
    [
      'a server-only flag without --scenario server',
      ['--model', 'tiny_cnn', '--qps', '5'],
      /--qps: only applies to the server scenario/,
    ],
    ['negative batch', ['--model', 'tiny_cnn', '--batch', '1,-8'], /--batch '1,-8'/],
    ['batch not a number', ['--model', 'tiny_cnn', '--batch', 'eight'], /--batch 'eight'/],
    [
      'unknown device',
      ['--model', 'tiny_cnn', '--device', 'tpu'],
      /--device 'tpu': expected one of auto, cpu, cuda, tensorrt, webgpu/,
    ],
    [
      'non-positive duration',
      ['--model', 'tiny_cnn', '--duration', '0'],
      /--duration '0': expected a positive number/,
    ],
    [
      'unwritable --out',
      ['--model', 'tiny_cnn', '--out', '/proc/nope/r.json'],
      /--out \/proc\/nope\/r\.json: folder/,
    ],
    [
      'existing --out without --force',
      ['--model', 'tiny_cnn', '--out', existing],
      /already exists[\s\S]*--force/,
    ],
    ['missing .onnx', ['--model', join(dir, 'missing.onnx')], /missing\.onnx: no such file/],
    [
      'unknown engine',
      ['--model', 'tiny_cnn', '--engine', 'torch'],
      /^error: --engine 'torch': expected one of ort, tfjs$/m,
    ],
    [
      'a far-off model name lists the zoo instead of guessing',
      ['--model', 'nope'],
      /unknown model 'nope'\n {2}hint: zoo models: tiny_cnn, /,
    ],
    [
      'seed beyond 32 bits',
      ['--model', 'tiny_cnn', '--seed', '5000000000'],
      /^error: --seed '5000000000': expected an integer from 0 to 4294967295$/m,
    ],
    ['empty --out', ['--model', 'tiny_cnn', '--out', ''], /^error: --out is empty: pass a file path$/m],
    [
      'threads beyond 4 x the cores',
      ['--model', 'tiny_cnn', '--threads', String(4 * availableParallelism() + 1)],
      new RegExp(
        `^error: --threads '${4 * availableParallelism() + 1}': expected an integer from 0 to ${4 * availableParallelism()} \\(4 x the ${availableParallelism()} logical cores here\\)$`,
        'm',
      ),
    ],
    [
      'hex duration',
      ['--model', 'tiny_cnn', '--duration', '0x10'],
      /^error: --duration '0x10': expected a positive number\n {2}hint: write --duration in plain decimal/m,
    ],
    [
      'concurrency with single-stream',
      ['--model', 'tiny_cnn', '--scenario', 'single-stream', '--concurrency', '4'],
      /--concurrency: the single-stream scenario runs one request at a time/,
    ],
    [
      '--precision other than the file has',
      ['--model', zooModelPath('tiny_cnn', { precision: 'fp32' }), '--precision', 'fp16'],
      /^error: --precision fp16: --model .*\.onnx is an fp32 file, and a file runs as it is\n {2}hint: --precision applies to zoo models; make an fp16 copy with bench models export NAME --precision fp16$/m,
    ],
    ['corrupt .onnx', ['--model', corrupt], /corrupt\.onnx is not a readable ONNX model/],
    [
      'truncated .onnx',
      ['--model', truncated],
      /truncated\.onnx is not a readable ONNX model: truncated at byte/,
    ],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    if (!existsSync(truncated)) {
      writeFileSync(
        truncated,
        readFileSync(zooModelPath('tiny_cnn', { precision: 'fp32' })).subarray(0, 2000),
      );
    }
    const r = await bench(['--device', 'cpu', ...QUICK, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
  });
});

describe('bench run: model files, repeats and --quiet', () => {
  it('records an fp16 file as fp16, measures a repeated key once, and names the file under --quiet', async () => {
    const fp16 = join(dir, 'tiny16.onnx');
    const exported = await bench([
      'models',
      'export',
      'tiny_cnn',
      '--precision',
      'fp16',
      '--out',
      fp16,
      '--force',
    ]);
    expect(exported.code).toBe(0);
    const out = join(dir, 'fp16-file.json');
    const r = await bench([
      '--device',
      'cpu',
      ...QUICK,
      '--model',
      `${fp16},${fp16}`,
      '--batch',
      '1,1',
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`results written to ${out}\n`);
    const runs = readResultFile(out).runs;
    expect(runs.map((x) => [x.model.precision, x.config.batch])).toEqual([['fp16', 1]]);
    expect(runs[0]?.key).toMatch(/^tiny16@[0-9a-f]{12}\|ort\|cpu\|fp16\|b1\|offline\|c1\|t0$/);
    expect(runs[0]?.warnings.map((w) => w.code)).toContain('W_FP16_ON_CPU');
  });

  it('says when --threads oversubscribes the cores', async () => {
    const cores = availableParallelism();
    const out = join(dir, 'threads.json');
    const r = await bench([
      '--device',
      'cpu',
      ...QUICK,
      '--model',
      'tiny_cnn',
      '--threads',
      String(cores + 1),
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `notice: --threads ${cores + 1} oversubscribes the ${cores} logical cores here; threads will wait on each other\n`,
    );
  });
});

describe('bench run: a malformed --shape', () => {
  it('fails before the first configuration starts', async () => {
    const r = await bench(['--device', 'cpu', ...QUICK, '--model', 'tiny_cnn', '--shape', 'foo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --shape 'foo' is not NAME:D1xD2x/m);
    expect(r.stderr).not.toContain('[1/1]'); // no progress line: nothing was measured
  });
});

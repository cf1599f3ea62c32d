import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { listZoo } from '../models/index.js';
import { analyzeModel } from '../src/analyze/index.js';
import { exportZooModel } from '../src/analyze/zoo-export.js';
import type { ZooRow } from '../src/analyze/zoo-table.js';
import { register } from '../src/cli/models.js';
import { BenchError } from '../src/core/errors.js';
import { buildModel } from './analyze-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-cli-models-'));

/** Runs `bench <args>` with only the models command registered; returns stdout and stderr. */
async function bench(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const program = new Command('bench').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}

async function benchError(args: string[]): Promise<BenchError> {
  try {
    await bench(args);
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).not.toContain('\n');
    return e as BenchError;
  }
  throw new Error('expected a BenchError');
}

afterEach(() => vi.restoreAllMocks());

describe('bench models', () => {
  it('--json: analyzer params equal torchvision exactly and GMACs are within 1 % for every zoo model', async () => {
    // Uses the real model cache (H100E_CACHE_DIR or the user cache folder): the first run builds every model.
    const rows = JSON.parse((await bench(['models', '--json'])).stdout) as ZooRow[];
    expect(rows.map((r) => r.name)).toEqual(listZoo().map((e) => e.name));
    const withExpected = rows.filter((r) => r.expected);
    expect(withExpected.map((r) => r.name)).toEqual([
      'resnet18',
      'resnet50',
      'mobilenet_v2',
      'mobilenet_v3_small',
      'mobilenet_v3_large',
      'efficientnet_b0',
      'squeezenet1_1',
      'convnext_tiny',
      'vit_b_16',
    ]);
    // torchvision's published GMACs (fvcore: conv + linear + matmul MACs, batch 1, 224x224).
    const torchvision: Record<string, number> = {
      resnet18: 1.814,
      resnet50: 4.089,
      mobilenet_v2: 0.301,
      mobilenet_v3_large: 0.217,
      mobilenet_v3_small: 0.057,
      efficientnet_b0: 0.386,
      squeezenet1_1: 0.349,
      convnext_tiny: 4.456,
      vit_b_16: 17.564,
    };
    for (const r of withExpected) {
      expect(r.params, r.name).toBe(r.expected?.params);
      expect(Math.abs(r.gmacs / (torchvision[r.name] ?? NaN) - 1), r.name).toBeLessThan(0.01);
      expect(r.gmacs).toBe(r.macs / 1e9);
      expect(r.gflops).toBeGreaterThan(2 * r.gmacs);
    }
    // The second listing reads the cached analyses: every row again, fast.
    const t0 = Date.now();
    const text = (await bench(['models'])).stdout;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(text).toMatch(/^resnet18\s+11\.69M\s+1\.814\s+\[N,3,224,224\]/m);
    expect(text).toMatch(/^vit_b_16\s+86\.57M\s+17\.56\s/m);
  });

  it('export: unknown names get suggestions; a bad --out fails before anything is built', async () => {
    const unknown = await benchError(['models', 'export', 'resnet19', '--out', join(dir, 'x.onnx')]);
    expect(unknown.code).toBe('E_UNKNOWN_MODEL');
    expect(unknown.hint).toContain('resnet18');

    const emptyCache = mkdtempSync(join(tmpdir(), 'h100e-empty-cache-'));
    const call = () =>
      exportZooModel({
        name: 'resnet50',
        precision: 'fp32',
        seed: 0,
        out: join(dir, 'missing', 'r.onnx'),
        cacheDir: emptyCache,
      });
    expect(call).toThrow(BenchError);
    expect(call).toThrow(
      `--out ${join(dir, 'missing', 'r.onnx')}: folder ${join(dir, 'missing')} does not exist`,
    );
    expect(readdirSync(emptyCache)).toEqual([]);
    expect((await benchError(['models', 'export', 'tiny_cnn', '--out', dir])).message).toBe(
      `--out ${dir} is a directory`,
    );
    expect(
      (await benchError(['models', 'export', 'tiny_cnn', '--seed', '-1', '--out', join(dir, 'x.onnx')]))
        .message,
    ).toBe("--seed '-1': expected an integer from 0 to 4294967295");
  });

  it('export writes a loadable fp16 file with the same params as fp32', async () => {
    const out = join(dir, 'tiny16.onnx');
    const { stdout } = await bench([
      'models',
      'export',
      'tiny_cnn',
      '--precision',
      'fp16',
      '--seed',
      '3',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/^wrote .*tiny16\.onnx \(tiny_cnn, fp16, seed 3, [\d.]+ MB\)\n$/);
    const a = analyzeModel(out);
    expect(a.inputs[0]?.dtype).toBe('float16');
    expect(a.params).toBe(44048);
    expect((await benchError(['models', 'export', 'tiny_cnn', '--out', out])).code).toBe('E_EXISTS');
    await bench(['models', 'export', 'tiny_cnn', '--out', out, '--force']);
    expect(analyzeModel(out).inputs[0]?.dtype).toBe('float32');
  });
});

describe('bench models inspect', () => {
  const file = join(dir, 'foobar.onnx');
  writeFileSync(
    file,
    buildModel({
      inputs: [{ name: 'x', shape: ['N', 4, 'H', 'W'] }],
      outputs: [{ name: 'y' }],
      inits: [{ name: 'w', dims: [8, 4, 1, 1] }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
        { op: 'FooBar', inputs: ['c'], outputs: ['y'] },
      ],
    }),
  );

  it('prints params, GMACs, the op table and the ops whose cost is unknown', async () => {
    const { stdout } = await bench(['models', 'inspect', file, '--shape', 'x:2x4x10x10']);
    // Conv 1x1: 2 * 8 * 10 * 10 * 4 = 6400 MACs; 32 params.
    expect(stdout).toContain(
      'params       32 (float, int8 and uint8 elements of initializers, scalars and integer shape/index tensors excluded (0 elements)',
    );
    expect(stdout).toContain('GMACs        0.00000640 (batch 2;');
    expect(stdout).toMatch(/^FooBar\s+1\s+\?\s+\?\s+\?$/m);
    expect(stdout).toContain('cost unknown for: FooBar (not counted in the totals)');
  });

  it('--json (after the subcommand) prints the analysis and warns on stderr', async () => {
    const { stdout, stderr } = await bench(['models', 'inspect', file, '--shape', 'x:1x4x10x10', '--json']);
    const a = JSON.parse(stdout) as ReturnType<typeof analyzeModel>;
    expect(a.macs).toBe(3200);
    expect(a.unknownOps).toEqual(['FooBar']);
    expect(stderr).toBe('warning: cost unknown for: FooBar (not counted in the totals)\n');
  });

  it('errors: symbolic dims without --shape, corrupt file, missing file', async () => {
    const sym = await benchError(['models', 'inspect', file]);
    expect(sym.message).toBe(`input 'x' of ${file} has symbolic dimension 'H' at axis 2`);
    expect(sym.hint).toContain('--shape x:1x4xDxD');
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, Buffer.from([0x08, 0x07, 0x12, 0xff, 0x01, 0x00]));
    const corrupt = await benchError(['models', 'inspect', bad]);
    expect(corrupt.code).toBe('E_FILE_CORRUPT');
    expect(corrupt.message).toContain(bad);
    expect((await benchError(['models', 'inspect', join(dir, 'none.onnx')])).code).toBe('E_FILE_NOT_FOUND');
  });
});

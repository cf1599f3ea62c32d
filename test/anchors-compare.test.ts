/**
 * bench/anchors/compare-pytorch.ts on SYNTHETIC inputs: made-up result files and a made-up PyTorch
 * anchor file, with round numbers so every ratio is exact. None of these figures was measured.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareCommand,
  comparePytorch,
  formatComparisonMarkdown,
  parsePytorchAnchor,
  type PytorchAnchor,
} from '../bench/anchors/compare-pytorch.js';
import { writeResultFile } from '../src/results/io.js';
import type { ResultFile, RunResult } from '../src/results/schema.js';
import { env, run } from './estimate-fixtures.js';
import { runCommand } from './run-command.js';

/** A synthetic GPU run on `provider` (webgpu or cuda). */
function gpuRun(
  model: string,
  precision: 'fp32' | 'fp16',
  batch: number,
  samplesPerS: number,
  provider: 'webgpu' | 'cuda',
  scenario: 'offline' | 'single-stream' = 'offline',
): RunResult {
  const r = run({ model, precision, batch, samplesPerS, flopsPerImage: 1, device: 'cuda', provider });
  return {
    ...r,
    device: { ...r.device, actual: provider },
    config: { ...r.config, scenario },
  };
}

function file(runs: RunResult[], gpus: string[] = ['SYNTHETIC H100']): ResultFile {
  return {
    schemaVersion: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'synthetic',
    environment: env('cpu', gpus),
    runs,
  };
}

const failed: RunResult = {
  ...gpuRun('resnet18', 'fp16', 8, 1, 'cuda'),
  status: 'failed',
  error: 'synthetic failure',
};
delete (failed as Partial<RunResult>).throughput;

const webgpu = file([
  gpuRun('resnet18', 'fp16', 8, 500, 'webgpu'),
  gpuRun('resnet18', 'fp32', 1, 100, 'webgpu'),
]);
/** A device-resident (--transfer exclude) run: its row carries no "+ copies" mark. */
const resident = gpuRun('resnet18', 'fp16', 8, 600, 'cuda');
resident.config = { ...resident.config, transfer: 'exclude' };
const cuda = file([
  resident,
  // Latency-bound scenario: must not count as throughput even though it is the largest figure.
  gpuRun('resnet18', 'fp16', 8, 9999, 'cuda', 'single-stream'),
  failed,
]);
const cpuRun = run({
  model: 'resnet50',
  precision: 'fp32',
  batch: 1,
  samplesPerS: 50,
  flopsPerImage: 1,
  device: 'cpu',
});
const cpu = file([cpuRun], []);

const anchor: PytorchAnchor = {
  format: 'h100e-pytorch-anchor',
  formatVersion: 1,
  environment: { gpu: 'SYNTHETIC H100', torch: '0.0-synthetic', cuda: '13.0' },
  settings: { device: 'cuda' },
  runs: [
    { model: 'resnet18', precision: 'fp16', batch: 8, mode: 'eager', status: 'ok', imagesPerS: 800 },
    { model: 'resnet18', precision: 'fp16', batch: 8, mode: 'compile', status: 'ok', imagesPerS: 1200 },
    { model: 'resnet18', precision: 'fp32', batch: 1, mode: 'eager', status: 'ok', imagesPerS: 400 },
    { model: 'resnet18', precision: 'fp32', batch: 1, mode: 'compile', status: 'failed', error: 'synthetic' },
    { model: 'resnet18', precision: 'bf16', batch: 8, mode: 'eager', status: 'ok', imagesPerS: 1000 },
    { model: 'resnet50', precision: 'fp32', batch: 1, mode: 'eager', status: 'ok', imagesPerS: 200 },
    { model: 'vit_b_16', precision: 'fp16', batch: 256, mode: 'compile', status: 'skipped', error: 'budget' },
  ],
};

describe('comparePytorch (synthetic inputs)', () => {
  it('takes our best offline provider and divides by the best PyTorch mode', () => {
    const rows = comparePytorch([webgpu, cuda, cpu], [anchor]);
    expect(rows.map((r) => [r.model, r.precision, r.batch])).toEqual([
      ['resnet18', 'fp32', 1],
      ['resnet18', 'fp16', 8],
      ['resnet18', 'bf16', 8],
      ['resnet50', 'fp32', 1],
    ]);
    const [fp32b1, fp16b8, bf16b8, r50] = rows;
    // 100 (webgpu) / max(400 eager, compile failed) = 0.25
    expect(fp32b1).toMatchObject({
      ours: { samplesPerS: 100, provider: 'ort/webgpu' },
      eager: 400,
      ratio: 0.25,
    });
    expect(fp32b1?.compiled).toBeUndefined();
    // best ours = cuda 600 (not webgpu 500, not single-stream 9999); 600 / max(800, 1200) = 0.5
    expect(fp16b8).toMatchObject({
      ours: { samplesPerS: 600, provider: 'ort/cuda' },
      eager: 800,
      compiled: 1200,
      ratio: 0.5,
    });
    expect(fp16b8?.deviceMismatch).toBe(false);
    // bf16 exists on the PyTorch side only: no ratio.
    expect(bf16b8?.ours).toBeUndefined();
    expect(bf16b8?.ratio).toBeUndefined();
    // our CPU run against PyTorch on CUDA: 50 / 200 = 0.25, flagged.
    expect(r50).toMatchObject({ ratio: 0.25, deviceMismatch: true });
  });

  it('prints the Markdown table through the command line entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-compare-'));
    writeResultFile(join(dir, 'webgpu.json'), webgpu);
    writeResultFile(join(dir, 'cuda.json'), cuda);
    writeFileSync(join(dir, 'pytorch.json'), JSON.stringify(anchor));
    const md = compareCommand([
      '--pytorch',
      join(dir, 'pytorch.json'),
      join(dir, 'webgpu.json'),
      join(dir, 'cuda.json'),
    ]);
    expect(md).toContain('Ours: SYNTHETIC H100; PyTorch 0.0-synthetic on SYNTHETIC H100 (CUDA 13.0).');
    expect(md).toContain('| resnet18 | fp16 | 8 | 600.0 | ort/cuda | 800.0 | 1200.0 | 0.500 |');
    expect(md).toContain('| resnet18 | fp32 | 1 | 100.0 | ort/webgpu + copies | 400.0 | — | 0.250 |');
    expect(md).toContain('"+ copies" marks our runs that also time the copy of each input batch');
    expect(md).toContain('| resnet18 | bf16 | 8 | — | — | 1000.0 | — | — |');
    // PyTorch-only row: our CPU file was not passed here.
    expect(md).toContain('| resnet50 | fp32 | 1 | — | — | 200.0 | — | — |');
  });

  it('names the CPU, not a CUDA version, for a PyTorch anchor measured on the CPU', () => {
    const cpuAnchor: PytorchAnchor = {
      ...anchor,
      environment: { gpu: null, torch: '0.0-synthetic', cuda: null, cpu: 'SYNTHETIC EPYC' },
      settings: { device: 'cpu' },
    };
    const md = formatComparisonMarkdown([], { ourGpus: [], pytorch: [cpuAnchor] });
    expect(md.split('\n')[0]).toBe(
      'Ours: no GPU in the result files; PyTorch 0.0-synthetic on the CPU (SYNTHETIC EPYC).',
    );
  });

  it('runs as a script from dist/ (built by pretest) and flags a device mismatch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-compare-'));
    writeResultFile(join(dir, 'cpu.json'), cpu);
    writeFileSync(join(dir, 'pytorch.json'), JSON.stringify(anchor));
    const script = join(import.meta.dirname, '..', 'dist', 'bench', 'anchors', 'compare-pytorch.js');
    const r = await runCommand(process.execPath, [
      script,
      '--pytorch',
      join(dir, 'pytorch.json'),
      join(dir, 'cpu.json'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '| resnet50 | fp32 | 1 | 50.0 | ort/cpu (device differs!) | 200.0 | — | 0.250 |',
    );
    expect(r.stdout).toContain('Ours: no GPU in the result files;');
  });

  it('pools repeated --pytorch files of one GPU, keeping the best figure per mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchors-compare-'));
    writeResultFile(join(dir, 'cuda.json'), cuda);
    writeFileSync(join(dir, 'eager.json'), JSON.stringify(anchor));
    // The second file: torch.compile measured in a later call (1500 beats the first file's 1200).
    const later: PytorchAnchor = {
      ...anchor,
      runs: [
        { model: 'resnet18', precision: 'fp16', batch: 8, mode: 'compile', status: 'ok', imagesPerS: 1500 },
      ],
    };
    writeFileSync(join(dir, 'compile.json'), JSON.stringify(later));
    const args = ['--pytorch', join(dir, 'eager.json'), '--pytorch', join(dir, 'compile.json')];
    const md = compareCommand([...args, join(dir, 'cuda.json')]);
    // 600 / max(800 eager, 1500 compile) = 0.4
    expect(md).toContain('| resnet18 | fp16 | 8 | 600.0 | ort/cuda | 800.0 | 1500.0 | 0.400 |');
    expect(md).toContain('| resnet18 | fp32 | 1 | — | — | 400.0 | — | — |');

    // Another GPU in the second file: refused, naming both places.
    const h200: PytorchAnchor = { ...later, environment: { ...anchor.environment, gpu: 'SYNTHETIC H200' } };
    writeFileSync(join(dir, 'h200.json'), JSON.stringify(h200));
    expect(() =>
      compareCommand([
        '--pytorch',
        join(dir, 'eager.json'),
        '--pytorch',
        join(dir, 'h200.json'),
        join(dir, 'cuda.json'),
      ]),
    ).toThrow(
      /--pytorch .*h200\.json: PyTorch 0\.0-synthetic on SYNTHETIC H200 \(CUDA 13\.0\), but the first file is PyTorch 0\.0-synthetic on SYNTHETIC H100/,
    );
  });

  it('names the flag or file in one-line errors', () => {
    expect(() => compareCommand(['x.json'])).toThrow(/--pytorch: the PyTorch anchor JSON is required/);
    expect(() => compareCommand(['--pytorch', '/nonexistent/p.json', 'x.json'])).toThrow(/no such file/);
    expect(() => parsePytorchAnchor('{"format":"other"}', 'p.json')).toThrow(
      /p\.json: not a PyTorch anchor file \(field "format"/,
    );
    expect(() => parsePytorchAnchor('{', 'p.json')).toThrow(/p\.json: not valid JSON/);
  });
});

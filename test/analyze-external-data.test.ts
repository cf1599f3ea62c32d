/**
 * Models whose tensors live in a side file (ONNX external data): the analyzer, `bench models inspect`
 * and `bench run --model` through the built CLI, and the one-line errors for broken side files.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../src/analyze/index.js';
import { exportZooModel } from '../src/analyze/zoo-export.js';
import { readResultFile } from '../src/results/io.js';
import { resolveModel } from '../src/run/models.js';
import { zooModelPath } from '../models/cache.js';
import { expectBenchError } from './bench-error.js';
import { runCommand } from './run-command.js';

const { onnx } = onnxProto;
const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Short windows: the run checks loading, not speed. */
const QUICK = ['--duration', '0.2', '--max-duration', '1', '--min-iterations', '3', '--warmup', '1'];

/** squeezenet1_1 exported with --external-data into its own folder `sub` (weights in model.onnx.data). */
function exported(sub: string): string {
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  return exportZooModel({
    name: 'squeezenet1_1',
    precision: 'fp32',
    seed: 0,
    out: join(folder, 'model.onnx'),
    externalData: true,
  }).path;
}

/** Rewrites the location of every external tensor in the model at `path`. */
function relocate(path: string, location: string): void {
  const model = onnx.ModelProto.decode(readFileSync(path));
  for (const t of model.graph?.initializer ?? [])
    for (const e of t.externalData ?? []) if (e.key === 'location') e.value = location;
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
}

describe('external data', () => {
  it('the analyzer gives the same figures as for the inline model, naming the side file', () => {
    const path = exported('same');
    const inline = analyzeModel(zooModelPath('squeezenet1_1', { precision: 'fp32', seed: 0 }));
    const r = analyzeModel(path);
    // The .onnx file itself holds only the graph: the weights are in the side file.
    expect(readFileSync(path).length).toBeLessThan(100_000);
    expect(r.externalFiles).toEqual(['model.onnx.data']);
    for (const key of ['params', 'weightBytes', 'macs', 'flops', 'activationBytes'] as const)
      expect(r[key]).toBe(inline[key]);
  });

  it('bench models inspect and bench run --model accept it; onnxruntime finds the side file', async () => {
    const path = exported('run');
    const inspect = await runCommand(process.execPath, [CLI, 'models', 'inspect', path]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('external     model.onnx.data (side file beside the model');
    expect(inspect.stdout).toContain('GMACs        0.349 (batch 1;');
    const out = join(dir, 'run.json');
    const run = await runCommand(
      process.execPath,
      [CLI, 'run', '--model', path, '--device', 'cpu', ...QUICK, '--out', out],
      { timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const file = readResultFile(out);
    expect(file.runs[0]?.status).toBe('ok');
    expect(file.runs[0]?.model.macsPerImage).toBe(analyzeModel(path).macs);
  });

  it('a missing or short side file is a one-line error naming it', () => {
    const path = exported('broken');
    const data = `${path}.data`;
    const backup = join(dir, 'backup.data');
    copyFileSync(data, backup);
    truncateSync(data, 1000);
    const short = /model\.onnx\.data is 1000 bytes, but tensor '.+' needs bytes \d+\.\.\d+$/;
    expectBenchError(() => analyzeModel(path), 'E_FILE_CORRUPT', short);
    expectBenchError(
      () => resolveModel(path, { engine: 'ort', precision: undefined, seed: 0 }),
      'E_FILE_CORRUPT',
      short,
    );
    rmSync(data);
    expectBenchError(
      () => analyzeModel(path),
      'E_FILE_NOT_FOUND',
      /external data file .*model\.onnx\.data \(for tensor '.+'\) not found$/,
    );
    copyFileSync(backup, data);
    expect(analyzeModel(path).params).toBe(1_235_496);
  });

  it("a location outside the model's folder is refused", () => {
    const path = exported('outside');
    copyFileSync(`${path}.data`, join(dir, 'escaped.data'));
    relocate(path, '../escaped.data');
    expectBenchError(
      () => analyzeModel(path),
      'E_BAD_INPUT',
      /external data location '\.\.\/escaped\.data' of tensor '.+' is outside the model's folder .+: refused$/,
    );
    relocate(path, '/etc/passwd');
    expectBenchError(() => analyzeModel(path), 'E_BAD_INPUT', /location '\/etc\/passwd' .* refused$/);
  });
});

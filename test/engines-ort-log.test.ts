/**
 * A model onnxruntime refuses at session creation leaves one reason in the result file and nothing of
 * onnxruntime's own log on stderr (found by bench/perf/fuzz.ts: a MaxPool whose pads exceed its kernel
 * printed "[E:onnxruntime:...] Exception during initialization" in colour before our line).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { onnx } from '../src/analyze/onnx.js';
import { readResultFile } from '../src/results/io.js';
import { zooModelPath } from '../models/cache.js';
import { runCommand } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-ort-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a MaxPool with pads larger than its kernel: failed with the reason, no onnxruntime log on stderr', async () => {
  const model = onnx.ModelProto.decode(readFileSync(zooModelPath('tiny_cnn', { precision: 'fp32' })));
  const pool = model.graph?.node?.find((n) => n.opType === 'MaxPool');
  const pads = pool?.attribute?.find((a) => a.name === 'pads');
  expect(pads).toBeDefined();
  pads!.ints = [9, 9, 9, 9];
  const path = join(dir, 'badpool.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  const out = join(dir, 'out.json');
  // prettier-ignore
  const r = await runCommand(process.execPath, [CLI, 'run', '--device', 'cpu', '--model', path, '--duration', '0.2', '--out', out, '--quiet']);
  expect(r.code).toBe(1);
  expect(r.stderr).not.toContain('onnxruntime:');
  expect(r.stderr).toBe(`results written to ${out}\n`);
  const run = readResultFile(out).runs[0];
  expect(run?.status).toBe('failed');
  expect(run?.error).toMatch(/^onnxruntime could not load .*Pad should be smaller than kernel/);
});

/**
 * The memory check before each configuration (run/memory.ts, issue 20): a configuration whose estimated
 * working set exceeds the free memory is recorded skipped with the figures and the sweep goes on;
 * --force-oversize runs it; an engine's out-of-memory message is recorded as failed, saying so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { analyzeModel } from '../src/analyze/index.js';
import { formatRunTable } from '../src/report/run-table.js';
import { checkMemory, failureReason, freeMemory, oversizeReason, SAFETY_FACTOR } from '../src/run/memory.js';
import { runBenchmarks } from '../src/run/run.js';
import { zooModelPath } from '../models/cache.js';
import { fakeNvidiaSmi } from './fake-nvidia-smi.js';

// The real onnxruntime engine, its load() counted (a spy, not a fake: every call goes through).
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/engines/ort.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/engines/ort.js')>();
  return {
    ...real,
    createOrtEngine: () => {
      const engine = real.createOrtEngine();
      const load = engine.load.bind(engine);
      engine.load = (o) => {
        loads.count++;
        return load(o);
      };
      return engine;
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'h100e-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env['H100E_FREE_MEMORY_BYTES'];
});

const quick = {
  device: 'cpu' as const,
  models: ['tiny_cnn'],
  durationS: 0.2,
  maxDurationS: 0.5,
  warmup: 1,
  minIterations: 5,
};

describe('the analyzer: peak live activations', () => {
  it('tiny_cnn: the peak is above the largest single output and below the sum of all outputs', () => {
    const a = analyzeModel(zooModelPath('tiny_cnn', { precision: 'fp32' }));
    expect(a.peakActivationBytes).toBeGreaterThan(0);
    expect(a.peakActivationBytes).toBeLessThan(a.activationBytes);
    // The first conv's output, 16 x 32 x 32 floats at batch 1, is alive with the 3 x 32 x 32 input.
    expect(a.peakActivationBytes).toBeGreaterThanOrEqual(16 * 32 * 32 * 4);
  });
});

describe('a configuration that cannot fit', () => {
  it('tiny_cnn at batch 10^7 (over a TiB by the estimate) is skipped on the real free memory; batch 1 runs', async () => {
    const { file } = await runBenchmarks({ ...quick, batches: [1, 10_000_000], out: join(dir, 'real.json') });
    const [small, huge] = file.runs;
    expect(small?.status).toBe('ok');
    expect(huge?.status).toBe('skipped');
    expect(huge?.samplesMs).toEqual([]);
    expect(huge?.error).toMatch(
      /^needs about [\d.]+ TiB \(weights [\d.]+ KiB \+ peak activations [\d.]+ KiB x batch 10000000, x2 safety\) but [\d.]+ [KMG]iB is free \(free host RAM\); --force-oversize runs it anyway$/,
    );
    expect(freemem()).toBeLessThan(2 ** 40); // the premise: this host has less than a TiB free
  });

  it('with the free figure injected: batch 64 is skipped and the sweep goes on to batch 1; the table shows why', async () => {
    process.env['H100E_FREE_MEMORY_BYTES'] = String(4 * 2 ** 20);
    const { file } = await runBenchmarks({ ...quick, batches: [64, 1], out: join(dir, 'injected.json') });
    expect(file.runs.map((r) => [r.config.batch, r.status])).toEqual([
      [64, 'skipped'],
      [1, 'ok'],
    ]);
    const table = formatRunTable(file.runs, file.environment);
    console.log(table.split('\n').slice(0, 4).join('\n'));
    expect(table).toContain('SKIPPED: needs about');
    expect(table).toContain('4.0 MiB is free (H100E_FREE_MEMORY_BYTES)');
  });

  it('a session all of whose configurations are too large is not even loaded', async () => {
    process.env['H100E_FREE_MEMORY_BYTES'] = '1';
    const before = loads.count;
    const { file } = await runBenchmarks({ ...quick, batches: [1, 2], out: join(dir, 'none.json') });
    expect(file.runs.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(loads.count).toBe(before);
    delete process.env['H100E_FREE_MEMORY_BYTES'];
    await runBenchmarks({ ...quick, batches: [1], out: join(dir, 'one.json') });
    expect(loads.count).toBe(before + 1);
  });

  it('--force-oversize runs it anyway', async () => {
    process.env['H100E_FREE_MEMORY_BYTES'] = '1';
    const { file } = await runBenchmarks({
      ...quick,
      batches: [2],
      forceOversize: true,
      out: join(dir, 'forced.json'),
    });
    expect(file.runs.map((r) => r.status)).toEqual(['ok']);
  });
});

describe('free memory', () => {
  const path = process.env['PATH'];
  afterEach(() => {
    process.env['PATH'] = path;
  });
  /** A fake nvidia-smi first on PATH. */
  function fakeSmi(body: string): void {
    process.env['PATH'] = `${fakeNvidiaSmi(dir, body)}${delimiter}${path ?? ''}`;
  }

  it('CUDA and TensorRT: nvidia-smi memory.free of the GPU asked for, in MiB', async () => {
    fakeSmi('[ "$4" = "1" ] && echo 81000 || echo 5');
    expect(await freeMemory('cuda', 1)).toEqual({
      bytes: 81000 * 2 ** 20,
      source: 'free memory of GPU 1 (nvidia-smi)',
    });
    expect(await freeMemory('tensorrt', 0)).toEqual({
      bytes: 5 * 2 ** 20,
      source: 'free memory of GPU 0 (nvidia-smi)',
    });
  });

  it('no figure (no check) when nvidia-smi fails or prints no number; none for WebGPU; host RAM for the CPU', async () => {
    fakeSmi('exit 9');
    expect(await freeMemory('cuda', 0)).toBeUndefined();
    fakeSmi('echo "[N/A]"');
    expect(await freeMemory('cuda', 0)).toBeUndefined();
    expect(await freeMemory('webgpu', 0)).toBeUndefined();
    expect((await freeMemory('cpu', 0))?.source).toBe('free host RAM');
  });
});

describe('figures and reasons', () => {
  it('estimate = (weights + peak x batch) x the safety factor; unknown figures check nothing', () => {
    const c = checkMemory({ weightBytes: 1000, peakActivationBytesPerImage: 10 }, 8, {
      bytes: 5,
      source: 'x',
    });
    expect(c?.neededBytes).toBe((1000 + 80) * SAFETY_FACTOR);
    expect(oversizeReason(c!)).toBe(
      'needs about 2.1 KiB (weights 1000 B + peak activations 10 B x batch 8, x2 safety) but 5 B is free (x); --force-oversize runs it anyway',
    );
    expect(checkMemory({ weightBytes: 1000 }, 8, { bytes: 5, source: 'x' })).toBeUndefined();
    expect(checkMemory({ weightBytes: 1, peakActivationBytesPerImage: 1 }, 8, undefined)).toBeUndefined();
  });

  it('an engine out-of-memory message becomes "out of memory" with the figures; others stay as they are', () => {
    const c = checkMemory({ weightBytes: 2 ** 30, peakActivationBytesPerImage: 2 ** 20 }, 1, {
      bytes: 2 ** 31,
      source: 'x',
    });
    expect(failureReason('std::bad_alloc', c)).toBe(
      'out of memory (estimated 2.0 GiB, 2.0 GiB free): std::bad_alloc',
    );
    expect(
      failureReason(
        '[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested buffer of size 123',
        undefined,
      ),
    ).toMatch(/^out of memory: \[ONNX/);
    expect(failureReason('CUDA failure 2: out of memory', undefined)).toMatch(/^out of memory: CUDA/);
    expect(failureReason('shape mismatch', c)).toBe('shape mismatch');
  });
});

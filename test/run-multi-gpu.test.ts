/**
 * --gpus plumbing without GPUs: a fake nvidia-smi on PATH lists two GPUs, each worker process asks for
 * cuda, falls back to CPU (recorded), and the parent merges per-GPU runs and the total.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../src/results/io.js';
import { aggregateByConfig, resolveGpuList, runOnGpus } from '../src/run/multi-gpu.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-gpus-test-'));
const savedPath = process.env.PATH;

beforeAll(() => {
  // Answers the inventory query only (sample text in nvidia-smi's documented CSV format, not a measurement).
  const fake = join(dir, 'nvidia-smi');
  writeFileSync(
    fake,
    `#!/bin/sh
case "$*" in
  *--query-gpu=index*) printf '0, NVIDIA H100 80GB HBM3, GPU-aaaa, 550.54, 81559, 1980, 2619, 700.00\\n1, NVIDIA H100 80GB HBM3, GPU-bbbb, 550.54, 81559, 1980, 2619, 700.00\\n' ;;
  *) echo "fake nvidia-smi: unsupported $*" >&2; exit 9 ;;
esac
`,
  );
  chmodSync(fake, 0o755);
  process.env.PATH = `${dir}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
});

describe('--gpus', () => {
  it('resolves all, explicit indices, and refuses missing ones', async () => {
    expect(await resolveGpuList('all')).toEqual([0, 1]);
    expect(await resolveGpuList('1,0,1')).toEqual([1, 0]);
    await expect(resolveGpuList('0,3')).rejects.toThrow(/no GPU with index 3 \(present: 0, 1\)/);
    await expect(resolveGpuList('x')).rejects.toThrow(/expected 'all' or GPU indices/);
    await expect(resolveGpuList('all', async () => [])).rejects.toMatchObject({
      code: 'E_DEVICE_UNAVAILABLE',
      exitCode: 3,
    });
  });

  it('runs one worker per GPU at once and records per-GPU and total throughput', async () => {
    const out = join(dir, 'gpus.json');
    const { file } = await runOnGpus(
      {
        models: ['tiny_cnn'],
        device: 'cuda',
        durationS: 0.3,
        maxDurationS: 2,
        minIterations: 5,
        warmup: 1,
        out,
      },
      [0, 1],
    );
    const saved = readResultFile(out);
    expect(saved).toEqual(file);
    expect(saved.runs.map((r) => r.key.split('|').pop())).toEqual(['gpu0', 'gpu1']);
    for (const run of saved.runs) {
      expect(run.status).toBe('ok');
      expect(run.device).toMatchObject({ requested: 'cuda', actual: 'cpu' });
      expect(run.device.fallbackReason).toMatch(/^cuda not usable/);
    }
    expect(saved.environment.gpus.map((g) => g.name)).toEqual([
      'NVIDIA H100 80GB HBM3',
      'NVIDIA H100 80GB HBM3',
    ]);
    const [agg] = saved.aggregates ?? [];
    expect(agg?.gpuIndices).toEqual([0, 1]);
    const perGpu = saved.runs.map((r) => r.throughput?.samplesPerS ?? 0);
    expect(agg?.perGpuSamplesPerS).toEqual(perGpu);
    expect(agg?.totalSamplesPerS).toBeCloseTo(perGpu[0]! + perGpu[1]!, 9);
  });

  it('sums only configurations that ran', () => {
    const run = (key: string, status: 'ok' | 'failed', samplesPerS?: number) =>
      ({ key, status, device: {}, ...(samplesPerS ? { throughput: { samplesPerS } } : {}) }) as never;
    expect(
      aggregateByConfig([
        run('m|b1|gpu0', 'ok', 100),
        run('m|b1|gpu1', 'failed'),
        run('m|b1|gpu2', 'ok', 50.5),
      ]),
    ).toEqual([{ key: 'm|b1', gpuIndices: [0, 2], perGpuSamplesPerS: [100, 50.5], totalSamplesPerS: 150.5 }]);
  });
});

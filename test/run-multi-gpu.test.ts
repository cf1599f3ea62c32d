/**
 * --gpus plumbing without GPUs: a fake nvidia-smi on PATH lists two GPUs, each worker process asks for
 * cuda, falls back to CPU (recorded), and the parent merges per-GPU runs and the total; a signal to the
 * parent keeps what the workers finished and leaves no worker and no temporary folder behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../src/results/io.js';
import { aggregateByConfig, resolveGpuList, runOnGpus } from '../src/run/multi-gpu.js';
import type { RunOptionsInput } from '../src/run/options.js';
import { fakeNvidiaSmi } from './fake-nvidia-smi.js';
import { signalOnceSaved, waitForRuns } from './wait-for-runs.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-gpus-test-'));
const savedPath = process.env.PATH;
const savedTmp = process.env['TMPDIR'];

beforeAll(() => {
  // Answers the inventory query only (sample text in nvidia-smi's documented CSV format, not a measurement).
  const bin = fakeNvidiaSmi(
    dir,
    `case "$*" in
  *--query-gpu=index*) printf '0, NVIDIA H100 80GB HBM3, GPU-aaaa, 550.54, 81559, 1980, 2619, 700.00\\n1, NVIDIA H100 80GB HBM3, GPU-bbbb, 550.54, 81559, 1980, 2619, 700.00\\n' ;;
  *) echo "fake nvidia-smi: unsupported $*" >&2; exit 9 ;;
esac`,
  );
  process.env.PATH = `${bin}:${savedPath}`;
});
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
/** Four configurations per GPU, each long enough to signal the parent in the middle of the sweep. */
const SWEEP: RunOptionsInput = {
  models: ['tiny_cnn'],
  device: 'cuda',
  batches: [1, 2, 3, 4],
  durationS: 0.5,
  maxDurationS: 1,
  minIterations: 5,
  warmup: 1,
};

/** A fresh folder to serve as TMPDIR, so the test sees exactly the temporary folders its run made. */
function privateTmp(name: string): string {
  const tmp = join(dir, name);
  mkdirSync(tmp);
  return tmp;
}

/** Processes still running whose command line names `tmp` (the workers' options files live there). */
function processesUsing(tmp: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(tmp) && !line.includes(' ps -eo'));
}

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

  it('refuses a device or engine it cannot pin to each GPU, before starting any worker', async () => {
    const out = join(dir, 'never.json');
    for (const device of ['webgpu', 'cpu', 'auto'] as const) {
      await expect(runOnGpus({ ...SWEEP, device, out }, [0, 1])).rejects.toMatchObject({
        code: 'E_USAGE',
        message: expect.stringMatching(
          new RegExp(`^--gpus needs --device cuda or tensorrt, not ${device}: `),
        ),
      });
    }
    await expect(runOnGpus({ ...SWEEP, engine: 'tfjs', out }, [0, 1])).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/^--gpus cannot pin --engine tfjs workers/),
    });
    expect(existsSync(out)).toBe(false);
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

  it('a disk that refuses --out stops the sweep with E_IO (exit 74), keeping the last merge and no worker', async () => {
    const out = join(dir, 'enospc.json');
    const tmp = privateTmp('enospc-tmp');
    // The second write of any one file fails (the workers inherit it): whichever comes first, --out's
    // second merge or a worker's second save, ends the sweep as a full disk ends one device's.
    process.env['H100E_INJECT_WRITE_FAULT'] = 'ENOSPC@2';
    process.env['TMPDIR'] = tmp;
    try {
      const e = await runOnGpus({ ...SWEEP, batches: [1, 2, 3], out }, [0, 1]).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'E_IO', exitCode: 74 });
      expect((e as Error).message).toMatch(/ENOSPC|exit 74/);
    } finally {
      delete process.env['H100E_INJECT_WRITE_FAULT'];
      if (savedTmp === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = savedTmp;
    }
    const file = readResultFile(out); // the last complete merge, valid
    expect(file.runs.length).toBeGreaterThan(0);
    expect(file.runs.length).toBeLessThan(6);
    expect(processesUsing(tmp)).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock') || f.startsWith('.enospc'))).toEqual([]);
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

  it('SIGTERM to the parent keeps what the workers finished, stops them and exits 143', async () => {
    const tmp = privateTmp('sigterm-tmp');
    const out = join(dir, 'sigterm.json');
    // --out is merged as each worker finishes a configuration, long before the sweep ends.
    const { code, stderr } = await signalOnceSaved(
      [
        CLI,
        '--device',
        'cuda',
        '--model',
        'tiny_cnn',
        '--batch',
        '1,2,3,4',
        '--duration',
        '0.5',
        '--max-duration',
        '1',
        '--warmup',
        '1',
        '--gpus',
        'all',
        '--out',
        out,
      ],
      out,
      'SIGTERM',
      { ...process.env, TMPDIR: tmp },
    );
    expect(code).toBe(143);
    const file = readResultFile(out);
    const n = file.runs.length;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(8);
    expect(file.interrupted).toEqual({
      signal: 'SIGTERM',
      finishedConfigurations: n,
      plannedConfigurations: 8,
    });
    expect(stderr).toContain(`error: interrupted: ${n} finished configuration(s) saved in ${out}\n`);
    // The workers' own "interrupted" errors name their temporary files: the parent's line is the only one.
    expect(stderr.match(/^error:/gm)).toHaveLength(1);
    expect(readdirSync(tmp).filter((f) => f.startsWith('h100e-gpus-'))).toEqual([]);
    expect(processesUsing(tmp)).toEqual([]);
  });

  it('a signal before the workers start starts none and leaves an empty, marked file', async () => {
    const tmp = privateTmp('early-tmp');
    const out = join(dir, 'early.json');
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const controller = new AbortController();
    controller.abort('SIGHUP');
    try {
      await expect(runOnGpus({ ...SWEEP, out }, [0, 1], { signal: controller.signal })).rejects.toMatchObject(
        {
          code: 'E_INTERRUPTED',
          exitCode: 129,
          message: `interrupted: 0 finished configuration(s) saved in ${out}`,
        },
      );
    } finally {
      process.env.TMPDIR = savedTmp;
    }
    const file = readResultFile(out);
    expect(file.runs).toEqual([]);
    expect(file.interrupted).toEqual({
      signal: 'SIGHUP',
      finishedConfigurations: 0,
      plannedConfigurations: 8,
    });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a second signal (process.exit) still merges, kills the workers and removes the temporary folder', async () => {
    const tmp = privateTmp('exit-tmp');
    const out = join(dir, 'exit.json');
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const controller = new AbortController();
    const before = process.listeners('exit');
    // Caught at once: it rejects while the test still checks the folder.
    const ended = runOnGpus({ ...SWEEP, out }, [0, 1], { signal: controller.signal }).then(
      () => null,
      (e: unknown) => e,
    );
    try {
      await waitForRuns(out);
      // What the CLI's second signal does: abort, then process.exit, which runs the 'exit' listeners.
      controller.abort('SIGTERM');
      const added = process.listeners('exit').filter((l) => !before.includes(l));
      expect(added).toHaveLength(1);
      for (const listener of added) listener.call(process, 143);
      const file = readResultFile(out);
      expect(file.interrupted).toEqual({
        signal: 'SIGTERM',
        finishedConfigurations: file.runs.length,
        plannedConfigurations: 8,
      });
      expect(readdirSync(tmp).filter((f) => f.startsWith('h100e-gpus-'))).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      expect(processesUsing(tmp)).toEqual([]);
    } finally {
      process.env.TMPDIR = savedTmp;
      // In the test the process goes on: the workers are killed, and what they had saved stands.
      expect(await ended).toMatchObject({ code: 'E_INTERRUPTED', exitCode: 143 });
    }
    expect(process.listeners('exit')).toEqual(before);
  });
});

/**
 * `--gpus all|0,1,...`: one worker process per GPU, all at once, each with its own session; the parent
 * merges their result files and records per-GPU and total throughput per configuration.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryGpus } from '../env/nvidia-smi.js';
import { BenchError } from '../errors.js';
import { checkOutFile, readResultFile, writeResultFile } from '../results/io.js';
import type { ResultFile, RunResult } from '../results/schema.js';
import { PACKAGE_ROOT } from '../version.js';
import { parseRunOptions, type RunOptionsInput } from './options.js';
import { defaultOutPath, type RunOutcome } from './run.js';

/** Turns a --gpus value into GPU indices, checking them against nvidia-smi. */
export async function resolveGpuList(
  spec: string,
  listGpus: () => Promise<{ index: number }[]> = queryGpus,
): Promise<number[]> {
  const present = (await listGpus()).map((g) => g.index);
  if (present.length === 0) {
    throw new BenchError(
      'E_DEVICE_UNAVAILABLE',
      `--gpus ${spec}: no NVIDIA GPU found (nvidia-smi is absent or lists none)`,
      {
        hint: 'run without --gpus, or check the driver with `npx bench doctor`',
      },
    );
  }
  if (spec === 'all') return present;
  const wanted = spec.split(',').map((s) => Number(s.trim()));
  if (wanted.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new BenchError('E_USAGE', `--gpus '${spec}': expected 'all' or GPU indices like 0,1`);
  }
  const missing = wanted.filter((n) => !present.includes(n));
  if (missing.length > 0) {
    throw new BenchError(
      'E_USAGE',
      `--gpus ${spec}: no GPU with index ${missing.join(', ')} (present: ${present.join(', ')})`,
    );
  }
  return [...new Set(wanted)];
}

/** Runs one worker and resolves with its exit code. */
function runWorker(optionsPath: string, command: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(PACKAGE_ROOT, 'dist', 'src', 'run', 'worker.js'), optionsPath],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, H100E_COMMAND: command },
      },
    );
    const stop = () => child.kill('SIGINT');
    signal?.addEventListener('abort', stop, { once: true });
    child.on('close', (code) => {
      signal?.removeEventListener('abort', stop);
      resolve(code ?? 1);
    });
  });
}

/** Per-GPU and total throughput of each configuration measured on several GPUs. */
export function aggregateByConfig(runs: RunResult[]): NonNullable<ResultFile['aggregates']> {
  const groups = new Map<string, RunResult[]>();
  for (const run of runs) {
    const key = run.key.replace(/\|gpu\d+$/, '');
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups].map(([key, group]) => {
    const ok = group.filter((r) => r.status === 'ok' && r.throughput);
    const perGpu = ok.map((r) => r.throughput?.samplesPerS ?? 0);
    return {
      key,
      // The worker's GPU comes from the key suffix the parent set: a worker that fell back to CPU has no
      // device.gpuIndex, but it still stood for that GPU.
      gpuIndices: ok.map((r) => Number(/\|gpu(\d+)$/.exec(r.key)?.[1] ?? r.device.gpuIndex ?? -1)),
      perGpuSamplesPerS: perGpu,
      totalSamplesPerS: perGpu.reduce((a, b) => a + b, 0),
    };
  });
}

/**
 * Runs the same configurations on every GPU in `gpus` at once and writes one merged file. Each run's
 * key gets a `|gpuN` suffix so runs on different GPUs stay distinct for `bench compare`.
 */
export async function runOnGpus(
  input: RunOptionsInput,
  gpus: number[],
  hooks: { signal?: AbortSignal; command?: string; onNotice?: (line: string) => void } = {},
): Promise<RunOutcome> {
  const o = parseRunOptions(input);
  const out = o.out ?? defaultOutPath('multi-gpu');
  checkOutFile(out, { force: o.force || !o.out });
  const dir = mkdtempSync(join(tmpdir(), 'h100e-gpus-'));
  try {
    const command = hooks.command ?? 'bench run --gpus';
    hooks.onNotice?.(`running ${gpus.length} workers at once, one per GPU: ${gpus.join(', ')}`);
    const codes = await Promise.all(
      gpus.map((gpu) => {
        const optionsPath = join(dir, `options-${gpu}.json`);
        writeFileSync(
          optionsPath,
          JSON.stringify({ ...input, gpuIndex: gpu, out: join(dir, `gpu-${gpu}.json`), force: true }),
        );
        return runWorker(optionsPath, command, hooks.signal);
      }),
    );
    const files = gpus.flatMap((gpu, i) => {
      try {
        return [{ gpu, file: readResultFile(join(dir, `gpu-${gpu}.json`)) }];
      } catch {
        hooks.onNotice?.(`warning: the worker for GPU ${gpu} wrote no result (exit code ${codes[i]})`);
        return [];
      }
    });
    const first = files[0]?.file;
    if (!first)
      throw new BenchError(
        'E_DEVICE_UNAVAILABLE',
        `--gpus: no worker produced a result (exit codes ${codes.join(', ')})`,
      );
    const runs = files.flatMap(({ gpu, file }) =>
      file.runs.map((r) => ({ ...r, key: `${r.key}|gpu${gpu}` })),
    );
    const merged: ResultFile = { ...first, command, runs, aggregates: aggregateByConfig(runs) };
    writeResultFile(out, merged);
    if (hooks.signal?.aborted)
      throw new BenchError('E_INTERRUPTED', `interrupted: finished configurations saved in ${out}`);
    if (codes.some((c) => c === 3)) {
      hooks.onNotice?.(
        'warning: some workers could not use their device; see the fallback reasons in the result file',
      );
    }
    return { file: merged, path: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

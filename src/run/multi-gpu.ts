/**
 * `--gpus all|0,1,...`: one worker process per GPU, all at once, each with its own session; the parent
 * merges their result files into --out as they go and records per-GPU and total throughput per
 * configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureEnvironment } from '../env/environment.js';
import { queryGpus } from '../env/nvidia-smi.js';
import { BenchError, errorMessage, ExitCode } from '../core/errors.js';
import { checkOutFile, ioFaultCode, readResultFile, writeResultFile } from '../results/io.js';
import { lockResultFile } from '../results/lock.js';
import { SCHEMA_VERSION, type ResultFile, type RunResult } from '../results/schema.js';
import { PACKAGE_ROOT } from '../core/version.js';
import { parseRunOptions, type RunOptions, type RunOptionsInput } from './options.js';
import { defaultOutPath } from './out-path.js';
import {
  abortSignalName,
  interruptedError,
  interruptedRecord,
  plannedConfigurations,
  saveFailure,
  signalExitCode,
  type RunOutcome,
} from './run.js';

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

/** How long workers get to save and exit after a forwarded signal before they are killed. */
const WORKER_GRACE_MS = 5_000;

/** A running worker: its exit code once it ends, and the process to signal. */
interface Worker {
  child: ChildProcess;
  exited: Promise<number>;
}

/**
 * Starts one worker. It tells the parent (over IPC) each time it has saved a configuration, so the
 * parent can merge into --out at once rather than only when every worker has ended.
 */
function startWorker(optionsPath: string, command: string, onSaved: () => void): Worker {
  const child = spawn(
    process.execPath,
    [join(PACKAGE_ROOT, 'dist', 'src', 'run', 'worker.js'), optionsPath],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, H100E_COMMAND: command },
    },
  );
  child.on('message', onSaved);
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 1)));
  });
  return { child, exited };
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

/** E_USAGE for --resume with --gpus: each worker writes its own file, merged into --out, so no one sweep is left to continue. */
export function resumeWithGpusError(): BenchError {
  return new BenchError('E_USAGE', '--resume cannot continue a --gpus run', {
    hint: 'measure the missing configurations with --gpus and another --out, then join the files with `bench merge`',
  });
}

/**
 * Refuses --gpus where a worker cannot be pinned to its GPU: only onnxruntime's CUDA and TensorRT
 * providers take a device id. The WebGPU provider (onnxruntime-node 1.30 passes it no adapter index)
 * and TensorFlow.js would run every worker on the same GPU while the file named a different one for
 * each, and the CPU uses none; `auto` could choose either.
 */
export function checkGpusDevice(o: Pick<RunOptions, 'engine' | 'device'>): void {
  const hint =
    'use --gpus with --engine ort and --device cuda or tensorrt; drop --gpus to measure one device';
  if (o.engine !== 'ort') {
    throw new BenchError(
      'E_USAGE',
      `--gpus cannot pin --engine ${o.engine} workers to their GPUs: it takes no GPU index, so every worker would share one GPU`,
      { hint },
    );
  }
  if (o.device === 'cuda' || o.device === 'tensorrt') return;
  const why =
    o.device === 'webgpu'
      ? 'onnxruntime-node passes the WebGPU provider no adapter index, so every worker would share one GPU'
      : o.device === 'cpu'
        ? 'the CPU is not a GPU to run one worker on'
        : 'auto may choose WebGPU or the CPU, which --gpus cannot pin to a GPU';
  throw new BenchError('E_USAGE', `--gpus needs --device cuda or tensorrt, not ${o.device}: ${why}`, {
    hint,
  });
}

/**
 * Runs the same configurations on every GPU in `gpus` at once and merges them into one file. Each
 * run's key gets a `|gpuN` suffix so runs on different GPUs stay distinct for `bench compare`. --out is
 * rewritten (atomically) each time a worker finishes a configuration, so a signal or a crash of the
 * parent keeps every finished configuration, as a single-device run does. An abort of `hooks.signal`
 * is forwarded to the workers (its reason, e.g. 'SIGTERM', names the signal; SIGINT otherwise).
 */
export async function runOnGpus(
  input: RunOptionsInput,
  gpus: number[],
  hooks: { signal?: AbortSignal; command?: string; onNotice?: (line: string) => void } = {},
): Promise<RunOutcome> {
  const o = parseRunOptions(input);
  if (o.resume) throw resumeWithGpusError();
  checkGpusDevice(o);
  const out = o.out ?? defaultOutPath('multi-gpu');
  checkOutFile(out, { force: o.force || !o.out });
  const planned = plannedConfigurations(o) * gpus.length;
  const command = hooks.command ?? 'bench run --gpus';
  // One writer per result file (results/lock.ts): the parent holds --out; each worker its own file.
  const unlock = lockResultFile(out, command);
  if (hooks.signal?.aborted) {
    // Stopped before any worker started: start none. As with one device, the file still says so.
    const signalName = abortSignalName(hooks.signal);
    try {
      writeResultFile(out, {
        schemaVersion: SCHEMA_VERSION,
        createdAt: new Date().toISOString(),
        command,
        environment: await captureEnvironment(),
        runs: [],
        interrupted: { signal: signalName, finishedConfigurations: 0, plannedConfigurations: planned },
      });
    } finally {
      unlock();
    }
    throw interruptedError(out, 0, signalName);
  }
  const dir = mkdtempSync(join(tmpdir(), 'h100e-gpus-'));
  const workers: Worker[] = [];
  const live = new Set<ChildProcess>();

  /**
   * Each worker's file as last read, by GPU (a worker that saved nothing yet has none). Only the
   * worker that announced a save is read again, so a merge costs one read, not one per worker.
   */
  const latest = new Map<number, ResultFile>();
  const refresh = (gpu: number): void => {
    try {
      latest.set(gpu, readResultFile(join(dir, `gpu-${gpu}.json`)));
    } catch {
      // Nothing saved yet, or the folder is already cleaned up: the last read stands.
    }
  };
  /** Merges the workers' files read so far into --out; returns undefined while none has saved anything. */
  const merge = (): ResultFile | undefined => {
    const files = gpus.flatMap((gpu) => {
      const file = latest.get(gpu);
      return file ? [{ gpu, file }] : [];
    });
    const first = files[0]?.file;
    if (!first) return undefined;
    const runs = files.flatMap(({ gpu, file }) =>
      file.runs.map((r) => ({ ...r, key: `${r.key}|gpu${gpu}` })),
    );
    const { interrupted: _, ...rest } = first;
    const merged: ResultFile = { ...rest, command, runs, aggregates: aggregateByConfig(runs) };
    if (hooks.signal?.aborted) {
      const record = interruptedRecord(abortSignalName(hooks.signal), runs.length, planned);
      if (record) merged.interrupted = record;
    }
    writeResultFile(out, merged);
    return merged;
  };
  const cleanUp = (): void => {
    for (const child of live) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // A second Ctrl-C ends the parent at once (process.exit): merge what is saved, then leave no worker
  // and no temporary folder behind.
  const onExit = (): void => {
    try {
      for (const gpu of gpus) refresh(gpu);
      merge();
    } catch {
      // Exiting anyway: --out keeps the last merge.
    }
    cleanUp();
  };
  let killer: NodeJS.Timeout | undefined;
  const forward = (): void => {
    const name = abortSignalName(hooks.signal);
    for (const child of live) child.kill(name);
    killer = setTimeout(() => {
      for (const child of live) child.kill('SIGKILL');
    }, WORKER_GRACE_MS);
  };
  /** The I/O fault that stopped the sweep while merging into --out, and the runs its last merge held. */
  let ioFault: unknown;
  let savedRuns = -1;
  process.on('exit', onExit);
  hooks.signal?.addEventListener('abort', forward, { once: true });
  try {
    hooks.onNotice?.(`running ${gpus.length} workers at once, one per GPU: ${gpus.join(', ')}`);
    for (const gpu of gpus) {
      const optionsPath = join(dir, `options-${gpu}.json`);
      writeFileSync(
        optionsPath,
        JSON.stringify({ ...input, gpuIndex: gpu, out: join(dir, `gpu-${gpu}.json`), force: true }),
      );
      const worker = startWorker(optionsPath, command, () => {
        if (ioFault) return;
        try {
          refresh(gpu);
          savedRuns = merge()?.runs.length ?? savedRuns;
        } catch (e) {
          if (!ioFaultCode(e)) {
            hooks.onNotice?.(`warning: could not merge the workers' results into ${out}: ${errorMessage(e)}`);
            return;
          }
          // The disk refuses --out: stop the sweep as one device does (E_IO), keeping the last merge.
          ioFault = e;
          for (const child of live) child.kill('SIGTERM');
        }
      });
      live.add(worker.child);
      void worker.exited.then(() => live.delete(worker.child));
      workers.push(worker);
    }
    // No signal can land between the check above and here (nothing awaits), so every abort from now
    // on reaches the workers through `forward`.
    const codes = await Promise.all(workers.map((w) => w.exited));
    if (ioFault) throw saveFailure(ioFault, out, savedRuns, false);
    // A worker that could not save its own file stopped with E_IO; the sweep did too.
    const ioWorker = codes.findIndex((c) => c === ExitCode.ioError);
    if (ioWorker >= 0)
      throw new BenchError(
        'E_IO',
        `the worker for GPU ${gpus[ioWorker]} could not save its results (exit ${ExitCode.ioError}): the sweep stopped; ${out} keeps what was merged before`,
        { hint: 'free some space or check the temporary folder (TMPDIR), then run the command again' },
      );
    // One last read each: a save made just before a worker ended may not have been announced.
    for (const gpu of gpus) refresh(gpu);
    gpus.forEach((gpu, i) => {
      if (!latest.has(gpu))
        hooks.onNotice?.(`warning: the worker for GPU ${gpu} wrote no result (exit code ${codes[i]})`);
    });
    let merged: ResultFile | undefined;
    try {
      merged = merge();
    } catch (e) {
      throw saveFailure(e, out, savedRuns, false);
    }
    if (!merged)
      throw new BenchError(
        'E_DEVICE_UNAVAILABLE',
        `--gpus: no worker produced a result (exit codes ${codes.join(', ')})`,
      );
    // A signal after every configuration finished lost nothing: the file is complete, no error.
    if (hooks.signal?.aborted && merged.runs.length < planned) {
      throw interruptedError(out, merged.runs.length, abortSignalName(hooks.signal));
    }
    if (codes.some((c) => c === 3)) {
      hooks.onNotice?.(
        'warning: some workers could not use their device; see the fallback reasons in the result file',
      );
    }
    return { file: merged, path: out, measured: merged.runs, kept: 0 };
  } finally {
    clearTimeout(killer);
    hooks.signal?.removeEventListener('abort', forward);
    process.off('exit', onExit);
    cleanUp();
    unlock();
  }
}

/**
 * One `bench run` as a process runs it: the stop signals wired to the sweep (finished configurations
 * are kept), and the dispatch to one device or to a worker per GPU (--gpus). The CLI and library
 * callers that want Ctrl-C handling call this; runBenchmarks() alone installs no handler.
 */
import { BenchError } from '../core/errors.js';
import { checkGpusDevice, resolveGpuList, resumeWithGpusError, runOnGpus } from './multi-gpu.js';
import { parseRunOptions, type RunOptionsInput } from './options.js';
import {
  runBenchmarks,
  signalExitCode,
  STOP_SIGNALS,
  type RunHooks,
  type RunOutcome,
  type StopSignal,
} from './run.js';

/** What a session needs beyond the run options. */
export interface SessionOptions {
  /** --gpus: 'all' or indices like '0,1'; one worker process per GPU. */
  gpus?: string;
  /** The command line recorded in the result file. */
  command: string;
  /** Progress hooks for a single-device run (a --gpus run reports through its workers). */
  hooks?: RunHooks;
  /** One-line notices for stderr. */
  onNotice?: (line: string) => void;
  /** The first stop signal arrived: the sweep is saving its finished configurations. */
  onInterrupt?: (signal: StopSignal) => void;
}

/**
 * Checks what a --gpus run cannot do before anything is asked of nvidia-smi: bad options are a usage
 * error (exit 2) before a missing GPU (exit 3).
 */
export function checkSession(
  options: RunOptionsInput,
  s: { gpus?: string; resume?: boolean; dryRun?: boolean },
): void {
  const parsed = parseRunOptions(options);
  if (s.gpus === undefined) return;
  if (s.resume) throw resumeWithGpusError();
  checkGpusDevice(parsed);
  if (s.dryRun) {
    throw new BenchError('E_USAGE', '--dry-run plans a run on one device, not a --gpus run', {
      hint: 'drop --gpus: each of its workers runs the plan --dry-run prints for one GPU',
    });
  }
}

/**
 * Runs the sweep with SIGINT, SIGTERM and SIGHUP stopping it like Ctrl-C: finished configurations
 * are kept, the abort's reason names the signal, which the file records and the exit code reports
 * (130, 143, 129). A second signal quits at once; the run's exit handlers still mark the file as
 * interrupted and stop --gpus workers.
 */
export async function runSession(options: RunOptionsInput, s: SessionOptions): Promise<RunOutcome> {
  checkSession(options, { gpus: s.gpus, resume: options.resume });
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    if (++interrupts > 1) process.exit(signalExitCode(name));
    s.onInterrupt?.(name as StopSignal);
    controller.abort(name);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  const common = {
    signal: controller.signal,
    command: s.command,
    ...(s.onNotice ? { onNotice: s.onNotice } : {}),
  };
  try {
    return s.gpus !== undefined
      ? await runOnGpus(options, await resolveGpuList(s.gpus), common)
      : await runBenchmarks(options, { ...s.hooks, ...common });
  } finally {
    for (const name of STOP_SIGNALS) process.off(name, onSignal);
  }
}

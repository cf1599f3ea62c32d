/**
 * `bench run --resume`: continue a sweep in the --out file it left (Ctrl-C, a crash, a time limit)
 * instead of measuring everything again. Configurations the file already measured are kept; the rest
 * are measured and added. Only a file from one `bench run` on this host with this engine version can
 * be continued, so every run in it still describes the environment recorded at its top.
 */
import { existsSync } from 'node:fs';
import { runKey } from '../compare/key.js';
import { BenchError } from '../errors.js';
import { readResultFile } from '../results/io.js';
import type { Environment, ResultFile, RunConfig, RunResult } from '../results/schema.js';

/** What to do instead when a file cannot be continued. */
const RESUME_HINT =
  'measure the missing configurations with another --out and join the files with `bench merge`, or start over with --force';

/**
 * The file at `out` to continue, or undefined when there is none (the run then starts fresh). Throws
 * E_BAD_INPUT when the file cannot be read as a result file, or was merged, written by --gpus, measured
 * on another host or with another version of `engine`.
 */
export function openForResume(
  out: string,
  env: Pick<Environment, 'hostname'>,
  engine: { name: string; version: string },
): ResultFile | undefined {
  if (!existsSync(out)) return undefined;
  const file = readResultFile(out);
  const refuse = (why: string): never => {
    throw new BenchError('E_BAD_INPUT', `--resume: ${out} ${why}`, { hint: RESUME_HINT });
  };
  if (file.sources?.length)
    refuse('was written by `bench merge`; --resume continues a file from one `bench run`');
  if (file.aggregates?.length) refuse('was written by a --gpus run, which --resume cannot continue');
  if (file.environment.hostname !== env.hostname) {
    refuse(`was measured on host ${file.environment.hostname}, not on this one (${env.hostname})`);
  }
  const other = file.runs.find((r) => r.engine.name === engine.name && r.engine.version !== engine.version);
  if (other) {
    refuse(`was measured with ${engine.name} ${other.engine.version}; this is ${engine.version}`);
  }
  return file;
}

/**
 * Whether `run` measured `config` of `key`: same key, same server settings and the same host-device
 * transfer. Warm-up and duration settings may differ: they change how long a configuration was
 * measured, not what.
 */
function measures(run: RunResult, key: string, config: RunConfig): boolean {
  return (
    runKey(run) === key &&
    run.config.transfer === config.transfer &&
    run.config.qps === config.qps &&
    run.config.latencyBoundMs === config.latencyBoundMs &&
    (run.config.findPeak ?? false) === (config.findPeak ?? false)
  );
}

/** Whether `file` already holds a finished (status ok) measurement of `config` with matching `key`. */
export function alreadyMeasured(file: ResultFile, key: string, config: RunConfig): boolean {
  return file.runs.some((run) => run.status === 'ok' && measures(run, key, config));
}

/**
 * Adds `run` to `file`, in place of an earlier failed or skipped attempt at the same configuration
 * (so a resumed file holds one outcome per configuration), or at the end.
 */
export function recordRun(file: ResultFile, run: RunResult): void {
  const earlier = file.runs.findIndex((r) => r.status !== 'ok' && measures(r, run.key, run.config));
  if (earlier >= 0) file.runs[earlier] = run;
  else file.runs.push(run);
}

/**
 * `previous` as the file a resumed run writes: its runs and environment kept, `resumed` extended with
 * this command, and without the old `interrupted` mark (a new interruption sets its own).
 */
export function continuedFile(previous: ResultFile, command: string, now = new Date()): ResultFile {
  const file: ResultFile = {
    ...previous,
    resumed: [...(previous.resumed ?? []), { at: now.toISOString(), command }],
  };
  delete file.interrupted;
  return file;
}

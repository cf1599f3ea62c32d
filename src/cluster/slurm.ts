/**
 * The Slurm commands the census uses (sbatch, squeue, scontrol, sinfo), run as child processes with
 * one-line errors. Without accounting (the local test cluster, many small sites) `sacct` is missing,
 * so job and step states come from squeue and `scontrol show job` only, while Slurm still knows the job.
 */
import { spawnSync } from 'node:child_process';
import { BenchError } from '../core/errors.js';

/** How long one Slurm command may take before we give up on the controller. */
const TIMEOUT_MS = 30_000;

/** The one-line error for a missing Slurm client. */
export function noSlurmError(binary: string): BenchError {
  return new BenchError(
    'E_UNSUPPORTED',
    `${binary} not found on PATH: bench cluster needs a Slurm login node (where sbatch, squeue and scontrol work)`,
    {
      hint: "run it on the cluster's login node, or start the local test cluster: bench/cluster/slurm-local.sh start",
    },
  );
}

/** Slurm's own message from its stderr: its `error:` lines, else the last non-empty line. */
function slurmMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const errors = lines.filter((l) => /error:/i.test(l)).map((l) => l.replace(/^\w+:\s*error:\s*/i, ''));
  return (errors.length > 0 ? errors : lines.slice(-1)).join('; ') || 'no message';
}

/** Runs a Slurm command; returns stdout, or throws a one-line BenchError with Slurm's message. */
function slurm(binary: string, args: readonly string[], what: string): string {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw noSlurmError(binary);
    throw new BenchError('E_NETWORK', `${binary} failed: ${r.error.message}`, {
      hint: 'check that the Slurm controller answers (scontrol ping)',
    });
  }
  if (r.status !== 0) {
    throw new BenchError('E_BAD_INPUT', `Slurm refused ${what}: ${slurmMessage(r.stderr)}`, {
      hint: 'fix the option Slurm names (sinfo lists partitions and nodes)',
    });
  }
  return r.stdout;
}

/** True when `binary` can be started (it is on PATH). */
export function hasBinary(binary: string): boolean {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: TIMEOUT_MS });
  return !(r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT');
}

/** Submits a batch script with `sbatch --parsable`; returns the job id. */
export function submitBatch(script: string): string {
  if (!hasBinary('sbatch')) throw noSlurmError('sbatch');
  const out = slurm('sbatch', ['--parsable', script], 'the job');
  // --parsable prints "jobid" or "jobid;cluster".
  const id = out.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) {
    throw new BenchError(
      'E_BAD_INPUT',
      `sbatch printed no job id (it printed ${JSON.stringify(out.trim())})`,
    );
  }
  return id;
}

/** Node names of a partition (all, or only those in state `idle`), via sinfo. */
export function partitionNodes(partition: string | undefined, state: 'idle' | 'all'): string[] {
  const args = ['-h', '-N', '-o', '%N %T'];
  if (partition) args.push('-p', partition);
  const out = slurm('sinfo', args, partition ? `partition ${partition}` : 'the node list');
  const nodes: string[] = [];
  for (const line of out.split('\n')) {
    const [name, st] = line.trim().split(/\s+/);
    if (!name || !st) continue;
    if (state === 'all' || st === 'idle') nodes.push(name);
  }
  return [...new Set(nodes)];
}

/** A job as `scontrol show job` reports it (the fields the census uses). */
export interface SlurmJob {
  jobId: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL... */
  state: string;
  reason: string;
  nodeList: string;
  exitCode: string;
}

/** Parses `scontrol show job -o` output (one line per job, Key=Value pairs). */
function parseScontrolJobs(text: string): SlurmJob[] {
  const jobs: SlurmJob[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('JobId=')) continue;
    const field = (k: string): string => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(line)?.[1] ?? '';
    jobs.push({
      jobId: field('JobId'),
      state: field('JobState'),
      reason: field('Reason'),
      nodeList: field('NodeList'),
      exitCode: field('ExitCode'),
    });
  }
  return jobs;
}

/** The job as Slurm knows it now, or undefined once Slurm has forgotten it (MinJobAge) or has no such job. */
export function showJob(jobId: string): SlurmJob | undefined {
  const r = spawnSync('scontrol', ['show', 'job', '-o', jobId], { encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw noSlurmError('scontrol');
    return undefined;
  }
  if (r.status !== 0) return undefined; // "Invalid job id specified": the controller forgot it
  return parseScontrolJobs(r.stdout).find((j) => j.jobId === jobId);
}

/** A running step: its id (JOB.STEP) and node. */
export interface SlurmStep {
  stepId: string;
  nodes: string;
}

/** Running steps of a job (squeue -s), empty when none or when squeue fails. */
export function runningSteps(jobId: string): SlurmStep[] {
  const r = spawnSync('squeue', ['-h', '-s', '-j', jobId, '-o', '%i %N'], {
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
  });
  if (r.error || r.status !== 0) return [];
  const steps: SlurmStep[] = [];
  for (const line of r.stdout.split('\n')) {
    const [stepId, nodes] = line.trim().split(/\s+/);
    // The batch step ("123.batch") runs the script on the first node, not a census task.
    if (!stepId || !nodes || !/^\d+\.\d+$/.test(stepId)) continue;
    steps.push({ stepId, nodes });
  }
  return steps;
}

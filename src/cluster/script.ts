/**
 * The batch script of a census: one srun step per node of the allocation, each running the same
 * `bench run` and writing DIR/nodes/$SLURMD_NODENAME.json (bench run writes atomically, after every
 * configuration, and marks the file `interrupted` on SIGTERM, which is what scancel sends first).
 */
import { join } from 'node:path';
import type { SlurmRequest } from './manifest.js';
import { NODES_DIR } from './manifest.js';

/** `s` quoted for bash when it holds anything beyond safe characters. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Everything the script needs. */
export interface ScriptInput {
  /** Absolute census folder. */
  dir: string;
  censusId: string;
  request: SlurmRequest;
  /** Node names to ask for (--nodelist); empty to let Slurm choose `nodeCount` nodes. */
  nodes: readonly string[];
  nodeCount: number;
  /** Nodes Slurm must not give (those already complete, on --resume with --nodes N). */
  exclude: readonly string[];
  /** The node executable and the bench CLI script every node runs (shared filesystem). */
  nodeBinary: string;
  cliScript: string;
  runArgs: readonly string[];
  /** --resume: continue each node's file instead of starting it. */
  resume: boolean;
}

/**
 * The `bench run` each node runs, as one shell word list with `$SLURMD_NODENAME` left for the node
 * to expand. GPU nodes (--gpus-per-node) run every GPU at once with --gpus all; a --gpus file cannot
 * be continued (bench run refuses --resume with --gpus), so a resumed GPU node starts over (--force).
 */
export function nodeCommand(
  input: Pick<ScriptInput, 'dir' | 'request' | 'nodeBinary' | 'cliScript' | 'runArgs' | 'resume'>,
): string {
  const gpus = input.request.gpusPerNode !== undefined;
  const words = [input.nodeBinary, input.cliScript, 'run', ...input.runArgs].map(shellQuote);
  if (gpus) words.push('--gpus', 'all');
  if (input.resume) words.push(gpus ? '--force' : '--resume');
  words.push('--out', `"${join(input.dir, NODES_DIR)}/$SLURMD_NODENAME.json"`);
  return words.join(' ');
}

/** The batch script text. */
export function batchScript(input: ScriptInput): string {
  const r = input.request;
  const dir = input.dir;
  const sb: string[] = [
    `--job-name=h100e-census`,
    `--nodes=${input.nodeCount}`,
    '--ntasks-per-node=1',
    `--output=${join(dir, 'logs', 'job-%j.out')}`,
  ];
  if (input.nodes.length > 0) sb.push(`--nodelist=${input.nodes.join(',')}`);
  if (input.exclude.length > 0) sb.push(`--exclude=${input.exclude.join(',')}`);
  if (r.partition) sb.push(`--partition=${r.partition}`);
  if (r.account) sb.push(`--account=${r.account}`);
  if (r.time) sb.push(`--time=${r.time}`);
  if (r.gpusPerNode !== undefined) sb.push(`--gpus-per-node=${r.gpusPerNode}`);
  if (r.exclusive) sb.push('--exclusive');
  sb.push(...r.sbatchArgs);
  const q = shellQuote;
  const command = nodeCommand(input);
  return [
    '#!/bin/bash',
    `# h100e census ${input.censusId}${input.resume ? ' (--resume)' : ''}: written by bench cluster slurm.`,
    '# One step per node, so one node can be cancelled (scancel JOB.STEP) and its file still kept.',
    ...sb.map((a) => `#SBATCH ${a}`),
    'set -u',
    `dir=${q(dir)}`,
    'mkdir -p "$dir/nodes" "$dir/logs" "$dir/steps"',
    '# The allocation, for bench cluster status and collect once Slurm has forgotten the job.',
    'scontrol show hostnames "$SLURM_JOB_NODELIST" > "$dir/steps/job-$SLURM_JOB_ID.nodes"',
    'pids=()',
    'for node in $(cat "$dir/steps/job-$SLURM_JOB_ID.nodes"); do',
    '  (',
    '    srun --nodes=1 --ntasks=1 --ntasks-per-node=1 --nodelist="$node" --kill-on-bad-exit=0 \\',
    '      --output="$dir/logs/job-%j-$node.out" \\',
    `      bash -c ${q(`exec ${command}`)}`,
    '    s=$?',
    "    # The step's exit status (143: SIGTERM from scancel) as soon as it ends, written atomically.",
    '    echo "$s $SLURM_JOB_ID" > "$dir/steps/.$node.exit.tmp" && mv "$dir/steps/.$node.exit.tmp" "$dir/steps/$node.exit"',
    '    exit $s',
    '  ) &',
    '  pids+=($!)',
    'done',
    'rc=0',
    'for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done',
    'exit $rc',
    '',
  ].join('\n');
}

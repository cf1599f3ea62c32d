/**
 * `bench cluster slurm`: writes the census folder (manifest and batch script) and submits it, or
 * with --resume submits again only the nodes without a complete file.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchError } from '../core/errors.js';
import { packageVersions } from '../env/environment.js';
import { writeFileAtomic } from '../results/io.js';
import { gitCommit, PACKAGE_ROOT, TOOL_VERSION } from '../core/version.js';
import { expandHostlist } from './hostlist.js';
import {
  hasManifest,
  manifestPath,
  readManifest,
  writeManifest,
  type Manifest,
  type SlurmRequest,
} from './manifest.js';
import { batchScript, nodeCommand, shellQuote } from './script.js';
import { censusActive, completeNodes, gatherCensus, nodeStates } from './state.js';
import { hasBinary, noSlurmError, partitionNodes, submitBatch } from './slurm.js';

/** `bench run` flags the census sets itself: given among the run options they are refused. */
const RESERVED_RUN_FLAGS = ['--out', '--gpus', '--resume', '--force', '--json', '--dry-run'] as const;

/** What `bench cluster slurm` was given. */
export interface SlurmCensusOptions {
  out: string;
  runArgs: string[];
  partition?: string;
  nodes?: number;
  nodelist?: string;
  nodeState: 'idle' | 'all';
  gpusPerNode?: number;
  account?: string;
  time?: string;
  exclusive: boolean;
  sbatchArgs: string[];
  print: boolean;
  resume: boolean;
  /** The command line, for the manifest. */
  command: string;
  /** Tests inject fixed values. */
  now?: Date;
  censusId?: string;
}

/** What a submission did. */
export interface SubmitOutcome {
  dir: string;
  /** The script text (also what --print prints). */
  script: string;
  scriptPath: string | undefined;
  jobId: string | undefined;
  /** Node names asked for; empty when Slurm chooses `nodeCount` nodes. */
  nodes: string[];
  nodeCount: number;
  /** --resume: nodes left alone because their file is complete. */
  kept: string[];
}

/** Refuses run options the census sets itself. */
export function checkRunArgs(args: readonly string[]): void {
  for (const a of args) {
    const flag = a.split('=')[0]!;
    if ((RESERVED_RUN_FLAGS as readonly string[]).includes(flag)) {
      throw new BenchError(
        'E_USAGE',
        `${flag} cannot be passed to the nodes' bench run: bench cluster sets it`,
        {
          hint:
            flag === '--out'
              ? 'give the census folder with --out DIR; each node writes DIR/nodes/NODE.json'
              : flag === '--gpus'
                ? 'use --gpus-per-node N: GPU nodes then run --gpus all'
                : flag === '--resume'
                  ? 'use bench cluster slurm --resume --out DIR'
                  : `drop ${flag}`,
        },
      );
    }
  }
  if (
    !args.some(
      (a) => a === '--model' || a.startsWith('--model=') || a === '--suite' || a.startsWith('--suite='),
    )
  ) {
    throw new BenchError('E_USAGE', 'no --model or --suite for the nodes to run', {
      hint: 'e.g. bench cluster slurm --model squeezenet1_1 --device cpu --out DIR',
    });
  }
}

/** The manifest's request part. */
function requestOf(o: SlurmCensusOptions): SlurmRequest {
  return {
    ...(o.partition !== undefined ? { partition: o.partition } : {}),
    ...(o.nodes !== undefined ? { nodes: o.nodes } : {}),
    ...(o.nodelist !== undefined ? { nodelist: o.nodelist } : {}),
    nodeState: o.nodeState,
    ...(o.gpusPerNode !== undefined ? { gpusPerNode: o.gpusPerNode } : {}),
    ...(o.account !== undefined ? { account: o.account } : {}),
    ...(o.time !== undefined ? { time: o.time } : {}),
    exclusive: o.exclusive,
    sbatchArgs: o.sbatchArgs,
  };
}

/** The node set of a first submission: --nodelist, --nodes N (Slurm chooses), or the partition's nodes by state. */
function nodesToAsk(o: SlurmCensusOptions): { nodes: string[]; count: number } {
  if (o.nodelist !== undefined) {
    const nodes = expandHostlist(o.nodelist);
    if (o.nodes !== undefined && o.nodes !== nodes.length) {
      throw new BenchError(
        'E_USAGE',
        `--nodes ${o.nodes} and --nodelist ${o.nodelist} (${nodes.length} nodes) disagree`,
        {
          hint: 'give one of them',
        },
      );
    }
    return { nodes, count: nodes.length };
  }
  if (o.nodes !== undefined) return { nodes: [], count: o.nodes };
  const nodes = partitionNodes(o.partition, o.nodeState);
  if (nodes.length === 0) {
    throw new BenchError(
      'E_BAD_INPUT',
      `no ${o.nodeState === 'idle' ? 'idle ' : ''}node in ${o.partition ? `partition ${o.partition}` : 'the default partition'}`,
      {
        hint:
          o.nodeState === 'idle'
            ? 'wait for idle nodes, or pass --node-state all, --nodes N or --nodelist LIST'
            : 'check sinfo',
      },
    );
  }
  return { nodes, count: nodes.length };
}

/** The node executable and CLI script the nodes run: this installation, which they share. */
function installation(): { nodeBinary: string; cliScript: string } {
  return { nodeBinary: process.execPath, cliScript: join(PACKAGE_ROOT, 'dist', 'src', 'cli.js') };
}

/** A folder that may take a new census: missing, or empty. */
function checkFreshDir(dir: string, out: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new BenchError('E_UNWRITABLE', `--out ${out} is a file, not a folder`, {
      hint: 'give --out a folder for the census',
    });
  }
  if (hasManifest(dir)) {
    let id = '';
    try {
      id = ` ${readManifest(dir).censusId}`;
    } catch {
      // an unreadable manifest is still another census's folder
    }
    throw new BenchError(
      'E_EXISTS',
      `--out ${out} already holds census${id} (${join(out, 'cluster.json')})`,
      {
        hint: 'choose a new folder, or continue that census with bench cluster slurm --resume --out ' + out,
      },
    );
  }
  if (readdirSync(dir).length > 0) {
    throw new BenchError('E_EXISTS', `--out ${out} is not empty`, {
      hint: 'give a new or empty folder for the census',
    });
  }
}

/** The next free batch script name in DIR. */
function scriptName(dir: string, resume: boolean, jobs: number): string {
  return resume ? `census-resume-${jobs}.sbatch` : 'census.sbatch';
}

/** Writes (unless --print) and submits (unless --print) the census; --resume continues one. */
export function submitCensus(o: SlurmCensusOptions): SubmitOutcome {
  const dir = resolve(o.out);
  const now = o.now ?? new Date();
  const inst = installation();
  // Before anything else: without a Slurm client nothing below can work, and the fix is a login node.
  if (!o.print && !hasBinary('sbatch')) throw noSlurmError('sbatch');
  if (o.resume) return resumeCensus(o, dir, now, inst);
  checkRunArgs(o.runArgs);
  if (!o.print) checkFreshDir(dir, o.out);
  const request = requestOf(o);
  const { nodes, count } = nodesToAsk(o);
  const censusId = o.censusId ?? randomUUID();
  const input = {
    dir,
    censusId,
    request,
    nodes,
    nodeCount: count,
    exclude: [],
    ...inst,
    runArgs: o.runArgs,
    resume: false,
  };
  const script = batchScript(input);
  if (o.print)
    return { dir, script, scriptPath: undefined, jobId: undefined, nodes, nodeCount: count, kept: [] };
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const name = scriptName(dir, false, 0);
  writeFileAtomic(join(dir, name), script);
  const commit = gitCommit();
  const manifest: Manifest = {
    manifestVersion: 1,
    kind: 'h100e-cluster-census',
    censusId,
    createdAt: now.toISOString(),
    command: o.command,
    runArgs: o.runArgs,
    runCommand: nodeCommand(input),
    tool: { name: 'h100e', version: TOOL_VERSION, ...(commit ? { gitCommit: commit } : {}) },
    packages: packageVersions(),
    request,
    jobs: [],
  };
  // The manifest first: a job that starts at once must find its census described.
  writeManifest(dir, manifest);
  let jobId: string;
  try {
    jobId = submitBatch(join(dir, name));
  } catch (e) {
    // Nothing was submitted: leave the folder as it was, so the same command works once fixed.
    rmSync(manifestPath(dir), { force: true });
    rmSync(join(dir, name), { force: true });
    for (const sub of ['nodes', 'logs']) {
      try {
        rmdirSync(join(dir, sub));
      } catch {
        // not empty or already gone: keep whatever is there
      }
    }
    throw e;
  }
  manifest.jobs.push({
    jobId,
    submittedAt: new Date().toISOString(),
    nodes,
    nodeCount: count,
    script: name,
    resume: false,
  });
  writeManifest(dir, manifest);
  return { dir, script, scriptPath: join(dir, name), jobId, nodes, nodeCount: count, kept: [] };
}

function resumeCensus(
  o: SlurmCensusOptions,
  dir: string,
  now: Date,
  inst: { nodeBinary: string; cliScript: string },
): SubmitOutcome {
  const manifest = readManifest(dir);
  // The run options come from the manifest: a resumed node must measure what its siblings measured.
  if (o.runArgs.length > 0 && o.runArgs.join(' ') !== manifest.runArgs.join(' ')) {
    throw new BenchError(
      'E_USAGE',
      `--resume: ${o.out} is census ${manifest.censusId} of \`bench run ${manifest.runArgs.join(' ')}\`, not of \`bench run ${o.runArgs.join(' ')}\``,
      {
        hint: `drop the run options: --resume reruns the census's own (bench cluster slurm --resume --out ${o.out})`,
      },
    );
  }
  const inputs = gatherCensus(dir);
  if (censusActive(inputs)) {
    const active = inputs.jobs.filter(
      (j) => j.job && !/^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)/.test(j.job.state),
    );
    throw new BenchError(
      'E_USAGE',
      `--resume: job ${active.map((j) => j.jobId).join(', ')} of this census is still ${active[0]?.job?.state.toLowerCase() ?? 'active'}`,
      {
        hint: `wait for it (bench cluster status ${o.out}) or cancel it (scancel ${active.map((j) => j.jobId).join(' ')})`,
      },
    );
  }
  const states = nodeStates(inputs);
  const kept = completeNodes(states);
  const known = states.map((s) => s.node);
  const asked = manifest.request.nodes;
  let nodes = known.filter((n) => !kept.includes(n));
  let count = nodes.length;
  let exclude: string[] = [];
  if (asked !== undefined && manifest.request.nodelist === undefined && known.length < asked) {
    // --nodes N where some nodes never started: let Slurm choose the rest, away from the complete ones.
    count = asked - kept.length;
    nodes = [];
    exclude = kept;
  }
  if (count === 0) {
    return { dir, script: '', scriptPath: undefined, jobId: undefined, nodes: [], nodeCount: 0, kept };
  }
  const request = { ...manifest.request, ...(o.partition !== undefined ? { partition: o.partition } : {}) };
  const input = {
    dir,
    censusId: manifest.censusId,
    request,
    nodes,
    nodeCount: count,
    exclude,
    ...inst,
    runArgs: manifest.runArgs,
    resume: true,
  };
  const script = batchScript(input);
  if (o.print) return { dir, script, scriptPath: undefined, jobId: undefined, nodes, nodeCount: count, kept };
  const name = scriptName(dir, true, manifest.jobs.length);
  writeFileAtomic(join(dir, name), script);
  const jobId = submitBatch(join(dir, name));
  manifest.jobs.push({
    jobId,
    submittedAt: now.toISOString(),
    nodes,
    nodeCount: count,
    script: name,
    resume: true,
  });
  writeManifest(dir, manifest);
  return { dir, script, scriptPath: join(dir, name), jobId, nodes, nodeCount: count, kept };
}

/** The commands that follow a census (printed after a submit and on Ctrl-C in --wait). */
export function followCommands(
  dir: string,
  jobId: string | undefined,
): { status: string; collect: string; cancel: string | undefined } {
  const d = shellQuote(dir);
  return {
    status: `bench cluster status ${d}`,
    collect: `bench cluster collect ${d}`,
    cancel: jobId ? `scancel ${jobId}` : undefined,
  };
}

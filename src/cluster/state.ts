/**
 * Where each node of a census stands: gathered once from the disk and from Slurm
 * ({@link gatherCensus}), then derived without further I/O ({@link nodeStates}), so the formatters and
 * the tests work on plain data.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.js';
import { readResultFile } from '../results/io.js';
import type { ResultFile } from '../results/schema.js';
import { readManifest, NODES_DIR, type Manifest } from './manifest.js';
import { hasBinary, runningSteps, showJob, type SlurmJob, type SlurmStep } from './slurm.js';

/**
 * A node file with its samples dropped: the census needs each run's summary only, and 1,000 nodes x
 * 8 GPUs x 6 configurations of raw samples would not fit the memory budget.
 */
export type LeanResultFile = ResultFile;

/** One entry of DIR/nodes/: a node's result file, or why it could not be used. */
interface NodeFileEntry {
  /** File name inside nodes/. */
  name: string;
  /** The Slurm node the name stands for (`node1.json` → `node1`); undefined for a non-JSON name. */
  node: string | undefined;
  file?: LeanResultFile;
  /** Why the file was not read (unreadable, not JSON, not a result file, a foreign name). */
  problem?: string;
}

/** What Slurm says about one submitted job; `job` undefined once the controller has forgotten it. */
interface JobView {
  jobId: string;
  job: SlurmJob | undefined;
  steps: SlurmStep[];
}

/** A step's exit status as the batch script recorded it in steps/NODE.exit. */
interface StepExit {
  status: number;
  jobId: string;
}

/** Everything the census knows, read once. */
export interface CensusInputs {
  dir: string;
  manifest: Manifest;
  files: NodeFileEntry[];
  jobs: JobView[];
  /** steps/job-ID.nodes: each job's allocation, as its script wrote it. */
  allocations: Record<string, string[]>;
  exits: Record<string, StepExit>;
}

/** Reads one node file without its samples; a failure becomes the entry's problem. */
function readNodeFile(path: string): { file?: LeanResultFile; problem?: string } {
  try {
    const file = readResultFile(path);
    for (const run of file.runs) run.samplesMs = [];
    return { file };
  } catch (e) {
    return { problem: errorMessage(e) };
  }
}

/** Reads DIR/nodes/ (hidden temp files skipped: bench run renames them into place). */
function readNodeFiles(dir: string): NodeFileEntry[] {
  const nodesDir = join(dir, NODES_DIR);
  if (!existsSync(nodesDir)) return [];
  const entries: NodeFileEntry[] = [];
  for (const name of readdirSync(nodesDir).sort()) {
    if (name.startsWith('.')) continue;
    if (!name.endsWith('.json')) {
      entries.push({ name, node: undefined, problem: 'not a node result file (expected NODE.json)' });
      continue;
    }
    entries.push({ name, node: name.slice(0, -'.json'.length), ...readNodeFile(join(nodesDir, name)) });
  }
  return entries;
}

/** Reads steps/: each job's allocation and each node's last step exit. */
function readSteps(dir: string): Pick<CensusInputs, 'allocations' | 'exits'> {
  const stepsDir = join(dir, 'steps');
  const allocations: Record<string, string[]> = {};
  const exits: Record<string, StepExit> = {};
  if (!existsSync(stepsDir)) return { allocations, exits };
  for (const name of readdirSync(stepsDir)) {
    try {
      const text = readFileSync(join(stepsDir, name), 'utf8');
      const alloc = /^job-(\d+)\.nodes$/.exec(name);
      if (alloc) allocations[alloc[1]!] = text.split(/\s+/).filter((s) => s !== '');
      const exit = /^([^.].*)\.exit$/.exec(name);
      const m = /^(\d+)\s+(\d+)/.exec(text);
      if (exit && m) exits[exit[1]!] = { status: Number(m[1]), jobId: m[2]! };
    } catch {
      // A file being written; the next status or collect reads it.
    }
  }
  return { allocations, exits };
}

/** Reads a census folder and asks Slurm about its jobs (`slurm: false` for files only). */
export function gatherCensus(dir: string, options: { slurm?: boolean } = {}): CensusInputs {
  const manifest = readManifest(dir);
  // A census copied off the cluster is still read: without a Slurm client the files alone decide.
  const askSlurm = (options.slurm ?? true) && hasBinary('scontrol');
  const jobs: JobView[] = manifest.jobs.map((j) => ({
    jobId: j.jobId,
    job: askSlurm ? showJob(j.jobId) : undefined,
    steps: askSlurm ? runningSteps(j.jobId) : [],
  }));
  return { dir, manifest, files: readNodeFiles(dir), jobs, ...readSteps(dir) };
}

/** The states a node can be in. */
type NodeStateName = 'pending' | 'starting' | 'running' | 'done' | 'interrupted' | 'failed' | 'missing';

/** One node's state. */
export interface NodeState {
  node: string;
  state: NodeStateName;
  /** The latest job that asked for this node, with Slurm's state and reason while Slurm knows it. */
  jobId: string | undefined;
  slurmState: string | undefined;
  slurmReason: string | undefined;
  /** The running step on this node (JOB.STEP). */
  stepId: string | undefined;
  /** The exit status of the node's last step, when its job recorded one. */
  stepExit: number | undefined;
  /** The node's file in nodes/, when there is one. */
  file: string | undefined;
  finished: number;
  /** Configurations planned; known for a finished or interrupted file, null while unknown. */
  planned: number | null;
  /** Failed configurations in the file. */
  failedRuns: number;
  /** The signal that interrupted the file's sweep. */
  signal: string | undefined;
}

/** Slurm job states of a job that will not run any more. */
const ENDED = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE)/;

/** Every node of the census: asked for, allocated, or with a file. */
function censusNodes(inputs: Pick<CensusInputs, 'manifest' | 'files' | 'allocations'>): string[] {
  const nodes = new Set<string>();
  for (const j of inputs.manifest.jobs) for (const n of j.nodes) nodes.add(n);
  for (const list of Object.values(inputs.allocations)) for (const n of list) nodes.add(n);
  for (const f of inputs.files) if (f.node !== undefined && f.file) nodes.add(f.node);
  return [...nodes].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** The node states, derived from the inputs alone. */
export function nodeStates(inputs: CensusInputs): NodeState[] {
  const byNode = new Map(inputs.files.filter((f) => f.node !== undefined && f.file).map((f) => [f.node!, f]));
  const jobs = new Map(inputs.jobs.map((j) => [j.jobId, j]));
  return censusNodes(inputs).map((node) => {
    // The latest job that asked for or got this node decides the Slurm side.
    const record = [...inputs.manifest.jobs]
      .reverse()
      .find(
        (j) =>
          j.nodes.includes(node) ||
          (inputs.allocations[j.jobId] ?? []).includes(node) ||
          j.nodes.length === 0,
      );
    const view = record ? jobs.get(record.jobId) : undefined;
    const step = view?.steps.find((s) => s.nodes === node);
    const exit = inputs.exits[node];
    const stepExit = exit && record && exit.jobId === record.jobId ? exit.status : undefined;
    const entry = byNode.get(node);
    const file = entry?.file;
    const failedRuns = file ? file.runs.filter((r) => r.status === 'failed').length : 0;
    const finished = file ? file.runs.length : 0;
    const planned = file ? (file.interrupted?.plannedConfigurations ?? (step ? null : finished)) : null;
    const jobState = view?.job?.state;
    const allocated = record ? (inputs.allocations[record.jobId] ?? []).includes(node) : false;
    let state: NodeStateName;
    const asked = record ? record.nodes.includes(node) || allocated : false;
    if (step) state = 'running';
    else if (jobState === 'PENDING') state = 'pending';
    // The job runs but this node's step has not started yet (or its file is from an earlier job).
    else if ((jobState === 'RUNNING' || jobState === 'CONFIGURING') && asked && stepExit === undefined)
      state = 'starting';
    else if (file?.interrupted) state = 'interrupted';
    // A file without the mark whose step died of a signal (SIGKILL, node failure) lost its last configuration.
    else if (file && stepExit !== undefined && stepExit >= 128) state = 'interrupted';
    else if (file && (stepExit !== undefined || !jobState || ENDED.test(jobState))) state = 'done';
    else if (jobState === 'RUNNING' || jobState === 'CONFIGURING')
      state = allocated || file ? 'starting' : 'pending';
    else if (jobState && ENDED.test(jobState))
      state = allocated || stepExit !== undefined ? 'failed' : 'missing';
    else state = stepExit !== undefined ? 'failed' : 'missing';
    return {
      node,
      state,
      jobId: record?.jobId,
      slurmState: jobState,
      slurmReason: view?.job?.reason,
      stepId: step?.stepId,
      stepExit,
      file: entry ? join(NODES_DIR, entry.name) : undefined,
      finished,
      planned,
      failedRuns,
      signal:
        file?.interrupted?.signal ??
        (stepExit !== undefined && stepExit >= 128 ? `exit ${stepExit}` : undefined),
    };
  });
}

/** True while a job of the census can still change files (pending or running in Slurm). */
export function censusActive(inputs: Pick<CensusInputs, 'jobs'>): boolean {
  return inputs.jobs.some((j) => j.job !== undefined && !ENDED.test(j.job.state));
}

/** Nodes whose file is complete: done, and not to be measured again by --resume. */
export function completeNodes(states: readonly NodeState[]): string[] {
  return states.filter((s) => s.state === 'done').map((s) => s.node);
}

/**
 * H100 references for the measured method: result files in results/reference/ (each records the
 * command that made it) and the published anchors in results/reference/anchors.json.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { matchKey, workloadKey } from '../results/key.js';
import { fieldIssue, parseJsonText, readResultFile, readTextFile } from '../results/io.js';
import type { Environment, ResultFile, RunResult } from '../results/schema.js';
import { PACKAGE_ROOT } from '../core/version.js';
import { matchGpuName, normalizeName, type Catalog, loadCatalog } from '../catalog/catalog.js';

/** Default folder of reference result files. */
export const REFERENCE_DIR = join(PACKAGE_ROOT, 'results', 'reference');
/** File name of the published anchors inside the reference folder. */
const ANCHORS_FILE = 'anchors.json';

/** A published figure kept for comparison, never like-for-like. */
const AnchorSchema = z.object({
  id: z.string(),
  label: z.literal('published anchor'),
  benchmark: z.string(),
  system: z.string(),
  device: z.string(),
  model: z.string(),
  modelAliases: z.array(z.string()),
  samplesPerS: z.number().positive(),
  engine: z.string(),
  precision: z.string(),
  likeForLike: z.literal(false),
  caveat: z.string(),
  source: z.object({
    title: z.string(),
    url: z.string().url(),
    date: z.string(),
    verifiedThisSession: z.boolean(),
  }),
});

/** A published anchor. */
export type Anchor = z.infer<typeof AnchorSchema>;

const AnchorsFileSchema = z.object({
  anchorsVersion: z.literal(1),
  note: z.string(),
  anchors: z.array(AnchorSchema),
});

/** One H100 run usable as a reference. */
export interface ReferenceRun {
  file: string;
  /** The command that made the reference file. */
  command: string;
  /** Catalog name of the GPU it ran on. */
  device: string;
  run: RunResult;
}

/**
 * Catalog ids whose measurements can stand for one H100-equivalent. The unit is the H100 SXM (Epoch
 * AI divides by its dense figures); the H200 SXM carries the same GH100 compute (989.4 dense 16-bit
 * TFLOP/s) with faster memory, so Epoch counts it as one H100e too. A PCIe or NVL H100 has less compute
 * and would inflate every ratio.
 */
export const REFERENCE_DEVICE_IDS: readonly string[] = ['h100-sxm', 'h200-sxm'];

/**
 * Catalog entry of the GPU a run used, from the environment's nvidia-smi list or the run's device name;
 * `mig` when nvidia-smi reported MIG mode enabled (the run then had a slice of that GPU).
 */
export function gpuOfRun(
  run: RunResult,
  env: Environment,
  catalog: Catalog = loadCatalog(),
): { name: string; device: ReturnType<typeof matchGpuName>; mig: boolean } {
  const info =
    (run.device.gpuIndex !== undefined ? env.gpus.find((g) => g.index === run.device.gpuIndex) : undefined) ??
    env.gpus[0];
  const name = info?.name ?? run.device.name;
  return {
    name,
    device: matchGpuName(name, catalog) ?? matchGpuName(run.device.name, catalog),
    mig: info?.migEnabled === true,
  };
}

/** True when a run ran on the CPU: the CPU provider, or a GPU API emulated on the CPU (lavapipe). */
export function ranOnCpu(run: RunResult): boolean {
  return run.device.actual === 'cpu' || run.device.software === true;
}

/** True when a run measured something on a GPU (a non-CPU device that is not emulated) and succeeded. */
function isGpuRun(run: RunResult): boolean {
  return run.status === 'ok' && run.throughput !== undefined && !ranOnCpu(run);
}

/**
 * H100 (or H200, see REFERENCE_DEVICE_IDS) runs of one result file; runs on other GPUs or on a MIG
 * slice are ignored.
 */
function referenceRunsOf(file: ResultFile, path: string): ReferenceRun[] {
  const out: ReferenceRun[] = [];
  for (const run of file.runs) {
    if (!isGpuRun(run)) continue;
    const gpu = gpuOfRun(run, file.environment);
    // A MIG slice is a fraction of the GPU: dividing by it would inflate every H100e.
    if (gpu.device && REFERENCE_DEVICE_IDS.includes(gpu.device.id) && !gpu.mig)
      out.push({ file: path, command: file.command, device: gpu.device.name, run });
  }
  return out;
}

/** Reads one reference file given with --reference; it must hold at least one successful H100 run. */
export function loadReferenceFile(path: string): ReferenceRun[] {
  const refs = referenceRunsOf(readResultFile(path), path);
  if (refs.length === 0) {
    throw new BenchError(
      'E_BAD_INPUT',
      `--reference ${path}: no successful H100 SXM or H200 SXM runs (whole GPUs, MIG off) in this file`,
      {
        hint: 'pass a result file measured on an H100 SXM or H200 SXM (its environment.gpus names the GPU)',
      },
    );
  }
  return refs;
}

const dirCache = new Map<string, ReferenceRun[]>();

/** Every H100 run in the reference folder's result files (anchors.json excluded), read once per folder. */
export function loadReferenceDir(dir: string = REFERENCE_DIR): ReferenceRun[] {
  const hit = dirCache.get(dir);
  if (hit) return hit;
  const refs: ReferenceRun[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json') || f === ANCHORS_FILE) continue;
      refs.push(...referenceRunsOf(readResultFile(join(dir, f)), join(dir, f)));
    }
  }
  dirCache.set(dir, refs);
  return refs;
}

const anchorCache = new Map<string, Anchor[]>();

/** The published anchors of a reference folder (empty when the file is absent), read once. */
export function loadAnchors(dir: string = REFERENCE_DIR): Anchor[] {
  const hit = anchorCache.get(dir);
  if (hit) return hit;
  const path = join(dir, ANCHORS_FILE);
  let anchors: Anchor[] = [];
  if (existsSync(path)) {
    const parsed = AnchorsFileSchema.safeParse(parseJsonText(readTextFile(path), path));
    if (!parsed.success) {
      throw new BenchError('E_SCHEMA', `${path}: ${fieldIssue(parsed.error)}`);
    }
    anchors = parsed.data.anchors;
  }
  anchorCache.set(dir, anchors);
  return anchors;
}

/** The reference a run is measured against, and how it was chosen. */
export interface ReferenceMatch {
  ref: ReferenceRun;
  /**
   * same-config: same engine, provider and transfer (like-for-like software);
   * fastest: no such run, so the fastest reference configuration of the same workload (a CPU run, or
   * a provider the reference machine did not run) — how many H100s this device is worth.
   */
  kind: 'same-config' | 'fastest';
}

/**
 * The reference for a run: a run with the same match key, else the fastest one of the same workload;
 * undefined when none, or for server runs, whose throughput is the offered load. Then `why` is the
 * reason, the same for every run of a file, and `lookedFor` the workload this run needed, if any.
 */
export function findReference(
  run: RunResult,
  refs: ReferenceRun[],
): { match: ReferenceMatch } | { match: undefined; why: string; lookedFor?: string } {
  if (run.config.scenario === 'server') {
    return {
      match: undefined,
      why: 'a server run measures latency at an offered load (--qps), not capacity; compare offline or single-stream runs',
    };
  }
  const key = matchKey(run);
  const same = refs.filter((r) => matchKey(r.run) === key);
  const work = workloadKey(run);
  const candidates = same.length > 0 ? same : refs.filter((r) => workloadKey(r.run) === work);
  const best = candidates.reduce<ReferenceRun | undefined>(
    (a, r) => (a === undefined || samplesPerSOf(r) > samplesPerSOf(a) ? r : a),
    undefined,
  );
  if (!best) {
    return {
      match: undefined,
      why:
        refs.length === 0
          ? 'no H100 or H200 reference run exists to divide by (results/reference/README.md says what is missing, --reference FILE names one)'
          : `none of the ${refs.length} reference runs measured this workload`,
      lookedFor: `${work} (model@sha256|precision|batch|scenario|concurrency)`,
    };
  }
  return { match: { ref: best, kind: same.length > 0 ? 'same-config' : 'fastest' } };
}

function samplesPerSOf(r: ReferenceRun): number {
  return r.run.throughput?.samplesPerS ?? 0;
}

/** The anchor for this run's model, if one exists (matched by model name). */
export function findAnchor(run: RunResult, anchors: Anchor[]): Anchor | undefined {
  const n = normalizeName(run.model.name);
  return anchors.find((a) => a.modelAliases.some((m) => normalizeName(m) === n));
}

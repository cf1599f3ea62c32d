/**
 * H100-equivalents of measured runs by named methods (capacity, measured, PyTorch, spec, roofline),
 * with the spread between them. Programmatic API behind `bench estimate` and the H100e column of
 * `bench run`.
 */
import { BenchError } from '../core/errors.js';
import { environmentOf } from '../results/environment.js';
import { matchKey } from '../results/key.js';
import type { Environment, ResultFile, RunResult } from '../results/schema.js';
import { h100, normalizeName, requireDevice } from '../catalog/catalog.js';
import { deriveCpuPeak, localCpuInfo, type CpuInfo } from '../env/cpu-peak.js';
import { peaksFromCatalog, peaksFromCpu, type DevicePeaks } from '../catalog/device-peaks.js';
import {
  findAnchor,
  findReference,
  gpuOfRun,
  loadAnchors,
  loadReferenceDir,
  loadReferenceFile,
  ranOnCpu,
  REFERENCE_DIR,
  type Anchor,
  type ReferenceRun,
} from './references.js';
import { findCapacityReference } from './capacity.js';
import { findPytorchReference, loadPytorchReferences, type PytorchReference } from './pytorch-reference.js';
import { rooflineOn, type RooflineBound, type RooflineWork } from './roofline.js';
import { specH100e, H100_DENSE16_TFLOPS, H100_DENSE8_TOPS } from '../catalog/spec-rule.js';

/**
 * What a measured figure was divided by: the reference throughput, the GPU that reached it, and the
 * file and command that measured it.
 */
export interface Divisor {
  /** Images per second of the reference. */
  samplesPerS: number;
  /** Catalog name of the reference GPU ("H200 SXM"). */
  device: string;
  file: string;
  command: string;
}

/** Fixed caveats a figure carries; the formatter words them (report/estimate-text.ts). */
export type Caveat =
  /** Capacity: this run as measured over the reference at its best batch, engine and mode. */
  | 'capacity-sides'
  /** PyTorch's input stays on the GPU and its models are torchvision's with random weights. */
  | 'pytorch-divisor'
  /** The divisor ran on an H200, counted as one H100e though its memory is faster. */
  | 'h200-divisor'
  /** --as was given but describes GPUs only, so this CPU or software figure ignores it. */
  | 'as-gpu-only';

/** How one method's figure was derived, as data: what was divided by what, or why there is none. */
export type Derivation =
  | {
      kind: 'capacity';
      samplesPerS: number;
      divisor: Divisor;
      model: string;
      precision: string;
      /** What reached the divisor, e.g. "ort/webgpu at batch 32". */
      what: string;
    }
  | {
      kind: 'measured';
      samplesPerS: number;
      divisor: Divisor;
      /** The reference ran this very configuration, or only the same workload on another engine. */
      pairing: 'same-config' | 'fastest';
      /** The reference's engine/provider and transfer, and this run's engine/provider. */
      reference: { engine: string; provider: string; transfer: string };
      run: { engine: string; provider: string };
    }
  | { kind: 'pytorch'; samplesPerS: number; divisor: Divisor; torch: string; mode: 'eager' | 'compile' }
  | { kind: 'anchor'; samplesPerS: number; anchor: Anchor }
  | {
      kind: 'spec';
      rule: 16 | 8;
      /** The device's dense figure (TFLOP/s for 16-bit, TOPS for 8-bit) and the H100 SXM's. */
      value: number;
      h100Value: number;
    }
  | {
      kind: 'roofline';
      device: string;
      bandwidthGBps: number | null;
      local: RooflineBound;
      h100: RooflineBound;
      efficiency: number | null;
      /** The model's byte counts were partly unknown and counted as 0. */
      bytesPartlyUnknown: boolean;
    }
  /** No reference throughput for a matched reference run. */
  | { kind: 'no-reference-throughput'; key: string }
  /** No reference run of this workload; `lookedFor` is the workload key it needed. */
  | { kind: 'no-reference'; why: string; lookedFor?: string }
  /** The device has no figure for this rule. */
  | { kind: 'no-spec-figure'; rule: 16 | 8; device: string }
  /** The method cannot run for `method`: the device or the model's cost is unknown, or the bound failed. */
  | { kind: 'unavailable'; method: 'spec' | 'roofline'; why: string };

/** One method's figure: null with the reason (in `derivation`) when it cannot be computed. */
export interface MethodFigure {
  h100e: number | null;
  derivation: Derivation;
  /** Fixed caveats, in the order the text shows them (before the notes). */
  caveats: Caveat[];
  /**
   * Source texts the derivation rests on (a peak's source, the bandwidth assumption, why no reference
   * exists): the same on every row of a file, so the text report prints each once as a note.
   */
  notes: string[];
}

/** The roofline figure, with the two bounds and the achieved efficiency at the top level for tables. */
export type RooflineFigure = MethodFigure & {
  local: RooflineBound | null;
  h100: RooflineBound | null;
  efficiency: number | null;
};

/** Every estimate for one run. */
export interface RunEstimate {
  key: string;
  matchKey: string;
  model: string;
  engine: string;
  provider: string;
  precision: string;
  batch: number;
  /** What ran (nvidia-smi or CPU model name). */
  ranOn: string;
  /** The device the spec and roofline figures describe. */
  estimatedAs: string;
  samplesPerS: number;
  /**
   * This run over the best throughput an H100/H200 reached on the same model and precision at any
   * batch, engine or mode (onnxruntime references and PyTorch); null when neither ran the model.
   */
  capacity: MethodFigure | null;
  measured: MethodFigure;
  /**
   * This run over PyTorch's fastest figure (eager or torch.compile) for the same model, precision and
   * batch on an H100 or H200 (results/reference/pytorch/); null when PyTorch did not run the workload.
   */
  pytorch: MethodFigure | null;
  /** Published anchor ratio; never like-for-like, kept out of the spread. */
  anchor: MethodFigure | null;
  spec16: MethodFigure;
  spec8: MethodFigure;
  roofline: RooflineFigure;
  /** max / min of the available capacity, measured, PyTorch, spec and roofline figures; null with fewer than two. */
  spread: number | null;
}

/** Options of an estimate. */
export interface EstimateOptions {
  /** A reference result file instead of the reference folder. */
  reference?: string;
  /**
   * Catalog device the spec and roofline figures of GPU runs should describe instead of the one that ran.
   * CPU and software runs ignore it (their methods say so); a file with no GPU run is E_USAGE.
   */
  as?: string;
  /** CPU memory bandwidth in GB/s (else the documented assumption). */
  cpuBandwidthGBps?: number;
  /** Reference folder (tests point this elsewhere). */
  referenceDir?: string;
  /** The local /proc/cpuinfo (tests inject one). */
  cpuInfo?: CpuInfo | null;
  /** Only the measured method was asked for: a file without GPU runs is then an error. */
  measuredOnly?: boolean;
}

/** The estimates of a whole result file. */
export interface EstimateReport {
  file: string;
  command: string;
  runs: RunEstimate[];
  /** Runs left out and why (failed or skipped). */
  skipped: { key: string; reason: string }[];
  /** Divisors every spec figure uses. */
  rules: { dense16Tflops: number; dense8Tops: number; source: string };
}

interface Context {
  refs: ReferenceRun[];
  pytorchRefs: readonly PytorchReference[];
  anchors: Anchor[];
  as: DevicePeaks | null;
  cpuBandwidthGBps: number | undefined;
  cpuInfo: CpuInfo | null;
}

function peaksOfRun(
  run: RunResult,
  env: Environment,
  ctx: Context,
): { peaks: DevicePeaks | null; ranOn: string; why: string } {
  if (ranOnCpu(run)) {
    const model = env.cpu.model;
    const ranOn = `${model} (CPU${run.device.software ? `, ${run.device.actual} emulated in software` : ''})`;
    // --as is not applied here: a CPU number described as a GPU's would be labelled as a GPU figure.
    const local = ctx.cpuInfo;
    if (local && normalizeName(local.model) === normalizeName(model)) {
      return { peaks: peaksFromCpu(deriveCpuPeak(local, ctx.cpuBandwidthGBps)), ranOn, why: '' };
    }
    return {
      peaks: null,
      ranOn,
      why: `no catalog entry for CPU '${model}' and it is not this machine's CPU, so /proc/cpuinfo cannot describe it (run the estimate on that machine)`,
    };
  }
  const gpu = gpuOfRun(run, env);
  // Spec and roofline describe the whole GPU; a MIG slice gets a fraction of it.
  const ranOn = gpu.mig ? `${gpu.name} (a MIG slice: the figures below describe the whole GPU)` : gpu.name;
  if (ctx.as) return { peaks: ctx.as, ranOn, why: '' };
  if (!gpu.device) {
    return {
      peaks: null,
      ranOn,
      why: `unknown GPU '${gpu.name}': not in the catalog (pass --as DEVICE)`,
    };
  }
  return { peaks: peaksFromCatalog(gpu.device), ranOn, why: '' };
}

/**
 * A figure divided by a measured reference on `device`: an H200 divisor adds the caveat that it counts
 * as one H100e (same dense compute, faster memory).
 */
function dividedFigure(
  samplesPerS: number,
  derivation: Derivation & { divisor: Divisor },
  caveats: Caveat[],
): MethodFigure {
  const all: Caveat[] = derivation.divisor.device.startsWith('H200') ? [...caveats, 'h200-divisor'] : caveats;
  return { h100e: samplesPerS / derivation.divisor.samplesPerS, derivation, caveats: all, notes: [] };
}

/** The run over PyTorch's fastest figure of its workload on an H100/H200, or null when none ran it. */
function pytorchFigure(
  run: RunResult,
  samplesPerS: number,
  refs: readonly PytorchReference[],
): MethodFigure | null {
  const p = findPytorchReference(run, refs);
  if (!p) return null;
  const divisor = { samplesPerS: p.imagesPerS, device: p.device, file: p.file, command: p.command };
  return dividedFigure(samplesPerS, { kind: 'pytorch', samplesPerS, divisor, torch: p.torch, mode: p.mode }, [
    'pytorch-divisor',
  ]);
}

/** The run over the H100/H200's best figure for its model and precision, or null when none ran it. */
function capacityFigure(run: RunResult, samplesPerS: number, ctx: Context): MethodFigure | null {
  const c = findCapacityReference(run, ctx.refs, ctx.pytorchRefs);
  if (!c) return null;
  const divisor = { samplesPerS: c.samplesPerS, device: c.device, file: c.file, command: c.command };
  const derivation: Derivation = {
    kind: 'capacity',
    samplesPerS,
    divisor,
    model: run.model.name,
    precision: run.model.precision,
    what: c.what,
  };
  return dividedFigure(samplesPerS, derivation, ['capacity-sides']);
}

/** The run over an H100/H200 reference of the same configuration, else of the same workload. */
function measuredFigure(run: RunResult, samplesPerS: number, ctx: Context): MethodFigure {
  const found = findReference(run, ctx.refs);
  if (!found.match) {
    // The reason is the same for every run (a note), the workload it looked for is not.
    const why = `no matching H100 reference: ${found.why}`;
    const derivation: Derivation = {
      kind: 'no-reference',
      why,
      ...(found.lookedFor ? { lookedFor: found.lookedFor } : {}),
    };
    return { h100e: null, derivation, caveats: [], notes: [why] };
  }
  const { ref, kind } = found.match;
  // Reference runs always carry a throughput (referenceRunsOf keeps successful runs only).
  const r = ref.run.throughput?.samplesPerS;
  if (!r)
    return {
      h100e: null,
      derivation: { kind: 'no-reference-throughput', key: matchKey(run) },
      caveats: [],
      notes: [],
    };
  return dividedFigure(
    samplesPerS,
    {
      kind: 'measured',
      samplesPerS,
      divisor: { samplesPerS: r, device: ref.device, file: ref.file, command: ref.command },
      pairing: kind,
      reference: {
        engine: ref.run.engine.name,
        provider: ref.run.engine.provider,
        transfer: ref.run.config.transfer,
      },
      run: { engine: run.engine.name, provider: run.engine.provider },
    },
    [],
  );
}

/** The published anchor's ratio: never like-for-like, kept out of the spread. */
function anchorFigure(run: RunResult, samplesPerS: number, ctx: Context): MethodFigure | null {
  const a = findAnchor(run, ctx.anchors);
  if (!a) return null;
  return {
    h100e: samplesPerS / a.samplesPerS,
    derivation: { kind: 'anchor', samplesPerS, anchor: a },
    caveats: [],
    notes: [a.caveat],
  };
}

/** Both Epoch spec rules for the device's peaks (16-bit dense, 8-bit dense). */
function specFigures(peaks: DevicePeaks | null, why: string): { spec16: MethodFigure; spec8: MethodFigure } {
  if (!peaks) {
    const none = (): MethodFigure => ({
      h100e: null,
      derivation: { kind: 'unavailable', method: 'spec', why },
      caveats: [],
      notes: [why],
    });
    return { spec16: none(), spec8: none() };
  }
  const spec = specH100e(peaks);
  const spec16: MethodFigure =
    peaks.dense16Tflops === null
      ? {
          h100e: null,
          derivation: { kind: 'no-spec-figure', rule: 16, device: peaks.name },
          caveats: [],
          notes: [],
        }
      : {
          h100e: spec.rule16,
          derivation: { kind: 'spec', rule: 16, value: peaks.dense16Tflops, h100Value: H100_DENSE16_TFLOPS },
          caveats: [],
          notes: [peaks.notes.dense16],
        };
  const spec8: MethodFigure =
    peaks.int8Tops === null
      ? // Without a figure the whole sentence is the same on every row of the device: it is the note.
        {
          h100e: null,
          derivation: { kind: 'no-spec-figure', rule: 8, device: peaks.name },
          caveats: [],
          notes: [peaks.notes.int8],
        }
      : {
          h100e: spec.rule8,
          derivation: { kind: 'spec', rule: 8, value: peaks.int8Tops, h100Value: H100_DENSE8_TOPS },
          caveats: [],
          notes: [peaks.notes.int8],
        };
  return { spec16, spec8 };
}

/** The roofline figure: the local bound over the H100 SXM's bound, with the achieved efficiency. */
function rooflineFigure(
  run: RunResult,
  samplesPerS: number,
  peaks: DevicePeaks | null,
  why: string,
): RooflineFigure {
  const unavailable = (reason: string, notes: string[]): RooflineFigure => ({
    h100e: null,
    derivation: { kind: 'unavailable', method: 'roofline', why: reason },
    caveats: [],
    notes,
    local: null,
    h100: null,
    efficiency: null,
  });
  if (!peaks) return unavailable(why, [why]);
  if (run.model.flopsPerImage === null) {
    const noFlops = 'model FLOPs unknown (the analyzer met ops it cannot cost)';
    return unavailable(noFlops, [noFlops]);
  }
  const work: RooflineWork = {
    flopsPerImage: run.model.flopsPerImage,
    weightBytes: run.model.weightBytes ?? 0,
    activationBytesPerImage: run.model.activationBytesPerImage ?? 0,
    batch: run.config.batch,
  };
  const here = rooflineOn(work, peaks, run.model.precision);
  const there = rooflineOn(work, peaksFromCatalog(h100()), run.model.precision);
  if (!here.ok) return unavailable(here.reason, []);
  if (!there.ok) return unavailable(there.reason, []);
  // A server run's throughput is its offered load: it does not say how close the device came to its bound.
  const efficiency = run.config.scenario === 'server' ? null : samplesPerS / here.value.samplesPerS;
  const compute =
    run.model.precision === 'fp32'
      ? peaks.notes.fp32
      : run.model.precision === 'int8'
        ? peaks.notes.int8
        : peaks.notes.dense16;
  return {
    h100e: here.value.samplesPerS / there.value.samplesPerS,
    derivation: {
      kind: 'roofline',
      device: peaks.name,
      bandwidthGBps: peaks.bandwidthGBps,
      local: here.value,
      h100: there.value,
      efficiency,
      bytesPartlyUnknown:
        run.model.weightBytes === undefined || run.model.activationBytesPerImage === undefined,
    },
    caveats: [],
    notes: [compute, peaks.notes.bandwidth],
    local: here.value,
    h100: there.value,
    efficiency,
  };
}

/** max / min of the figures that are like-for-like enough to compare (the anchor is not); null below two. */
function spreadOf(figures: readonly (MethodFigure | null)[]): number | null {
  const values = figures.map((f) => f?.h100e ?? null).filter((v): v is number => v !== null && v > 0);
  return values.length >= 2 ? Math.max(...values) / Math.min(...values) : null;
}

/** Estimates one successful run. */
function estimateOne(run: RunResult, env: Environment, ctx: Context): RunEstimate {
  const samplesPerS = run.throughput?.samplesPerS ?? 0;
  const { peaks, ranOn, why } = peaksOfRun(run, env, ctx);
  const capacity = capacityFigure(run, samplesPerS, ctx);
  const measured = measuredFigure(run, samplesPerS, ctx);
  const pytorch = pytorchFigure(run, samplesPerS, ctx.pytorchRefs);
  const anchor = anchorFigure(run, samplesPerS, ctx);
  let { spec16, spec8 } = specFigures(peaks, why);
  let roofline = rooflineFigure(run, samplesPerS, peaks, why);
  // --as was given but not applied (peaksOfRun): say so on each figure it would have changed.
  if (ctx.as && ranOnCpu(run)) {
    const ignored = <T extends MethodFigure>(f: T): T => ({ ...f, caveats: [...f.caveats, 'as-gpu-only'] });
    spec16 = ignored(spec16);
    spec8 = ignored(spec8);
    roofline = ignored(roofline);
  }
  return {
    key: run.key,
    matchKey: matchKey(run),
    model: run.model.name,
    engine: run.engine.name,
    provider: run.engine.provider,
    precision: run.model.precision,
    batch: run.config.batch,
    ranOn,
    estimatedAs: peaks?.name ?? 'unknown',
    samplesPerS,
    capacity,
    measured,
    pytorch,
    anchor,
    spec16,
    spec8,
    roofline,
    spread: spreadOf([capacity, measured, pytorch, spec16, spec8, roofline]),
  };
}

function contextOf(opts: EstimateOptions): Context {
  const dir = opts.referenceDir ?? REFERENCE_DIR;
  return {
    refs: opts.reference ? loadReferenceFile(opts.reference) : loadReferenceDir(dir),
    // --reference names the one file to divide by: the folder's PyTorch files are not consulted then.
    pytorchRefs: opts.reference ? [] : loadPytorchReferences(dir),
    anchors: loadAnchors(dir),
    as: opts.as ? peaksFromCatalog(requireDevice(opts.as, '--as')) : null,
    cpuBandwidthGBps: opts.cpuBandwidthGBps,
    cpuInfo: opts.cpuInfo === undefined ? localCpuInfo() : opts.cpuInfo,
  };
}

/** Estimates every successful run of a result file. */
export function estimateFile(file: ResultFile, path: string, opts: EstimateOptions = {}): EstimateReport {
  const ok = file.runs.filter((r) => r.status === 'ok' && r.throughput !== undefined);
  if (ok.length === 0) {
    throw new BenchError('E_BAD_INPUT', `${path}: no successful runs with a throughput to estimate`, {
      hint: 'pass a result file from `bench run` in which at least one configuration succeeded',
    });
  }
  // --as describes an unknown GPU; CPU and software runs keep their own figures (estimateOne says so),
  // and a file with nothing else would only print figures --as did not touch.
  if (opts.as !== undefined && ok.every(ranOnCpu)) {
    const software = ok.some((r) => r.device.software === true) ? ' or a GPU emulated in software' : '';
    throw new BenchError(
      'E_USAGE',
      `--as ${opts.as}: ${path} has no GPU run (${ok.length === 1 ? 'its run' : `all ${ok.length} runs`} measured on the CPU${software}); --as applies to GPU runs only`,
      {
        hint: 'drop --as; CPU runs get CPU estimates (run bench estimate on the machine that measured them)',
      },
    );
  }
  // Load (and so check) a named --reference first: a typo in its path is the error the user needs.
  const ctx = contextOf(opts);
  const runs = ok.map((r) => estimateOne(r, file.environment, ctx));
  if (opts.measuredOnly && !runs.some((e) => e.measured.h100e !== null)) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${path}: no run has a matching H100 reference, so the measured method gives nothing (${whyNoReference(runs[0]!.measured.derivation)})`,
      {
        hint: 'measure the same models, precisions and batches on an H100 (results/reference/README.md), or drop --method measured for spec and roofline figures',
      },
    );
  }
  const skipped = file.runs
    .filter((r) => !ok.includes(r))
    .map((r) => ({ key: r.key, reason: r.status === 'ok' ? 'no throughput' : `status ${r.status}` }));
  return {
    file: path,
    command: file.command,
    runs,
    skipped,
    rules: {
      dense16Tflops: H100_DENSE16_TFLOPS,
      dense8Tops: H100_DENSE8_TOPS,
      source: 'Epoch AI H100-equivalent rules; divisors from the catalog entry "H100 SXM"',
    },
  };
}

/** Estimates one run against the default reference folder and this machine's CPU (or `opts`). */
export function estimateRun(run: RunResult, env: Environment, opts: EstimateOptions = {}): RunEstimate {
  return estimateOne(run, env, contextOf(opts));
}

/** Why a measured figure is missing, for the --method measured error. */
function whyNoReference(d: Derivation): string {
  if (d.kind === 'no-reference-throughput') return `no throughput in the reference for ${d.key}`;
  if (d.kind === 'no-reference')
    return d.lookedFor === undefined ? d.why : `${d.why}; looked for ${d.lookedFor}`;
  return d.kind;
}

/** The H100e a table shows for one run (see {@link h100eCells}). */
export type H100eCell =
  | { h100e: number; method: 'capacity' | 'measured' | 'spec' | 'spec int8' }
  /** No method gives a figure (unknown device, no FLOPs), or a reference file could not be read. */
  | { h100e: null; why: 'no-figure' | 'reference-error' };

/**
 * The table's pick among a run's estimates: capacity, else measured, else the 16-bit spec figure (the
 * 8-bit one for an int8 run, or when there is no 16-bit one).
 */
function cellOf(e: RunEstimate): H100eCell {
  if (e.capacity?.h100e != null) return { h100e: e.capacity.h100e, method: 'capacity' };
  if (e.measured.h100e !== null) return { h100e: e.measured.h100e, method: 'measured' };
  // An int8 run is judged by the 8-bit rule, as the Epoch rules intend.
  if (e.precision === 'int8' && e.spec8.h100e !== null) return { h100e: e.spec8.h100e, method: 'spec int8' };
  if (e.spec16.h100e !== null) return { h100e: e.spec16.h100e, method: 'spec' };
  if (e.spec8.h100e !== null) return { h100e: e.spec8.h100e, method: 'spec int8' };
  return { h100e: null, why: 'no-figure' };
}

/**
 * The one H100e figure a table shows for each successful run of `file` (`bench run`'s table, `bench
 * report`): the capacity figure when an H100/H200 ran the model (how much of an H100 running this model
 * flat out is this), else the measured figure, else the 16-bit spec figure (8-bit when there is no
 * 16-bit one). References are read once here, before anything renders; a broken reference file gives
 * every run `reference-error` instead of failing the table (`bench estimate` reports the error).
 */
export function h100eCells(file: ResultFile, opts: EstimateOptions = {}): Map<RunResult, H100eCell> {
  const cells = new Map<RunResult, H100eCell>();
  const ok = file.runs.filter((r) => r.status === 'ok' && r.throughput !== undefined);
  if (ok.length === 0) return cells;
  let ctx: Context;
  try {
    ctx = contextOf(opts);
  } catch {
    for (const run of ok) cells.set(run, { h100e: null, why: 'reference-error' });
    return cells;
  }
  for (const run of ok) cells.set(run, cellOf(estimateOne(run, environmentOf(file, run), ctx)));
  return cells;
}

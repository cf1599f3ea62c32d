/**
 * H100-equivalents of measured runs by named methods (capacity, measured, PyTorch, spec, roofline),
 * with the spread between them. Programmatic API behind `bench estimate` and the H100e column of
 * `bench run`.
 */
import { BenchError } from '../errors.js';
import type { Environment, ResultFile, RunResult } from '../results/schema.js';
import { h100, normalizeName, requireDevice } from './catalog.js';
import { deriveCpuPeak, localCpuInfo, type CpuInfo } from './cpu-peak.js';
import { peaksFromCatalog, peaksFromCpu, type DevicePeaks } from './peaks.js';
import {
  findAnchor,
  findReference,
  gpuOfRun,
  loadAnchors,
  loadReferenceDir,
  loadReferenceFile,
  matchKey,
  ranOnCpu,
  REFERENCE_DIR,
  type Anchor,
  type ReferenceRun,
} from './references.js';
import { findCapacityReference } from './capacity.js';
import { findPytorchReference, loadPytorchReferences, type PytorchReference } from './pytorch-reference.js';
import { rooflineOn, type RooflineBound, type RooflineWork } from './roofline.js';
import { specH100e, H100_DENSE16_TFLOPS, H100_DENSE8_TOPS } from './spec.js';

/** One method's figure: null with the reason when it cannot be computed. */
export interface MethodFigure {
  h100e: number | null;
  /** The method in words, with its inputs. */
  method: string;
  /**
   * Derivation texts that `method` embeds verbatim (a peak's source, the bandwidth assumption, why no
   * reference exists): the same on every row of a file, so the text report prints each once as a note.
   */
  notes: string[];
}

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
  roofline: MethodFigure & {
    local: RooflineBound | null;
    h100: RooflineBound | null;
    efficiency: number | null;
  };
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

function workOf(run: RunResult): { work: RooflineWork | null; why: string; note: string } {
  if (run.model.flopsPerImage === null) {
    return { work: null, why: 'model FLOPs unknown (the analyzer met ops it cannot cost)', note: '' };
  }
  const note =
    run.model.weightBytes === undefined || run.model.activationBytesPerImage === undefined
      ? '; bytes partly unknown, missing terms counted as 0'
      : '';
  return {
    work: {
      flopsPerImage: run.model.flopsPerImage,
      weightBytes: run.model.weightBytes ?? 0,
      activationBytesPerImage: run.model.activationBytesPerImage ?? 0,
      batch: run.config.batch,
    },
    why: '',
    note,
  };
}

/** Three significant digits, no exponent below 1e-6, thousands grouping above 1000. */
export function formatH100e(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-6) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** Said on a CPU or software run's device figures when --as was given: it was not applied to them. */
export const AS_GPU_ONLY = '--as applies to GPU runs only';

/**
 * A figure divided by a measured reference on `device`: its notes are appended to the method, and an
 * H200 divisor adds that it counts as one H100e (same dense compute, faster memory).
 */
function dividedFigure(h100e: number, method: string, notes: string[], device: string): MethodFigure {
  const all = device.startsWith('H200')
    ? [
        ...notes,
        'an H200 counts as 1 H100e (same dense compute), its faster memory makes this figure low for memory-bound models',
      ]
    : notes;
  return { h100e, method: [method, ...all].join('; '), notes: all };
}

/** Said on every PyTorch figure: what that divisor timed that ours may not. */
export const PYTORCH_DIVISOR_NOTE =
  "PyTorch's input stays on the GPU (no host copies timed) and its models are torchvision's with random weights";

/** The run over PyTorch's fastest figure of its workload on an H100/H200, or null when none ran it. */
function pytorchFigure(
  run: RunResult,
  samplesPerS: number,
  refs: readonly PytorchReference[],
): MethodFigure | null {
  const p = findPytorchReference(run, refs);
  if (!p) return null;
  return dividedFigure(
    samplesPerS / p.imagesPerS,
    `PyTorch: ${formatH100e(samplesPerS)} / ${formatH100e(p.imagesPerS)} img/s of PyTorch ${p.torch} ${p.mode === 'compile' ? 'torch.compile' : 'eager'} ` +
      `on the ${p.device} (its fastest mode for this model, precision and batch) ${p.file} (made by: ${p.command})`,
    [PYTORCH_DIVISOR_NOTE],
    p.device,
  );
}

/** Said on every capacity figure: how its two sides were chosen. */
export const CAPACITY_NOTE =
  'this run as measured, over the reference at its best batch, engine and mode for this model and precision';

/** The run over the H100/H200's best figure for its model and precision, or null when none ran it. */
function capacityFigure(run: RunResult, samplesPerS: number, ctx: Context): MethodFigure | null {
  const c = findCapacityReference(run, ctx.refs, ctx.pytorchRefs);
  if (!c) return null;
  return dividedFigure(
    samplesPerS / c.samplesPerS,
    `capacity: ${formatH100e(samplesPerS)} / ${formatH100e(c.samplesPerS)} img/s, the ${c.device}'s best for ${run.model.name} ${run.model.precision} (${c.what}) ${c.file} (made by: ${c.command})`,
    [CAPACITY_NOTE],
    c.device,
  );
}

/** Estimates one successful run. */
function estimateOne(run: RunResult, env: Environment, ctx: Context): RunEstimate {
  const samplesPerS = run.throughput?.samplesPerS ?? 0;
  const { peaks, ranOn, why } = peaksOfRun(run, env, ctx);
  const key = matchKey(run);

  // measured
  let measured: MethodFigure;
  const found = findReference(run, ctx.refs);
  // Reference runs always carry a throughput (referenceRunsOf keeps successful runs only).
  const r = found.match?.ref.run.throughput?.samplesPerS;
  if (found.match && r) {
    const { ref, kind } = found.match;
    const how =
      kind === 'same-config'
        ? `the ${ref.device} reference`
        : `the fastest ${ref.device} reference of this workload (${ref.run.engine.name}/${ref.run.engine.provider}, transfer ${ref.run.config.transfer}; none ran ${run.engine.name}/${run.engine.provider} there)`;
    measured = dividedFigure(
      samplesPerS / r,
      `measured: ${formatH100e(samplesPerS)} / ${formatH100e(r)} img/s of ${how} ${ref.file} (made by: ${ref.command})`,
      [],
      ref.device,
    );
  } else if (found.match) {
    measured = { h100e: null, method: `no throughput in the reference for ${key}`, notes: [] };
  } else {
    // The reason is the same for every run (a note), the workload it looked for is not.
    const reason = `no matching H100 reference: ${found.why}`;
    const lookedFor = found.lookedFor === undefined ? '' : `; looked for ${found.lookedFor}`;
    measured = { h100e: null, method: reason + lookedFor, notes: [reason] };
  }
  const pytorch = pytorchFigure(run, samplesPerS, ctx.pytorchRefs);
  const capacity = capacityFigure(run, samplesPerS, ctx);
  const a = findAnchor(run, ctx.anchors);
  const anchor: MethodFigure | null = a
    ? {
        h100e: samplesPerS / a.samplesPerS,
        method: `published anchor, not like-for-like: ${a.benchmark}, ${a.system}, ${a.samplesPerS.toLocaleString('en-US')} samples/s (${a.engine}, ${a.precision}); ${a.caveat}; source: ${a.source.title} ${a.source.url}`,
        notes: [a.caveat],
      }
    : null;

  // spec
  const spec = peaks ? specH100e(peaks) : { rule16: null, rule8: null };
  let spec16: MethodFigure = !peaks
    ? { h100e: null, method: `spec: ${why}`, notes: [why] }
    : peaks.dense16Tflops === null
      ? {
          h100e: null,
          method: `spec (Epoch 16-bit rule): ${peaks.name} has no dense 16-bit figure`,
          notes: [],
        }
      : {
          h100e: spec.rule16,
          method: `spec (Epoch 16-bit rule): ${peaks.dense16Tflops.toPrecision(4)} / ${H100_DENSE16_TFLOPS} TFLOP/s dense; ${peaks.notes.dense16}`,
          notes: [peaks.notes.dense16],
        };
  // Without a figure the whole sentence is the same on every row of the device: it is the note.
  const noInt8 = peaks
    ? `spec (Epoch 8-bit rule): ${peaks.name} has no dense 8-bit figure (${peaks.notes.int8})`
    : '';
  let spec8: MethodFigure = !peaks
    ? { h100e: null, method: `spec: ${why}`, notes: [why] }
    : peaks.int8Tops === null
      ? { h100e: null, method: noInt8, notes: [noInt8] }
      : {
          h100e: spec.rule8,
          method: `spec (Epoch 8-bit rule): ${peaks.int8Tops.toPrecision(4)} / ${H100_DENSE8_TOPS} TOPS dense; ${peaks.notes.int8}`,
          notes: [peaks.notes.int8],
        };

  // roofline
  const { work, why: workWhy, note } = workOf(run);
  let roofline: RunEstimate['roofline'];
  if (!peaks || !work) {
    roofline = {
      h100e: null,
      method: `roofline: ${peaks ? workWhy : why}`,
      notes: [peaks ? workWhy : why],
      local: null,
      h100: null,
      efficiency: null,
    };
  } else {
    const here = rooflineOn(work, peaks, run.model.precision);
    const there = rooflineOn(work, peaksFromCatalog(h100()), run.model.precision);
    if (!here.ok || !there.ok) {
      roofline = {
        h100e: null,
        method: `roofline: ${!here.ok ? here.reason : !there.ok ? there.reason : ''}`,
        notes: [],
        local: null,
        h100: null,
        efficiency: null,
      };
    } else {
      // A server run's throughput is its offered load: it does not say how close the device came to its bound.
      const efficiency = run.config.scenario === 'server' ? null : samplesPerS / here.value.samplesPerS;
      const compute =
        run.model.precision === 'fp32'
          ? peaks.notes.fp32
          : run.model.precision === 'int8'
            ? peaks.notes.int8
            : peaks.notes.dense16;
      roofline = {
        h100e: here.value.samplesPerS / there.value.samplesPerS,
        method:
          `roofline: bound ${formatH100e(here.value.samplesPerS)} img/s on ${peaks.name} (${here.value.bound}-bound, ${here.value.peakLabel} ${Number(here.value.peakTflops.toPrecision(4))} TFLOP/s, ${peaks.bandwidthGBps} GB/s) / ` +
          `${formatH100e(there.value.samplesPerS)} img/s on H100 SXM (${there.value.bound}-bound)` +
          (efficiency === null
            ? ''
            : `; achieved efficiency ${(100 * efficiency).toPrecision(3)} % of the local bound` +
              // Above 100 % the measurement beat the assumed peak: the peak (clock, units) is too low.
              (efficiency > 1
                ? ' (above 100 %: the assumed peak is too low, e.g. turbo clocks above the nominal GHz)'
                : '')) +
          `; compute: ${compute}; bandwidth: ${peaks.notes.bandwidth}${note}`,
        notes: [compute, peaks.notes.bandwidth],
        local: here.value,
        h100: there.value,
        efficiency,
      };
    }
  }

  // --as was given but not applied (peaksOfRun): say so on each figure it would have changed.
  const asIgnored = <T extends MethodFigure>(f: T): T =>
    ctx.as && ranOnCpu(run) ? { ...f, method: `${f.method}; ${AS_GPU_ONLY}` } : f;
  spec16 = asIgnored(spec16);
  spec8 = asIgnored(spec8);
  roofline = asIgnored(roofline);

  const values = [
    capacity?.h100e ?? null,
    measured.h100e,
    pytorch?.h100e ?? null,
    spec16.h100e,
    spec8.h100e,
    roofline.h100e,
  ].filter((v): v is number => v !== null && v > 0);
  const spread = values.length >= 2 ? Math.max(...values) / Math.min(...values) : null;
  return {
    key: run.key,
    matchKey: key,
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
    spread,
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
      `--as ${opts.as}: ${path} has no GPU run (${ok.length === 1 ? 'its run' : `all ${ok.length} runs`} measured on the CPU${software}); ${AS_GPU_ONLY}`,
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
      `${path}: no run has a matching H100 reference, so the measured method gives nothing (${runs[0]!.measured.method})`,
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

/** Estimates one run against the default reference folder and this machine's CPU. */
export function estimateRun(run: RunResult, env: Environment, opts: EstimateOptions = {}): RunEstimate {
  return estimateOne(run, env, contextOf(opts));
}

/**
 * The one H100e figure a table shows for a run: the capacity figure when an H100/H200 ran the model
 * (the question the column answers: how much of an H100 running this model flat out is this), else the
 * measured figure, else the 16-bit spec figure (the 8-bit one for an int8 run, or when there is no
 * 16-bit one); null when the run
 * has no throughput or its device is unknown. Throws what {@link estimateRun} throws (a broken
 * reference).
 */
export function h100eFigure(
  run: RunResult,
  env: Environment,
): { h100e: number; method: 'capacity' | 'measured' | 'spec' | 'spec int8' } | null {
  if (run.status !== 'ok' || !run.throughput) return null;
  const e = estimateRun(run, env);
  if (e.capacity?.h100e != null) return { h100e: e.capacity.h100e, method: 'capacity' };
  if (e.measured.h100e !== null) return { h100e: e.measured.h100e, method: 'measured' };
  // An int8 run is judged by the 8-bit rule, as the Epoch rules intend.
  if (run.model.precision === 'int8' && e.spec8.h100e !== null)
    return { h100e: e.spec8.h100e, method: 'spec int8' };
  if (e.spec16.h100e !== null) return { h100e: e.spec16.h100e, method: 'spec' };
  if (e.spec8.h100e !== null) return { h100e: e.spec8.h100e, method: 'spec int8' };
  return null;
}

/** The H100e cell for `bench run` and `bench report`: {@link h100eFigure} with its method in brackets. */
export function h100eColumn(run: RunResult, env: Environment): string {
  if (run.status !== 'ok' || !run.throughput) return '-';
  try {
    const figure = h100eFigure(run, env);
    return figure ? `${formatH100e(figure.h100e)} (${figure.method})` : 'n/a (bench estimate says why)';
  } catch {
    // A broken reference file must not break `bench run`'s table; `bench estimate` reports it.
    return 'n/a (reference error)';
  }
}

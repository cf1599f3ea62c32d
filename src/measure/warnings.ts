/**
 * Warnings with advice about the quality of a measurement. They never fail a run; they tell the user
 * which figure to distrust and which flag would fix it.
 */
import type { LatencyStats, RunWarning, Scenario, Throughput } from '../results/schema.js';
import { MIN_CI_SAMPLES, median, robustCv } from '../stats/statistics.js';
import type { MeasureWarningCode } from './types.js';

/** Robust cv (1.4826·MAD/median) above which latency is called noisy. */
const HIGH_CV = 0.05;
/** Fewer samples than this make every statistic shaky. */
const FEW_SAMPLES = 10;
/** The first measured iterations are "slow" when their median exceeds this multiple of the median. */
const SLOW_START_RATIO = 1.5;
/** Wall-clock throughput this far below the median-based figure means time went missing between runs. */
const WALL_CLOCK_GAP = 0.1;
/** Below this many queries, p99 is essentially the maximum. */
const P99_MIN_SAMPLES = 100;

/** What the diagnosis looks at. */
export interface DiagnoseInput {
  scenario: Scenario;
  stats: LatencyStats;
  samplesMs: readonly number[];
  cutByMaxDuration: boolean;
  aborted: boolean;
  maxDurationS: number;
  /** Achieved and target relative CI half-width of the throughput, percent. */
  relCiPct: number;
  targetRelCiPct: number;
  minIterations: number;
  /** Offline / single-stream: the throughput figures, to compare median-based with wall-clock. */
  throughput?: Throughput;
  /** Server scenario only. */
  server?: {
    qps: number;
    arrived: number;
    dropped: number;
    /** p99 of completed queries (LoadGen's rank rule) against the bound; met also needs nothing dropped. */
    p99Ms: number;
    /** p99 of how late the harness admitted scheduled arrivals, ms. */
    arrivalLagP99Ms: number;
    latencyBoundMs: number;
    met: boolean;
    peakFound?: boolean;
    /** --find-peak confirmation runs, in order (the last one is the reported one). */
    confirmations?: { qps: number; p99Ms: number; met: boolean }[];
  };
}

/** Share of the latency bound above which the harness's own arrival lag earns a warning. */
const ARRIVAL_LAG_SHARE = 0.1;

function warning(code: MeasureWarningCode, message: string, advice: string): RunWarning {
  return { code, message, advice };
}

/** Number of leading samples the slow-start check compares with the median: n/10, 1 to 5. */
function slowStartWindow(n: number): number {
  return Math.max(1, Math.min(5, Math.floor(n / 10)));
}

/** Warnings for one measurement, in a stable order. */
export function diagnose(input: DiagnoseInput): RunWarning[] {
  // Server latencies include queueing by design, so spread and outliers say nothing about noise there.
  return [
    ...stopWarnings(input),
    ...(input.scenario !== 'server'
      ? latencyWarnings(input)
      : input.server
        ? serverWarnings(input.server, input.stats.count)
        : []),
  ];
}

/** How the measurement ended: interrupted, too few samples, or cut by --max-duration. */
function stopWarnings(input: DiagnoseInput): RunWarning[] {
  const { stats, scenario } = input;
  const n = stats.count;
  const out: RunWarning[] = [];
  if (input.aborted) {
    out.push(
      warning(
        'W_ABORTED',
        `interrupted: the figures cover only the ${n} iterations measured before the stop`,
        'run again without interrupting for complete figures',
      ),
    );
  }
  if (n < FEW_SAMPLES) {
    out.push(
      warning(
        'W_FEW_SAMPLES',
        `only ${n} samples were measured (fewer than ${FEW_SAMPLES})`,
        'increase --duration or --min-iterations',
      ),
    );
  }
  if (input.cutByMaxDuration && !input.aborted) {
    // A server run stops on duration and query count alone (no CI rule); cut short it is not valid.
    const server = scenario === 'server';
    const why =
      n < input.minIterations
        ? `with ${n} of the ${input.minIterations} minimum ${server ? 'queries' : 'iterations'}`
        : !server && n < MIN_CI_SAMPLES
          ? `with ${n} samples, fewer than the ${MIN_CI_SAMPLES} a 95 % CI of the median needs`
          : `before the throughput CI reached ±${input.targetRelCiPct} % (it is ±${fmt(input.relCiPct)} %)`;
    out.push(
      warning(
        'W_CUT_BY_MAX_DURATION',
        `stopped at --max-duration ${input.maxDurationS} s ${why}`,
        server
          ? 'raise --max-duration, or lower --min-iterations or raise --qps'
          : n < input.minIterations
            ? 'raise --max-duration or lower --min-iterations'
            : n < MIN_CI_SAMPLES
              ? 'raise --max-duration'
              : 'raise --max-duration or relax --rel-ci',
      ),
    );
  }
  return out;
}

/** The latency samples of an offline or single-stream run: spread, slow start, stalls, outliers. */
function latencyWarnings(input: DiagnoseInput): RunWarning[] {
  const { stats } = input;
  const n = stats.count;
  const out: RunWarning[] = [];
  // Robust spread: a few stalls inflate sd/mean without making the median less certain, and they
  // already get W_OUTLIERS; this warning is for latency that is spread out as a whole.
  const spread = robustCv(stats);
  if (n >= 2 && spread > HIGH_CV) {
    out.push(
      warning(
        'W_HIGH_CV',
        `latency varies a lot: robust cv ${(spread * 100).toPrecision(3)} % (1.4826·MAD/median, above ${HIGH_CV * 100} %)`,
        'close other programs, or measure longer with --duration',
      ),
    );
  }
  if (n >= FEW_SAMPLES && stats.medianMs > 0) {
    const k = slowStartWindow(n);
    const ratio = median(input.samplesMs.slice(0, k)) / stats.medianMs;
    if (ratio > SLOW_START_RATIO) {
      out.push(
        warning(
          'W_SLOW_START',
          `the first ${k} measured iterations took ${fmt(ratio)}× the median latency`,
          'increase --warmup',
        ),
      );
    }
  }
  const t = input.throughput;
  if (t && t.method === 'median-latency' && t.wallClockSamplesPerS < (1 - WALL_CLOCK_GAP) * t.samplesPerS) {
    const gap = 100 * (1 - t.wallClockSamplesPerS / t.samplesPerS);
    out.push(
      warning(
        'W_WALL_CLOCK_GAP',
        `completed images over wall time (${fmt(t.wallClockSamplesPerS)}/s) are ${fmt(gap)} % below the median-based figure (${fmt(t.samplesPerS)}/s): slow iterations or stalls took that time`,
        "the median shows the model's typical speed; the wall-clock figure is what this machine delivered. Close other programs and measure again if they should agree",
      ),
    );
  }
  if (stats.outliers > 0) {
    out.push(
      warning(
        'W_OUTLIERS',
        `${stats.outliers} of ${n} samples are outliers (modified z-score above 3.5)`,
        'the median-based figures resist them; if there are many, close other programs and measure again',
      ),
    );
  }
  return out;
}

/** A server run: backlog, a missed bound, late arrivals, too few queries for p99, the peak search. */
function serverWarnings(s: NonNullable<DiagnoseInput['server']>, n: number): RunWarning[] {
  const out: RunWarning[] = [];
  if (s.dropped > 0) {
    out.push(
      warning(
        'W_SERVER_BACKLOG',
        `${s.dropped} of ${s.arrived} queries were still queued at --max-duration: the system cannot sustain ${fmt(s.qps)} QPS`,
        'lower --qps, or use --find-peak',
      ),
    );
  }
  // --find-peak runs explain a miss with their own warnings below; a fixed --qps run that misses is
  // what LoadGen reports as INVALID, and its figures describe an overloaded system.
  if (!s.met && s.dropped === 0 && s.p99Ms > s.latencyBoundMs && s.peakFound === undefined) {
    out.push(
      warning(
        'W_BOUND_MISSED',
        `p99 ${fmt(s.p99Ms)} ms misses the ${fmt(s.latencyBoundMs)} ms bound at ${fmt(s.qps)} QPS: not a valid result at this load`,
        'lower --qps, or use --find-peak for the highest rate that meets the bound',
      ),
    );
  }
  if (s.arrivalLagP99Ms > ARRIVAL_LAG_SHARE * s.latencyBoundMs) {
    out.push(
      warning(
        'W_ARRIVAL_LAG',
        `the harness admitted arrivals up to ${fmt(s.arrivalLagP99Ms)} ms late (p99), more than ${ARRIVAL_LAG_SHARE * 100} % of the ${fmt(s.latencyBoundMs)} ms bound: that lag is in every latency`,
        'the machine is busy (other processes, or the engine blocking the main thread): measure on a quieter machine, or with fewer --threads than cores',
      ),
    );
  }
  if (n >= FEW_SAMPLES && n < P99_MIN_SAMPLES) {
    out.push(
      warning(
        'W_FEW_SAMPLES_FOR_P99',
        `p99 from ${n} queries is nearly the maximum latency`,
        `increase --duration or --min-iterations to at least ${P99_MIN_SAMPLES} queries`,
      ),
    );
  }
  const confirmations = s.confirmations ?? [];
  const lastConfirmation = confirmations[confirmations.length - 1];
  if (lastConfirmation && !lastConfirmation.met) {
    out.push(
      warning(
        'W_PEAK_NOT_CONFIRMED',
        `no peak confirmed: ${confirmations.length} full-length runs (${confirmations.map((c) => `${fmt(c.qps)} QPS p99 ${fmt(c.p99Ms)} ms`).join(', ')}) all missed the bound the short search trials met`,
        'the system is too noisy for a stable peak: measure longer (--duration), on a quieter machine, or relax --latency-bound',
      ),
    );
  } else if (confirmations.length > 1 && lastConfirmation) {
    out.push(
      warning(
        'W_PEAK_STEPPED_DOWN',
        `the peak was confirmed at ${fmt(lastConfirmation.qps)} QPS after ${confirmations.length - 1} higher rate(s) missed the bound in full-length runs`,
        'the reported peak is the highest rate confirmed; the search steps show the rest',
      ),
    );
  }
  if (s.peakFound === false) {
    out.push(
      warning(
        'W_PEAK_NOT_FOUND',
        'no arrival rate tried met the latency bound; the figures are from the lowest rate tried',
        'relax --latency-bound',
      ),
    );
  }
  return out;
}

/** Short human number: one decimal below 100, none above. */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/**
 * Comparing server-scenario runs (MLPerf LoadGen style). Per-query "throughput" means little there:
 * what counts is whether the run met its p99 latency bound, the p99 itself, the achieved QPS and, for
 * --find-peak runs, the peak QPS found.
 *
 * Verdict, in order:
 * 1. New run misses a bound the base met: "slower"; meets a bound the base missed: "faster".
 * 2. Two --find-peak runs: the confirmed peak QPS, "slower"/"faster" when it moved by more than
 *    `peakTolerancePct` (default the search's 5 % resolution). Their p99s were taken at different
 *    rates (each near the bound by construction), so p99 is shown but not judged.
 * 3. Two runs at the same --qps: the p99 latency. With at least {@link P99_CI_ALONE_MIN_SAMPLES}
 *    queries on each side the bootstrap CI of the p99 ratio alone decides (excludes 1: above 1 "slower"), as p90
 *    does for single-stream keys: a rank test cannot see a change confined to the tail, which is what
 *    a p99 bound is about. With fewer, the p99 bootstrap rests on the few largest values, so the
 *    two-test rule of the throughput comparison applies: Mann-Whitney U p < alpha on per-query
 *    latencies AND the CI excluding 1.
 * Runs with different bounds, different --qps, or --find-peak on one side only measured different
 * things and are 'not-comparable'.
 */
import type { RunResult, ServerResult } from '../results/schema.js';
import { bootstrapPercentileRatio, mannWhitneyU, type MannWhitneyMethod } from '../stats/significance.js';

/** Default peak-QPS tolerance in percent: the --find-peak search stops at a 5 % bracket (measure/qps-search.ts). */
export const PEAK_TOLERANCE_PCT = 5;

/**
 * Fewest queries on each side for judging p99 on its bootstrap CI alone: at least 5 above the p99
 * (as P90_MIN_SAMPLES is for p90), so a resample's p99 is not just one of its few largest values.
 * Not measure/warnings.ts P99_MIN_SAMPLES (100), below which `bench run` warns that a p99 is thin.
 */
export const P99_CI_ALONE_MIN_SAMPLES = 500;

/** What a server run measured, as compare reports it. */
export interface ServerRunSummary {
  targetQps: number;
  achievedQps: number;
  p99Ms: number;
  latencyBoundMs: number;
  met: boolean;
  /** Arrivals stopped at --max-duration short of the minimum duration or query count (LoadGen: INVALID). */
  cutShort: boolean;
  findPeak: boolean;
  /** The confirmed peak of a --find-peak run (the rate its last full-length run met); else null. */
  peakQps: number | null;
}

/** What a server verdict rests on. */
type ServerBasis = 'bound' | 'peak-qps' | 'p99';

/** Server-specific part of one cell (present when both runs are server runs with server results). */
export interface ServerCellComparison {
  /** What decided the verdict; null when the cell is not comparable. */
  basis: ServerBasis | null;
  baseMet: boolean;
  met: boolean;
  /** Change of achieved QPS in percent (negative: fewer queries per second). */
  achievedQpsChangePct: number | null;
  /** Change of the confirmed peak QPS in percent, when both runs confirmed one. */
  peakQpsChangePct: number | null;
  /** p99 latency of this run over the base's (above 1: higher latency), with its bootstrap CI. */
  p99Ratio: number | null;
  p99Ci: [number, number] | null;
  /**
   * The rule for the p99 when it decides (basis 'p99'): 'ci' (the CI alone, {@link P99_CI_ALONE_MIN_SAMPLES}
   * or more queries each side) or 'ci-and-rank-test'; null whenever the basis is not 'p99' (a bound
   * or peak verdict, too few samples, not comparable).
   */
  p99Rule: 'ci' | 'ci-and-rank-test' | null;
}

/** Verdict of a server cell, before it is placed in a CellComparison. */
export interface ServerCellOutcome {
  verdict: 'faster' | 'slower' | 'no-change' | 'not-comparable';
  reason?: string;
  server: ServerCellComparison | null;
  pValue: number | null;
  pMethod: MannWhitneyMethod | null;
}

/** Settings of {@link compareServerRuns}. */
export interface ServerCompareSettings {
  alpha: number;
  confidence: number;
  bootstrapIterations: number;
  seed: number;
  minSamples: number;
  peakTolerancePct: number;
}

/** The confirmed peak QPS of a --find-peak run; null when not a peak search or none was confirmed. */
function peakQps(run: RunResult): number | null {
  return run.config.findPeak && run.server?.met ? run.server.targetQps : null;
}

/** Summary of a server run's server result; null for other scenarios or a missing result. */
export function summarizeServer(run: RunResult): ServerRunSummary | null {
  const s = run.server;
  if (run.config.scenario !== 'server' || !s) return null;
  return {
    targetQps: s.targetQps,
    achievedQps: s.achievedQps,
    p99Ms: s.p99Ms,
    latencyBoundMs: s.latencyBoundMs,
    met: s.met,
    cutShort: s.cutShort === true,
    findPeak: run.config.findPeak === true,
    peakQps: peakQps(run),
  };
}

const pctChange = (from: number | null, to: number | null): number | null =>
  from !== null && to !== null && from > 0 ? (to / from - 1) * 100 : null;

/** Equal up to float noise (rates and bounds are written from the same flag values). */
const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** Why two server results measured different things, or null when they are comparable. */
function mismatch(
  base: RunResult,
  b: ServerResult,
  other: RunResult,
  o: ServerResult,
  labels: [string, string],
): string | null {
  const [baseLabel, label] = labels;
  if (!same(b.latencyBoundMs, o.latencyBoundMs)) {
    return `latency bound differs: ${b.latencyBoundMs} ms in ${baseLabel}, ${o.latencyBoundMs} ms in ${label}`;
  }
  const basePeak = base.config.findPeak === true;
  if (basePeak !== (other.config.findPeak === true)) {
    return `--find-peak in ${basePeak ? baseLabel : label} only`;
  }
  if (!basePeak && !same(b.targetQps, o.targetQps)) {
    return `target QPS differs: ${b.targetQps} in ${baseLabel}, ${o.targetQps} in ${label}`;
  }
  return null;
}

/**
 * Compares two ok server runs (`other` against `base`); `labels` are [base, other] file labels. See
 * the module comment for the rules.
 */
export function compareServerRuns(
  base: RunResult,
  other: RunResult,
  labels: [string, string],
  settings: ServerCompareSettings,
): ServerCellOutcome {
  const [baseLabel, label] = labels;
  const b = base.server;
  const o = other.server;
  if (!b || !o) {
    const reason = `no server result in ${!b ? baseLabel : label}`;
    return { verdict: 'not-comparable', reason, server: null, pValue: null, pMethod: null };
  }
  const server: ServerCellComparison = {
    basis: null,
    baseMet: b.met,
    met: o.met,
    achievedQpsChangePct: pctChange(b.achievedQps, o.achievedQps),
    peakQpsChangePct: pctChange(peakQps(base), peakQps(other)),
    p99Ratio: null,
    p99Ci: null,
    p99Rule: null,
  };
  const notComparable = (reason: string): ServerCellOutcome => ({
    verdict: 'not-comparable',
    reason,
    server,
    pValue: null,
    pMethod: null,
  });
  const different = mismatch(base, b, other, o, labels);
  if (different) return notComparable(different);
  // A run cut short measured too few queries for its p99 to mean what the bound asks (LoadGen: INVALID).
  const cut = [b.cutShort ? baseLabel : null, o.cutShort ? label : null].filter((x) => x !== null);
  if (cut.length > 0)
    return notComparable(`cut short at --max-duration in ${cut.join(' and ')} (LoadGen: INVALID)`);

  // Latency test for runs at the same rate; for peak runs the p99s were taken at different rates.
  let latency:
    | (Pick<ServerCellOutcome, 'pValue' | 'pMethod'> & {
        rule: NonNullable<ServerCellComparison['p99Rule']>;
        significant: boolean;
      })
    | null = null;
  const findPeak = base.config.findPeak === true;
  if (!findPeak) {
    const baseMs = base.samplesMs.filter((ms) => ms >= 0);
    const otherMs = other.samplesMs.filter((ms) => ms >= 0);
    const short = (
      [
        [baseMs, baseLabel],
        [otherMs, label],
      ] as const
    ).find(([samples]) => samples.length < settings.minSamples);
    if (short) {
      if (b.met === o.met)
        return notComparable(`${short[0].length} samples in ${short[1]} (need ${settings.minSamples})`);
    } else {
      const test = mannWhitneyU(otherMs, baseMs);
      const boot = bootstrapP99(otherMs, baseMs, settings);
      if (boot) {
        server.p99Ratio = boot.estimate;
        server.p99Ci = boot.ci;
      }
      const ciAlone = Math.min(baseMs.length, otherMs.length) >= P99_CI_ALONE_MIN_SAMPLES;
      latency = {
        pValue: test.pValue,
        pMethod: test.method,
        rule: ciAlone ? 'ci' : 'ci-and-rank-test',
        significant: ciAlone || test.pValue < settings.alpha,
      };
    }
  }
  const tested = { pValue: latency?.pValue ?? null, pMethod: latency?.pMethod ?? null };

  if (b.met !== o.met) {
    server.basis = 'bound';
    return { verdict: o.met ? 'faster' : 'slower', server, ...tested };
  }
  if (findPeak) {
    if (server.peakQpsChangePct === null)
      return notComparable(`neither ${baseLabel} nor ${label} confirmed a peak`);
    server.basis = 'peak-qps';
    const change = server.peakQpsChangePct;
    const verdict =
      change < -settings.peakTolerancePct
        ? 'slower'
        : change > settings.peakTolerancePct
          ? 'faster'
          : 'no-change';
    return { verdict, server, ...tested };
  }
  if (!latency || !server.p99Ci) return notComparable(`zero p99 latency in ${baseLabel}`);
  server.basis = 'p99';
  // Only here does the p99 decide: a bound verdict rests on the bound whatever the latency test said.
  server.p99Rule = latency.rule;
  const [lo, hi] = server.p99Ci;
  const verdict =
    latency.significant && lo > 1 ? 'slower' : latency.significant && hi < 1 ? 'faster' : 'no-change';
  return { verdict, server, ...tested };
}

/** Bootstrap of the p99 latency ratio; null when the base p99 is 0 (no ratio exists). */
function bootstrapP99(otherMs: number[], baseMs: number[], settings: ServerCompareSettings) {
  try {
    return bootstrapPercentileRatio(otherMs, baseMs, 99, {
      iterations: settings.bootstrapIterations,
      seed: settings.seed,
      confidence: settings.confidence,
    });
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * Statistics of a paired A/B benchmark: pure functions, no I/O. Each round gives one ratio
 * r_i = B's throughput / A's throughput (above 1: B is faster), measured back to back so both sides saw
 * the same load. The estimate is the median of the ratios; the interval and the test are the sign
 * test's, which assume only that the rounds are independent, not any distribution.
 *
 * Definitions (the tests check each with hand-worked numbers):
 * - Sign-test CI of the median: with X ~ Binomial(n, 1/2), k is the largest integer ≥ 1 with
 *   2·P(X ≤ k-1) ≤ 1 - confidence; the interval is [r_(k), r_(n-k+1)] of the sorted ratios, and its
 *   exact coverage is 1 - 2·P(X ≤ k-1). No such k (n < 6 at 95 %): no interval.
 * - Sign-test p (two-sided, exact): ratios equal to 1 are dropped; with m left and s = min(#above 1,
 *   #below 1), p = min(1, 2·P(X ≤ s)) for X ~ Binomial(m, 1/2). m = 0: p = 1.
 * - Verdict: 'slower' when the interval lies wholly below 1, 'faster' when wholly above, else
 *   'no-change' (also with no interval). An interval that excludes 1 implies p ≤ 1 - confidence.
 * - Relative half-width: (hi - lo) / 2 / median · 100, the figure the adaptive stop compares with
 *   --rel-ci.
 */
import { median } from './statistics.js';

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed exactly in floating point (n up to ~1000 is fine). */
export function binomialHalfCdf(n: number, k: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (n <= 1000) {
    // Integer-valued binomial coefficients (exact below 2^53, C(1000, 500) ≈ 2.7e299 still fits), one division.
    let term = 1;
    let sum = 1;
    for (let j = 1; j <= k; j++) {
      term = (term * (n - j + 1)) / j;
      sum += term;
    }
    return Math.min(1, sum / 2 ** n);
  }
  // C(n, j) / 2^n built up term by term in log space, so larger n does not overflow.
  let logTerm = -n * Math.LN2; // j = 0
  let sum = Math.exp(logTerm);
  for (let j = 1; j <= k; j++) {
    logTerm += Math.log((n - j + 1) / j);
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/** The paired verdict, with the same words as compare's. */
type PairedVerdict = 'faster' | 'slower' | 'no-change';

/** Everything the paired statistic says about a set of per-round ratios. */
export interface PairedSummary {
  rounds: number;
  /** Median of the per-round ratios B/A (above 1: B faster). */
  medianRatio: number;
  /** Sign-test interval of the median; null when there are too few rounds for the confidence. */
  ci: [number, number] | null;
  /** The interval's exact coverage (≥ the confidence asked for); null without an interval. */
  coverage: number | null;
  /** 1-based ranks of the interval's order statistics; null without an interval. */
  ciRanks: [number, number] | null;
  /** Two-sided exact sign-test p-value of "the median ratio is 1". */
  pValue: number;
  /** Rounds where B was faster (ratio above 1) and slower (below 1). */
  above: number;
  below: number;
  /** Half the interval's width relative to the median, in percent; null without an interval. */
  relCiPct: number | null;
  verdict: PairedVerdict;
}

/** The 1-based order-statistic ranks [k, n-k+1] of the sign-test CI, with the coverage; null if n is too small. */
export function signTestCiRanks(
  n: number,
  confidence = 0.95,
): { ranks: [number, number]; coverage: number } | null {
  const alpha = 1 - confidence;
  let k = 0;
  while (k + 1 <= Math.floor((n + 1) / 2) && 2 * binomialHalfCdf(n, k) <= alpha + 1e-12) k++;
  if (k === 0) return null;
  return { ranks: [k, n - k + 1], coverage: 1 - 2 * binomialHalfCdf(n, k - 1) };
}

/** Two-sided exact sign-test p-value of the ratios against 1 (ties dropped). */
export function signTestP(ratios: readonly number[]): { pValue: number; above: number; below: number } {
  const above = ratios.filter((r) => r > 1).length;
  const below = ratios.filter((r) => r < 1).length;
  const m = above + below;
  if (m === 0) return { pValue: 1, above, below };
  return { pValue: Math.min(1, 2 * binomialHalfCdf(m, Math.min(above, below))), above, below };
}

/** The paired statistic of per-round ratios B/A; throws on an empty list or a non-positive ratio. */
export function pairedRatioSummary(ratios: readonly number[], confidence = 0.95): PairedSummary {
  if (ratios.length === 0) throw new RangeError('pairedRatioSummary: no rounds');
  if (ratios.some((r) => !(r > 0) || !Number.isFinite(r)))
    throw new RangeError('pairedRatioSummary: every ratio must be a positive finite number');
  const sorted = [...ratios].sort((a, b) => a - b);
  const med = median(sorted);
  const ci = signTestCiRanks(sorted.length, confidence);
  const interval: [number, number] | null = ci
    ? [sorted[ci.ranks[0] - 1] as number, sorted[ci.ranks[1] - 1] as number]
    : null;
  const { pValue, above, below } = signTestP(ratios);
  const verdict: PairedVerdict =
    interval && interval[1] < 1 ? 'slower' : interval && interval[0] > 1 ? 'faster' : 'no-change';
  return {
    rounds: ratios.length,
    medianRatio: med,
    ci: interval,
    coverage: ci ? ci.coverage : null,
    ciRanks: ci ? ci.ranks : null,
    pValue,
    above,
    below,
    relCiPct: interval ? ((interval[1] - interval[0]) / 2 / med) * 100 : null,
    verdict,
  };
}

/**
 * The regression gate: B is significantly slower (verdict 'slower') and its median ratio is more than
 * `thresholdPct` percent below 1, as `bench compare --fail-on-regression` words it. Returns the
 * slowdown in percent, or null when the gate holds.
 */
export function pairedRegressionPct(summary: PairedSummary, thresholdPct: number): number | null {
  if (summary.verdict !== 'slower') return null;
  const slowdownPct = (1 - summary.medianRatio) * 100;
  return slowdownPct > thresholdPct ? slowdownPct : null;
}

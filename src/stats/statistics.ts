/**
 * Descriptive statistics of latency samples: pure functions, no I/O, no NaN.
 *
 * Definitions (each one is what the tests check with hand-worked numbers):
 * - Percentiles use linear interpolation between closest ranks, numpy's default ('linear', type 7
 *   of Hyndman and Fan): for sorted x[0..n-1] and p in [0, 100], h = (n-1)·p/100 and the result is
 *   x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). The median is the 50th percentile.
 * - sd is the sample standard deviation (divides by n-1); cv = sd / mean (a ratio, not percent).
 * - MAD is the unscaled median absolute deviation: median(|x - median(x)|).
 * - The 95 % CI of the median is the order-statistic interval from the normal approximation to the
 *   binomial: 1-based ranks lo = ⌊n/2 - 0.98·√n⌋ and hi = ⌈n/2 + 1 + 0.98·√n⌉ (0.98 = 1.96/2),
 *   clamped to [1, n]. Floor/ceil make it conservative. For n ≤ 10 this clamps to [min, max].
 *   For n ≤ 5 no 95 % interval exists ([min, max] covers the median with probability 1 - 2^(1-n):
 *   50 % at n = 2, 94 % at n = 5), so the measurement loop never stops on a CI of fewer than
 *   MIN_CI_SAMPLES samples.
 * - MLPerf LoadGen's percentile is the sample at 0-based rank ⌊n·p/100⌋ of the sorted latencies, without
 *   interpolation (loadgenPercentile); the server scenario's bound check uses it, as LoadGen does.
 * - Outliers are samples whose modified z-score |0.6745·(x - median)/MAD| exceeds 3.5
 *   (Iglewicz and Hoaglin, 1993).
 *
 * Small samples: n = 0 gives zeros everywhere (count 0 tells readers there was nothing); n = 1 gives
 * sd 0, cv 0 and the CI [x, x]; tiny n gives the CI [min, max].
 */
import type { LatencyStats, Throughput } from '../results/schema.js';

/** Modified z-score above which a sample counts as an outlier (Iglewicz and Hoaglin). */
const OUTLIER_Z = 3.5;

/** 0.6745 ≈ Φ⁻¹(0.75): makes MAD a consistent estimator of the sd for normal data. */
const MAD_Z_FACTOR = 0.6745;

/** √(π/2) ≈ 1.253314: scales the mean absolute deviation to the sd for normal data. */
const MEAN_AD_FACTOR = 1.253314;

/** Half of 1.96, the two-sided 95 % normal quantile, as the rank offset factor of the median CI. */
const HALF_Z95 = 0.98;

/** Numeric ascending copy of `values` (typed-array sort is numeric and fast). */
function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** Element `i` of a sorted array known to be in range (keeps noUncheckedIndexedAccess honest). */
function at(sorted: ArrayLike<number>, i: number): number {
  return sorted[i] as number;
}

/**
 * The p-th percentile (p in [0, 100]) of ascending `sorted`, by linear interpolation between closest
 * ranks (numpy 'linear'). Returns 0 for an empty array. Throws RangeError for p outside [0, 100].
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be in [0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return 0;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const frac = h - lo;
  const a = at(sorted, lo);
  return frac === 0 ? a : a + frac * (at(sorted, hi) - a);
}

/**
 * The p-th percentile (p in [0, 100)) of ascending `sorted` by MLPerf LoadGen's rule: the sample at
 * 0-based rank ⌊n·p/100⌋ (loadgen/results.cc), never interpolated, so it is always a measured latency
 * and at p = 99 at least 1 % of the samples lie at or above it. Returns 0 for an empty array.
 */
export function loadgenPercentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p < 100)) throw new RangeError(`LoadGen percentile p must be in [0, 100), got ${p}`);
  const n = sorted.length;
  if (n === 0) return 0;
  return at(sorted, Math.min(n - 1, Math.floor((n * p) / 100)));
}

/** Fewest samples for which the order-statistic 95 % CI of the median exists (see medianCi95Ranks). */
export const MIN_CI_SAMPLES = 6;

/**
 * Robust coefficient of variation, 1.4826·MAD/median (a ratio): the MAD scaled to the sd of normal
 * data (1.4826 ≈ 1/0.6745), over the median. Unlike cv it barely moves for a few stalls. 0 when the
 * median is not positive.
 */
export function robustCv(stats: Pick<LatencyStats, 'madMs' | 'medianMs'>): number {
  return stats.medianMs > 0 ? stats.madMs / MAD_Z_FACTOR / stats.medianMs : 0;
}

/** Median of `values` (any order); 0 for an empty array. */
export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 50);
}

/** Unscaled median absolute deviation, median(|x - median(x)|), in the unit of `values`; 0 when empty. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((x) => Math.abs(x - m)));
}

/**
 * Modified z-scores 0.6745·(x - median)/MAD, signed, one per sample in input order.
 * When MAD is 0 (over half the samples equal the median, common with coarse timers) the scores use
 * the mean absolute deviation instead, (x - median)/(1.253314·meanAD) (the IBM SPSS convention), so
 * a lone far sample is still flagged; when that is 0 too, every sample is equal and all scores are 0.
 */
export function modifiedZScores(values: readonly number[]): number[] {
  return zScoresWith(values, median(values), mad(values));
}

function zScoresWith(values: readonly number[], med: number, madValue: number): number[] {
  if (madValue > 0) return values.map((x) => (MAD_Z_FACTOR * (x - med)) / madValue);
  const n = values.length;
  const meanAd = n === 0 ? 0 : values.reduce((s, x) => s + Math.abs(x - med), 0) / n;
  if (meanAd === 0) return values.map(() => 0);
  return values.map((x) => (x - med) / (MEAN_AD_FACTOR * meanAd));
}

/**
 * 1-based ranks [lo, hi] of the order statistics bounding the 95 % CI of the median of n samples:
 * lo = ⌊n/2 - 0.98·√n⌋, hi = ⌈n/2 + 1 + 0.98·√n⌉, clamped to [1, n]. [0, 0] for n = 0. Below
 * MIN_CI_SAMPLES this is [1, n], whose coverage (1 - 2^(1-n)) is under 95 %.
 */
export function medianCi95Ranks(n: number): [number, number] {
  if (n <= 0) return [0, 0];
  const half = HALF_Z95 * Math.sqrt(n);
  const lo = Math.max(1, Math.floor(n / 2 - half));
  const hi = Math.min(n, Math.ceil(n / 2 + 1 + half));
  return [lo, hi];
}

/** 95 % CI of the median of ascending `sorted` (order-statistic method, see medianCi95Ranks). */
export function medianCi95(sorted: ArrayLike<number>): [number, number] {
  const [lo, hi] = medianCi95Ranks(sorted.length);
  if (lo === 0) return [0, 0];
  return [at(sorted, lo - 1), at(sorted, hi - 1)];
}

/** Summary of per-iteration latencies in milliseconds, shaped as the result file's LatencyStats. */
export function summarize(samplesMs: readonly number[]): LatencyStats {
  const n = samplesMs.length;
  if (n === 0) {
    return {
      count: 0,
      meanMs: 0,
      sdMs: 0,
      medianMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      minMs: 0,
      maxMs: 0,
      cv: 0,
      madMs: 0,
      medianCi95Ms: [0, 0],
      outliers: 0,
    };
  }
  const sorted = sortedCopy(samplesMs);
  let sum = 0;
  for (const x of samplesMs) sum += x;
  const mean = sum / n;
  // Two-pass variance: the mean is known, so there is no catastrophic cancellation.
  let ss = 0;
  for (const x of samplesMs) ss += (x - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const med = percentile(sorted, 50);
  const madValue = median(samplesMs.map((x) => Math.abs(x - med)));
  const outliers = zScoresWith(samplesMs, med, madValue).filter((z) => Math.abs(z) > OUTLIER_Z).length;
  return {
    count: n,
    meanMs: mean,
    sdMs: sd,
    medianMs: med,
    p50Ms: med,
    p90Ms: percentile(sorted, 90),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    minMs: at(sorted, 0),
    maxMs: at(sorted, n - 1),
    cv: mean > 0 ? sd / mean : 0,
    madMs: madValue,
    medianCi95Ms: medianCi95(sorted),
    outliers,
  };
}

/** `k / latencyMs`, or 0 when the latency is not positive (0 then reads as "unknown", never Infinity). */
function perSecond(k: number, latencyMs: number): number {
  return latencyMs > 0 ? k / latencyMs : 0;
}

/**
 * Throughput in images per second from latency statistics: batch · concurrency · 1000 / medianMs
 * (each of `concurrency` streams completes `batch` images per median latency). The CI inverts the
 * median's CI bounds (the slow bound gives the low throughput). `wallClockSamplesPerS` (completed
 * images over measured wall time) is recorded beside it for reference.
 */
export function throughputFromLatency(
  stats: LatencyStats,
  batch: number,
  concurrency: number,
  wallClockSamplesPerS: number,
): Throughput {
  const k = batch * concurrency * 1000;
  const [ciLoMs, ciHiMs] = stats.medianCi95Ms;
  return {
    samplesPerS: perSecond(k, stats.medianMs),
    ci95: [perSecond(k, ciHiMs), perSecond(k, ciLoMs)],
    method: 'median-latency',
    wallClockSamplesPerS,
  };
}

/**
 * Relative half-width, in percent, of the throughput CI implied by a median latency and its CI:
 * 100 · ((1/lo - 1/hi) / 2) / (1/median) = 50 · median · (1/lo - 1/hi). Infinity when a bound is
 * not positive (nothing to say yet). The stop rule of the measurement loop compares this to --rel-ci.
 */
export function throughputRelCiPct(medianMs: number, ciMs: readonly [number, number]): number {
  const [lo, hi] = ciMs;
  if (!(lo > 0 && hi > 0 && medianMs > 0)) return Infinity;
  return 50 * medianMs * (1 / lo - 1 / hi);
}

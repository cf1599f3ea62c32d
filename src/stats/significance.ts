/**
 * Significance tests for comparing two sets of per-iteration samples: pure functions, no I/O.
 *
 * Definitions (the tests check each with hand-worked numbers):
 * - Mann-Whitney U (two-sided), with U_a = R_a - n_a(n_a+1)/2 where R_a is the sum of the mid-ranks of
 *   `a` in the pooled sample. Exact p (the permutation distribution of U) when there are no ties and
 *   n_a·n_b ≤ 400; otherwise the normal approximation with tie correction
 *   σ² = n_a·n_b/12 · ((n+1) - Σ(t³-t)/(n(n-1))) and continuity correction 0.5, as scipy's
 *   `mannwhitneyu(..., method='asymptotic')` computes it.
 * - Bootstrap CI of a ratio of medians: both samples are resampled with replacement (independently),
 *   the ratio median(b*)/median(a*) is taken per replicate, and the CI is the percentile interval of the
 *   replicates (linear interpolation, numpy's default). A seeded PRNG makes it reproducible.
 * - Geometric mean: exp(mean(ln x)) over positive values.
 */
import { mulberry32 } from '../core/random.js';
import { percentile } from './statistics.js';

/** How a Mann-Whitney p-value was computed. */
export type MannWhitneyMethod = 'exact' | 'normal';

/** Result of a two-sided Mann-Whitney U test of `a` against `b`. */
export interface MannWhitneyResult {
  /** U statistic of the first sample (count of pairs where a > b, ties counting half). */
  uA: number;
  /** U statistic of the second sample; uA + uB = n_a·n_b. */
  uB: number;
  /** Two-sided p-value in [0, 1]. */
  pValue: number;
  /** z of the normal approximation (continuity-corrected, signed as uA - mean); 0 for the exact method. */
  z: number;
  method: MannWhitneyMethod;
}

/** Largest n_a·n_b for which the exact distribution is enumerated (cost grows as (n_a·n_b)²/2). */
const EXACT_MAX_PRODUCT = 400;

/**
 * Complementary error function, Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere,
 * so tiny p-values keep their relative accuracy, unlike 1 - erf(x)).
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-sided tail probability of a standard normal beyond |z|: 2·(1 - Φ(|z|)) = erfc(|z|/√2). */
export function twoSidedNormalP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/** Mid-ranks (1-based, ties averaged) of `pooled` and the tie term Σ(t³ - t) over tie groups. */
function midRanks(pooled: readonly number[]): { ranks: Float64Array; tieTerm: number } {
  const n = pooled.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => (pooled[i] as number) - (pooled[j] as number),
  );
  const ranks = new Float64Array(n);
  let tieTerm = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && pooled[order[j + 1] as number] === pooled[order[i] as number]) j++;
    const rank = (i + j + 2) / 2; // average of 1-based ranks i+1 .. j+1
    for (let k = i; k <= j; k++) ranks[order[k] as number] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieTerm };
}

/**
 * P(U ≤ u) under the null for sample sizes m, n without ties, by the recurrence
 * f(m, n, u) = f(m-1, n, u-n) + f(m, n-1, u) over all C(m+n, m) equally likely arrangements.
 */
function exactCdf(m: number, n: number, u: number): number {
  // counts[j][v] = arrangements of i items of the first sample and j of the second with U = v,
  // rolled over i so memory stays (n+1)·(mn+1).
  const maxU = m * n;
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(maxU + 1));
  for (let j = 0; j <= n; j++) (prev[j] as Float64Array)[0] = 1; // i = 0: U is always 0
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(maxU + 1));
    (cur[0] as Float64Array)[0] = 1; // j = 0: U is always 0
    for (let j = 1; j <= n; j++) {
      const row = cur[j] as Float64Array;
      const left = cur[j - 1] as Float64Array; // last item from the second sample: U unchanged
      const up = prev[j] as Float64Array; // last item (the largest) from the first sample: beats all j
      for (let v = 0; v <= i * j; v++) row[v] = (left[v] ?? 0) + (v >= j ? (up[v - j] ?? 0) : 0);
    }
    prev = cur;
  }
  const dist = prev[n] as Float64Array;
  let total = 0;
  let below = 0;
  for (let v = 0; v <= maxU; v++) {
    total += dist[v] as number;
    if (v <= u) below += dist[v] as number;
  }
  return below / total;
}

/**
 * Two-sided Mann-Whitney U test: are `a` and `b` drawn from the same distribution? Needs at least one
 * sample in each; throws RangeError otherwise (callers check sample counts first).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) throw new RangeError('mannWhitneyU needs at least one sample on each side');
  const { ranks, tieTerm } = midRanks([...a, ...b]);
  let rankSumA = 0;
  for (let i = 0; i < na; i++) rankSumA += ranks[i] as number;
  const uA = rankSumA - (na * (na + 1)) / 2;
  const uB = na * nb - uA;
  if (tieTerm === 0 && na * nb <= EXACT_MAX_PRODUCT) {
    const pValue = Math.min(1, 2 * exactCdf(na, nb, Math.min(uA, uB)));
    return { uA, uB, pValue, z: 0, method: 'exact' };
  }
  const n = na + nb;
  const mean = (na * nb) / 2;
  const variance = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { uA, uB, pValue: 1, z: 0, method: 'normal' }; // every value tied
  const diff = uA - mean;
  const corrected = Math.max(0, Math.abs(diff) - 0.5);
  const z = (Math.sign(diff) * corrected) / Math.sqrt(variance);
  return { uA, uB, pValue: twoSidedNormalP(z), z, method: 'normal' };
}

/** The bootstrap's deterministic PRNG: the shared mulberry32 (floats in [0, 1); same seed, same sequence). */
export const seededRandom = mulberry32;

/** k-th smallest (0-based) of `xs[0..n)`, reordering `xs` in place (Hoare quickselect). */
function select(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi > lo) {
    const pivot = xs[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((xs[i] as number) < pivot) i++;
      while ((xs[j] as number) > pivot) j--;
      if (i <= j) {
        const tmp = xs[i] as number;
        xs[i] = xs[j] as number;
        xs[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return xs[k] as number;
}

/** Median of a scratch array (reordered in place), same definition as statistics.median. */
function medianInPlace(xs: Float64Array): number {
  const n = xs.length;
  const hi = select(xs, n >>> 1);
  if (n % 2 === 1) return hi;
  // For even n the lower middle is the largest value left of index n/2 after selection.
  let lower = -Infinity;
  for (let i = 0; i < n >>> 1; i++) if ((xs[i] as number) > lower) lower = xs[i] as number;
  return (lower + hi) / 2;
}

/** Options of {@link bootstrapMedianRatio}. */
export interface BootstrapOptions {
  /** Number of bootstrap replicates (default 2000). */
  iterations?: number;
  /** PRNG seed (default 1): equal seeds give equal intervals. */
  seed?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  confidence?: number;
}

/** A ratio with its bootstrap percentile interval and the replicates (kept for combining ratios). */
export interface BootstrapRatio {
  /** The statistic's ratio on the observed samples: median (or the percentile asked for) of numerator over denominator. */
  estimate: number;
  ci: [number, number];
  /** Replicate ratios in generation order (replicate i of two ratios can be combined index-wise). */
  replicates: Float64Array;
}

/**
 * Bootstrap CI of stat(numerator) / stat(denominator), `stat` computed in place on a scratch copy.
 * Both samples must be non-empty with a positive denominator statistic; throws RangeError naming
 * `caller` and `what` (the statistic) otherwise.
 */
function bootstrapRatio(
  numerator: readonly number[],
  denominator: readonly number[],
  statInPlace: (xs: Float64Array) => number,
  caller: string,
  what: string,
  options: BootstrapOptions,
): BootstrapRatio {
  const iterations = options.iterations ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (numerator.length === 0 || denominator.length === 0) {
    throw new RangeError(`${caller} needs at least one sample on each side`);
  }
  const num = Float64Array.from(numerator);
  const den = Float64Array.from(denominator);
  const estimateDen = statInPlace(Float64Array.from(den));
  if (!(estimateDen > 0)) throw new RangeError(`${caller} needs a positive denominator ${what}`);
  const estimate = statInPlace(Float64Array.from(num)) / estimateDen;
  const random = seededRandom(options.seed ?? 1);
  const scratchNum = new Float64Array(num.length);
  const scratchDen = new Float64Array(den.length);
  const replicates = new Float64Array(iterations);
  for (let r = 0; r < iterations; r++) {
    for (let i = 0; i < num.length; i++) scratchNum[i] = num[Math.floor(random() * num.length)] as number;
    for (let i = 0; i < den.length; i++) scratchDen[i] = den[Math.floor(random() * den.length)] as number;
    replicates[r] = statInPlace(scratchNum) / statInPlace(scratchDen);
  }
  return { estimate, ci: percentileInterval(replicates, confidence), replicates };
}

/**
 * Bootstrap CI of median(numerator) / median(denominator). Both samples must be non-empty with a
 * positive median denominator; throws RangeError otherwise.
 */
export function bootstrapMedianRatio(
  numerator: readonly number[],
  denominator: readonly number[],
  options: BootstrapOptions = {},
): BootstrapRatio {
  return bootstrapRatio(numerator, denominator, medianInPlace, 'bootstrapMedianRatio', 'median', options);
}

/** Equal-tailed percentile interval of `replicates` at `confidence` (does not modify the input). */
export function percentileInterval(replicates: Float64Array, confidence = 0.95): [number, number] {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const sorted = Float64Array.from(replicates).sort();
  const tail = ((1 - confidence) / 2) * 100;
  return [percentile(sorted, tail), percentile(sorted, 100 - tail)];
}

/** Geometric mean of positive values, exp(mean(ln x)); throws RangeError on an empty list or x ≤ 0. */
export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('geometricMean of an empty list');
  let logSum = 0;
  for (const v of values) {
    if (!(v > 0)) throw new RangeError(`geometricMean needs positive values, got ${v}`);
    logSum += Math.log(v);
  }
  return Math.exp(logSum / values.length);
}

/**
 * Bootstrap distribution of the geometric mean of several independent ratios, combining their
 * replicates index-wise (replicate r of the mean = geomean of replicate r of each ratio); returns the
 * percentile interval. All replicate arrays must have the same length.
 */
export function geometricMeanInterval(
  replicateSets: readonly Float64Array[],
  confidence = 0.95,
): [number, number] {
  const first = replicateSets[0];
  if (!first) throw new RangeError('geometricMeanInterval of no ratios');
  const combined = new Float64Array(first.length);
  for (let r = 0; r < first.length; r++) {
    let logSum = 0;
    for (const set of replicateSets) logSum += Math.log(set[r] as number);
    combined[r] = Math.exp(logSum / replicateSets.length);
  }
  return percentileInterval(combined, confidence);
}

/** The p-th percentile of a scratch array (reordered in place), statistics.percentile's definition. */
function percentileInPlace(xs: Float64Array, p: number): number {
  const n = xs.length;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const low = select(xs, lo);
  const frac = h - lo;
  if (frac === 0 || lo + 1 >= n) return low;
  // After selection everything right of `lo` is ≥ xs[lo], so the next order statistic is their minimum.
  let next = Infinity;
  for (let i = lo + 1; i < n; i++) if ((xs[i] as number) < next) next = xs[i] as number;
  return low + frac * (next - low);
}

/**
 * Bootstrap CI of percentile_p(numerator) / percentile_p(denominator), e.g. p = 99 for the p99
 * latency of server runs, where the tail rather than the median is what is judged. Resampling,
 * replicates and interval are those of {@link bootstrapMedianRatio} (p = 50 gives its replicates up
 * to rounding); percentiles interpolate linearly as statistics.percentile does. Both samples must be
 * non-empty with a positive denominator percentile and p in [0, 100]; throws RangeError otherwise.
 */
export function bootstrapPercentileRatio(
  numerator: readonly number[],
  denominator: readonly number[],
  p: number,
  options: BootstrapOptions = {},
): BootstrapRatio {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be in [0, 100], got ${p}`);
  const stat = (xs: Float64Array): number => percentileInPlace(xs, p);
  return bootstrapRatio(numerator, denominator, stat, 'bootstrapPercentileRatio', 'percentile', options);
}

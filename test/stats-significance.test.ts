import { describe, expect, it } from 'vitest';
import {
  bootstrapMedianRatio,
  erfc,
  geometricMean,
  geometricMeanInterval,
  mannWhitneyU,
  percentileInterval,
  seededRandom,
  twoSidedNormalP,
} from '../src/stats/significance.js';

describe('Mann-Whitney U', () => {
  it('exact p for fully separated small samples', () => {
    // a below b everywhere: U_a = 0, U_b = 9. Of the C(6,3) = 20 equally likely arrangements only one
    // has U = 0, so P(U ≤ 0) = 1/20 and the two-sided p is 2/20 = 0.1 (scipy method='exact' agrees).
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(r).toEqual({ uA: 0, uB: 9, pValue: 0.1, z: 0, method: 'exact' });
    // Swapping the samples swaps the U statistics and keeps p.
    const s = mannWhitneyU([4, 5, 6], [1, 2, 3]);
    expect([s.uA, s.uB, s.pValue]).toEqual([9, 0, 0.1]);
  });

  it('exact p for 11 vs 11 separated samples is 2 / C(22, 11)', () => {
    const a = Array.from({ length: 11 }, (_, i) => 9 + i / 10);
    const b = Array.from({ length: 11 }, (_, i) => 5 + i / 10);
    const r = mannWhitneyU(a, b);
    expect(r.method).toBe('exact');
    expect(r.uA).toBe(121);
    expect(r.pValue).toBeCloseTo(2 / 705432, 15);
  });

  it('exact p with overlap: P(U ≤ 8) = 66 / C(15, 7)', () => {
    // scipy.stats.mannwhitneyu(a, b, method='exact') gives U = 8, p = 0.020512820512820513 = 2·66/6435.
    const r = mannWhitneyU([1.1, 2.3, 0.5, 4, 9, 1.7, 3.3], [2.2, 5, 6, 7.5, 8, 10, 11, 12.5]);
    expect(r.uA).toBe(8);
    expect(r.pValue).toBeCloseTo(132 / 6435, 12);
  });

  it('normal approximation with tie and continuity correction', () => {
    // Pooled sorted: 1 2 2 2 3 3 4 5 6 7 8 → mid-ranks 1, 3 (×3), 5.5 (×2), 7, 8, 9, 10, 11.
    // R_a = 1 + 3 + 3 + 5.5 + 10 = 22.5, U_a = 22.5 - 5·6/2 = 7.5, U_b = 30 - 7.5 = 22.5.
    // Ties: (3³-3) + (2³-2) = 30; σ² = 30/12 · (12 - 30/110) = 29.318182; σ = 5.414627.
    // z = -(|7.5 - 15| - 0.5)/σ = -1.292795; p = erfc(1.292795/√2) = 0.196082 (scipy: 0.1960821).
    const r = mannWhitneyU([1, 2, 2, 3, 7], [2, 3, 4, 5, 6, 8]);
    expect(r.method).toBe('normal');
    expect(r.uA).toBe(7.5);
    expect(r.uB).toBe(22.5);
    expect(r.z).toBeCloseTo(-1.292795, 6);
    expect(r.pValue).toBeCloseTo(0.1960821, 6);
  });

  it('ties across groups only: constant 10 ms vs constant 8 ms', () => {
    // U = 100 of 100; ties 2·(10³-10) = 1980; σ² = 100/12 · (21 - 1980/380) = 131.578947;
    // z = (100 - 50 - 0.5)/11.470787 = 4.315314; p = erfc(z/√2) = 1.5938e-5 (scipy: 1.59379e-05).
    const r = mannWhitneyU(Array(10).fill(125), Array(10).fill(100));
    expect(r.z).toBeCloseTo(4.315314, 5);
    expect(r.pValue).toBeCloseTo(1.5938e-5, 8);
  });

  it('every value tied gives p = 1 and empty input throws', () => {
    expect(mannWhitneyU([3, 3, 3], [3, 3]).pValue).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });

  it('erfc and the two-sided normal tail', () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(erfc(-1) + erfc(1)).toBeCloseTo(2, 7);
    // Φ(1.959964) = 0.975, so the two-sided tail is 0.05.
    expect(twoSidedNormalP(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedNormalP(-1.959964)).toBeCloseTo(0.05, 6);
  });
});

describe('bootstrap and geometric mean', () => {
  it('constant samples give the exact ratio and a zero-width interval', () => {
    // throughput 125 img/s (8 ms) over 100 img/s (10 ms): every replicate ratio is 1.25.
    const r = bootstrapMedianRatio(Array(10).fill(125), Array(10).fill(100), { iterations: 500 });
    expect(r.estimate).toBe(1.25);
    expect(r.ci).toEqual([1.25, 1.25]);
    expect(r.replicates.length).toBe(500);
  });

  it('is reproducible with a seed and contains the estimate', () => {
    const a = Array.from({ length: 41 }, (_, i) => 100 + ((i * 7) % 13));
    const b = Array.from({ length: 37 }, (_, i) => 90 + ((i * 5) % 11));
    const r1 = bootstrapMedianRatio(a, b, { seed: 7, iterations: 1000 });
    const r2 = bootstrapMedianRatio(a, b, { seed: 7, iterations: 1000 });
    const r3 = bootstrapMedianRatio(a, b, { seed: 8, iterations: 1000 });
    expect(r1.ci).toEqual(r2.ci);
    expect(r3.replicates).not.toEqual(r1.replicates);
    // Medians: a → 106 (values 100..112, middle of 41), b → 95 (values 90..100, 19th of 37).
    expect(r1.estimate).toBeCloseTo(106 / 95, 12);
    expect(r1.ci[0]).toBeLessThanOrEqual(r1.estimate);
    expect(r1.ci[1]).toBeGreaterThanOrEqual(r1.estimate);
  });

  it('percentile interval uses linear interpolation', () => {
    // 0..100: the 2.5th percentile is at h = 100·0.025 = 2.5 → 2.5; the 97.5th → 97.5.
    const reps = Float64Array.from({ length: 101 }, (_, i) => 100 - i);
    const [lo, hi] = percentileInterval(reps, 0.95);
    expect(lo).toBeCloseTo(2.5, 12); // (1 - 0.95)/2 is not exact in binary
    expect(hi).toBeCloseTo(97.5, 12);
    expect(percentileInterval(reps, 0.5)).toEqual([25, 75]);
  });

  it('geometric mean', () => {
    expect(geometricMean([2, 8])).toBeCloseTo(4, 12); // √16
    expect(geometricMean([1.25, 0.8, 1])).toBeCloseTo(1, 12); // 1.25·0.8 = 1
    expect(() => geometricMean([])).toThrow(RangeError);
    expect(() => geometricMean([1, 0])).toThrow(RangeError);
    // Replicate-wise: (2·8)^½ = 4 and (1·4)^½ = 2; the 50 % interval of sorted [2, 4] is the 25th
    // and 75th percentiles, 2 + 0.25·2 = 2.5 and 2 + 0.75·2 = 3.5.
    expect(geometricMeanInterval([Float64Array.of(2, 1), Float64Array.of(8, 4)], 0.5)).toEqual([2.5, 3.5]);
  });

  it('seeded PRNG is deterministic and in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

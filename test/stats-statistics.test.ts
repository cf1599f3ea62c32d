import { describe, expect, it } from 'vitest';
import { LatencyStatsSchema, ThroughputSchema } from '../src/results/schema.js';
import {
  loadgenPercentile,
  mad,
  median,
  medianCi95,
  medianCi95Ranks,
  modifiedZScores,
  percentile,
  robustCv,
  summarize,
  throughputFromLatency,
  throughputRelCiPct,
} from '../src/stats/statistics.js';

// 1..10 shuffled: the loop reports samples in completion order, summarize must not care.
const oneToTen = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6];

describe('percentile (numpy linear)', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  it('interpolates between closest ranks', () => {
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(10);
    // h = 9 · 0.5 = 4.5 → x[4] + 0.5·(x[5] - x[4]) = 5 + 0.5 = 5.5
    expect(percentile(sorted, 50)).toBe(5.5);
    // h = 9 · 0.9 = 8.1 → 9 + 0.1·1 = 9.1
    expect(percentile(sorted, 90)).toBeCloseTo(9.1, 12);
    // h = 8.55 → 9.55; h = 8.91 → 9.91; h = 8.991 → 9.991
    expect(percentile(sorted, 95)).toBeCloseTo(9.55, 12);
    expect(percentile(sorted, 99)).toBeCloseTo(9.91, 12);
    expect(percentile(sorted, 99.9)).toBeCloseTo(9.991, 12);
    // h = 9 · 0.25 = 2.25 → 3 + 0.25 = 3.25
    expect(percentile(sorted, 25)).toBeCloseTo(3.25, 12);
  });
  it('returns 0 for no samples and the sample itself for one', () => {
    expect(percentile([], 50)).toBe(0);
    expect(percentile([4.2], 99)).toBe(4.2);
  });
  it('rejects p outside [0, 100]', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => loadgenPercentile([1], 100)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('loadgenPercentile (MLPerf LoadGen: sorted[⌊n·p/100⌋], no interpolation)', () => {
  it('takes a measured sample, never a value between two', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // ⌊10 · 0.9⌋ = 9 → x[9] = 10 (numpy's linear gives 9.1); ⌊10 · 0.5⌋ = 5 → 6; ⌊10 · 0.99⌋ = 9 → 10
    expect(loadgenPercentile(sorted, 90)).toBe(10);
    expect(loadgenPercentile(sorted, 50)).toBe(6);
    expect(loadgenPercentile(sorted, 99)).toBe(10);
    expect(loadgenPercentile(sorted, 0)).toBe(1);
    expect(loadgenPercentile([], 99)).toBe(0);
  });
  it('puts p99 above the bound when 1 % of 1000 queries are late', () => {
    // 990 queries at 5 ms and 10 at 50 ms: rank ⌊1000 · 0.99⌋ = 990 is the first late one, so LoadGen's
    // p99 is 50 ms; numpy's h = 999 · 0.99 = 989.01 interpolates to 5 + 0.01 · 45 = 5.45 ms.
    const sorted = [...Array<number>(990).fill(5), ...Array<number>(10).fill(50)];
    expect(loadgenPercentile(sorted, 99)).toBe(50);
    expect(percentile(sorted, 99)).toBeCloseTo(5.45, 9);
    // One late query fewer and rank 990 is on time.
    expect(loadgenPercentile([...Array<number>(991).fill(5), ...Array<number>(9).fill(50)], 99)).toBe(5);
  });
});

describe('robustCv', () => {
  it('is MAD / 0.6745 / median (1.4826·MAD/median), 0 without a positive median', () => {
    // MAD 1 ms, median 2 ms: 1 / 0.6745 / 2 = 0.741289844...
    expect(robustCv({ madMs: 1, medianMs: 2 })).toBeCloseTo(0.7412898443291327, 15);
    expect(robustCv({ madMs: 1, medianMs: 0 })).toBe(0);
  });
});

describe('median, MAD and modified z-scores', () => {
  it('median sorts its input', () => {
    expect(median(oneToTen)).toBe(5.5);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBe(0);
  });
  it('MAD is unscaled', () => {
    // |x - 5.5| sorted: 0.5 0.5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 4.5 → median 2.5
    expect(mad(oneToTen)).toBe(2.5);
  });
  it('flags a far sample by the Iglewicz-Hoaglin rule', () => {
    const xs = [10, 10, 10, 11, 11, 12, 12, 13, 50];
    // median = 11; |x - 11| sorted: 0 0 1 1 1 1 1 2 39 → MAD = 1
    const z = modifiedZScores(xs);
    // 0.6745 · 39 / 1 = 26.3055; 0.6745 · 2 = 1.349; 0.6745 · (-1) = -0.6745
    expect(z[8]).toBeCloseTo(26.3055, 10);
    expect(z[7]).toBeCloseTo(1.349, 10);
    expect(z[0]).toBeCloseTo(-0.6745, 10);
    expect(summarize(xs).outliers).toBe(1);
  });
  it('falls back to the mean absolute deviation when MAD is 0', () => {
    const xs = [5, 5, 5, 5, 5, 5, 100];
    // median 5, MAD 0; meanAD = 95/7, so z(100) = 95 / (1.253314 · 95/7) = 7 / 1.253314 = 5.58519…
    expect(mad(xs)).toBe(0);
    const z = modifiedZScores(xs);
    expect(z[6]).toBeCloseTo(7 / 1.253314, 12);
    expect(z[0]).toBe(0);
    expect(summarize(xs).outliers).toBe(1);
  });
  it('gives all-zero scores when every sample is equal', () => {
    expect(modifiedZScores([3, 3, 3])).toEqual([0, 0, 0]);
  });
});

describe('median CI (order statistics)', () => {
  it('uses ranks floor(n/2 - 0.98√n) and ceil(n/2 + 1 + 0.98√n), clamped', () => {
    expect(medianCi95Ranks(0)).toEqual([0, 0]);
    expect(medianCi95Ranks(1)).toEqual([1, 1]);
    expect(medianCi95Ranks(2)).toEqual([1, 2]);
    // n = 10: 5 - 3.099 = 1.90 → 1; 6 + 3.099 = 9.10 → 10 (= [min, max])
    expect(medianCi95Ranks(10)).toEqual([1, 10]);
    // n = 20: 10 - 4.383 = 5.62 → 5; 11 + 4.383 = 15.38 → 16
    expect(medianCi95Ranks(20)).toEqual([5, 16]);
    // n = 100: 50 - 9.8 = 40.2 → 40; 51 + 9.8 = 60.8 → 61 (the exact binomial ranks too)
    expect(medianCi95Ranks(100)).toEqual([40, 61]);
    // n = 1000: 500 - 30.990 = 469.01 → 469; 501 + 30.990 = 531.99 → 532
    expect(medianCi95Ranks(1000)).toEqual([469, 532]);
  });
  it('reads the bounds from the sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // x at rank r is r
    expect(medianCi95(sorted)).toEqual([40, 61]);
    expect(medianCi95([])).toEqual([0, 0]);
  });
});

describe('summarize', () => {
  it('gives exact figures for 1..10', () => {
    const s = summarize(oneToTen);
    // mean 5.5; Σ(x - 5.5)² = 2·(0.25 + 2.25 + 6.25 + 12.25 + 20.25) = 82.5; sd = √(82.5/9)
    const sd = Math.sqrt(82.5 / 9); // 3.0276503540974917
    expect(s.count).toBe(10);
    expect(s.meanMs).toBe(5.5);
    expect(s.sdMs).toBeCloseTo(sd, 12);
    expect(s.medianMs).toBe(5.5);
    expect(s.p50Ms).toBe(5.5);
    expect(s.p90Ms).toBeCloseTo(9.1, 12);
    expect(s.p95Ms).toBeCloseTo(9.55, 12);
    expect(s.p99Ms).toBeCloseTo(9.91, 12);
    expect(s.p999Ms).toBeCloseTo(9.991, 12);
    expect(s.minMs).toBe(1);
    expect(s.maxMs).toBe(10);
    expect(s.cv).toBeCloseTo(sd / 5.5, 12); // 0.55048…
    expect(s.madMs).toBe(2.5);
    expect(s.medianCi95Ms).toEqual([1, 10]);
    // largest |z| = 0.6745 · 4.5 / 2.5 = 1.214 < 3.5
    expect(s.outliers).toBe(0);
    expect(LatencyStatsSchema.safeParse(s).success).toBe(true);
  });
  it('handles n = 0, 1, 2 without NaN', () => {
    const empty = summarize([]);
    expect(empty.count).toBe(0);
    expect(
      Object.values(empty)
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    expect(LatencyStatsSchema.safeParse(empty).success).toBe(true);

    const one = summarize([4]);
    expect(one).toMatchObject({ count: 1, meanMs: 4, sdMs: 0, cv: 0, medianMs: 4, p99Ms: 4, madMs: 0 });
    expect(one.medianCi95Ms).toEqual([4, 4]);

    const two = summarize([4, 2]);
    // mean 3; sd = √((1 + 1)/1) = √2; p90: h = 0.9 → 2 + 0.9·2 = 3.8; MAD = median(1, 1) = 1
    expect(two.sdMs).toBeCloseTo(Math.SQRT2, 12);
    expect(two.p90Ms).toBeCloseTo(3.8, 12);
    expect(two.madMs).toBe(1);
    expect(two.medianCi95Ms).toEqual([2, 4]);
    for (const s of [one, two]) {
      expect(
        Object.values(s)
          .flat()
          .every((v) => Number.isFinite(v)),
      ).toBe(true);
    }
  });
});

describe('throughput from latency', () => {
  const stats = { ...summarize([4]), medianMs: 4, medianCi95Ms: [3.2, 5] as [number, number] };
  it('is batch · concurrency · 1000 / median with the CI inverted', () => {
    const t = throughputFromLatency(stats, 8, 2, 3900);
    // k = 8 · 2 · 1000 = 16000; 16000/4 = 4000; CI [16000/5, 16000/3.2] = [3200, 5000]
    expect(t.samplesPerS).toBe(4000);
    expect(t.ci95[0]).toBeCloseTo(3200, 9);
    expect(t.ci95[1]).toBeCloseTo(5000, 9);
    expect(t.method).toBe('median-latency');
    expect(t.wallClockSamplesPerS).toBe(3900);
    expect(ThroughputSchema.safeParse(t).success).toBe(true);
  });
  it('gives zeros, not Infinity, for no samples', () => {
    const t = throughputFromLatency(summarize([]), 1, 1, 0);
    expect(t).toEqual({ samplesPerS: 0, ci95: [0, 0], method: 'median-latency', wallClockSamplesPerS: 0 });
  });
  it('relative CI half-width matches the throughput interval', () => {
    // (5000 - 3200)/2 / 4000 = 22.5 %; formula 50 · 4 · (1/3.2 - 1/5) = 200 · 0.1125 = 22.5
    expect(throughputRelCiPct(4, [3.2, 5])).toBeCloseTo(22.5, 10);
    expect(throughputRelCiPct(4, [4, 4])).toBe(0);
    expect(throughputRelCiPct(0, [0, 0])).toBe(Infinity);
  });
});

import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf,
  pairedRatioSummary,
  pairedRegressionPct,
  signTestCiRanks,
  signTestP,
} from '../src/stats/paired.js';

describe('binomialHalfCdf', () => {
  it('sums C(n, j)/2^n exactly', () => {
    expect(binomialHalfCdf(6, 0)).toBeCloseTo(1 / 64, 15);
    expect(binomialHalfCdf(6, 1)).toBeCloseTo(7 / 64, 15);
    expect(binomialHalfCdf(10, 2)).toBeCloseTo(56 / 1024, 15);
    expect(binomialHalfCdf(10, 10)).toBe(1);
    expect(binomialHalfCdf(10, -1)).toBe(0);
  });
});

describe('signTestCiRanks', () => {
  it('needs 6 rounds at 95 %: 2·(1/32) = 0.0625 > 0.05 at n = 5', () => {
    expect(signTestCiRanks(5)).toBeNull();
  });
  it('n = 6: ranks 1 and 6, coverage 1 - 2/64', () => {
    expect(signTestCiRanks(6)).toEqual({ ranks: [1, 6], coverage: 1 - 2 / 64 });
  });
  it('n = 10: ranks 2 and 9, coverage 1 - 2·11/1024', () => {
    const r = signTestCiRanks(10);
    expect(r?.ranks).toEqual([2, 9]);
    expect(r?.coverage).toBeCloseTo(1 - 22 / 1024, 12);
  });
  it('n = 20: ranks 6 and 15 (2·P(X ≤ 5) = 0.0414, 2·P(X ≤ 6) = 0.1153)', () => {
    const r = signTestCiRanks(20);
    expect(r?.ranks).toEqual([6, 15]);
    expect(r?.coverage).toBeCloseTo(1 - 2 * (21700 / 1048576), 12);
  });
  it('a lower confidence gives a narrower interval: n = 10 at 80 % uses ranks 3 and 8', () => {
    // 2·P(X ≤ 2) = 112/1024 = 0.109 ≤ 0.2; 2·P(X ≤ 3) = 352/1024 = 0.344 > 0.2.
    expect(signTestCiRanks(10, 0.8)?.ranks).toEqual([3, 8]);
  });
});

describe('signTestP', () => {
  it('one of six above 1: p = 2·7/64', () => {
    expect(signTestP([0.9, 0.95, 0.97, 1.02, 0.96, 0.94])).toEqual({ pValue: 14 / 64, above: 1, below: 5 });
  });
  it('drops ratios of exactly 1 and caps p at 1', () => {
    expect(signTestP([1, 1, 0.9, 1.1])).toEqual({ pValue: 1, above: 1, below: 1 });
    expect(signTestP([1, 1])).toEqual({ pValue: 1, above: 0, below: 0 });
  });
});

describe('pairedRatioSummary', () => {
  it('ten rounds all below 1: slower, CI from the 2nd and 9th ratios, p = 2/1024', () => {
    const ratios = [0.95, 0.94, 0.96, 0.93, 0.97, 0.95, 0.92, 0.96, 0.95, 0.98];
    const s = pairedRatioSummary(ratios);
    expect(s.rounds).toBe(10);
    expect(s.medianRatio).toBeCloseTo(0.95, 12);
    // sorted: 0.92 0.93 0.94 0.95 0.95 0.95 0.96 0.96 0.97 0.98
    expect(s.ci).toEqual([0.93, 0.97]);
    expect(s.ciRanks).toEqual([2, 9]);
    expect(s.pValue).toBeCloseTo(2 / 1024, 15);
    expect(s.verdict).toBe('slower');
    expect(s.relCiPct).toBeCloseTo(((0.97 - 0.93) / 2 / 0.95) * 100, 10);
  });
  it('an interval straddling 1 is no change', () => {
    const s = pairedRatioSummary([0.99, 1.01, 0.98, 1.02, 1.0, 0.97, 1.03]);
    expect(s.ci).toEqual([0.97, 1.03]);
    expect(s.verdict).toBe('no-change');
  });
  it('all above 1 is faster', () => {
    expect(pairedRatioSummary([1.1, 1.2, 1.05, 1.15, 1.12, 1.08]).verdict).toBe('faster');
  });
  it('too few rounds for an interval: no verdict beyond no change', () => {
    const s = pairedRatioSummary([0.5, 0.5, 0.5]);
    expect(s.ci).toBeNull();
    expect(s.relCiPct).toBeNull();
    expect(s.verdict).toBe('no-change');
    expect(s.pValue).toBe(0.25);
  });
  it('refuses no rounds and non-positive ratios', () => {
    expect(() => pairedRatioSummary([])).toThrow(RangeError);
    expect(() => pairedRatioSummary([1, 0])).toThrow(RangeError);
  });
});

describe('pairedRegressionPct', () => {
  const slower = pairedRatioSummary([0.95, 0.94, 0.96, 0.93, 0.97, 0.95, 0.92, 0.96, 0.95, 0.98]);
  it('trips when significantly slower by more than the threshold', () => {
    expect(pairedRegressionPct(slower, 3)).toBeCloseTo(5, 10);
  });
  it('holds when the slowdown is within the threshold or not significant', () => {
    expect(pairedRegressionPct(slower, 5.5)).toBeNull();
    expect(pairedRegressionPct(pairedRatioSummary([0.9, 0.9, 0.9]), 1)).toBeNull();
  });
});

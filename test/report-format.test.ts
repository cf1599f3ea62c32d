import { describe, expect, it } from 'vitest';
import { formatChange, formatInterval, formatNumber, formatRelativeCi, NBSP } from '../src/report/format.js';

describe('number formatting shared by the exporters', () => {
  it('joins a figure and its unit, and an interval\u2019s ends, with a no-break space', () => {
    expect(NBSP).toBe('\u00a0');
    expect(formatChange(160.73)).toBe('+160.7\u00a0%');
    expect(formatInterval([0.34546, 0.42141])).toBe('[0.345,\u00a00.421]');
    expect(formatInterval(null)).toBe('–');
  });

  it('signs a change after rounding it: nothing rounds to "−0.0 %"', () => {
    expect(formatChange(-0.04)).toBe('±0.0\u00a0%');
    expect(formatChange(0.04)).toBe('±0.0\u00a0%');
    expect(formatChange(0)).toBe('±0.0\u00a0%');
    expect(formatChange(-0.06)).toBe('−0.1\u00a0%');
    expect(formatChange(-20)).toBe('−20.0\u00a0%');
    expect(formatChange(null)).toBe('–');
  });

  it('a throughput CI as ± percent of the figure, half the interval\u2019s width', () => {
    // (102.2 - 98) / 2 = 2.1 of 100.
    expect(formatRelativeCi(100, [98, 102.2])).toBe('±2.1\u00a0%');
    expect(formatRelativeCi(null, [98, 102])).toBe('–');
    expect(formatRelativeCi(100, null)).toBe('–');
    expect(formatRelativeCi(0, [0, 0])).toBe('–');
  });

  it('four significant digits', () => {
    expect([12.345, 1234.5, 123.45, 0.012345].map(formatNumber)).toEqual([
      '12.35',
      '1235',
      '123.5',
      '0.0123',
    ]);
  });
});

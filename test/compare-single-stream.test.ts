import { describe, expect, it } from 'vitest';
import { compareFiles, P90_MIN_SAMPLES } from '../src/compare/compare.js';
import { findRegressions } from '../src/compare/gate.js';
import type { RunResult } from '../src/results/schema.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

// Synthetic runs (hand-picked latencies, nothing measured) for how compare judges single-stream keys
// and how it seeds each key's bootstrap.

const file = syntheticFile;

const fill = (n: number, ms: number): number[] => Array<number>(n).fill(ms);
// The same median (10 ms); only the slowest fifth moved, from 11 ms to 20 ms.
const BASE_MS = [...fill(80, 10), ...fill(20, 11)];
const TAIL_MS = [...fill(80, 10), ...fill(20, 20)];

describe('single-stream keys are judged on p90 latency', () => {
  const pair = (scenario: 'offline' | 'single-stream') =>
    compareFiles(
      [
        file('base.json', [syntheticRun({ model: 'm', batch: 1, scenario, samplesMs: BASE_MS })]),
        file('new.json', [syntheticRun({ model: 'm', batch: 1, scenario, samplesMs: TAIL_MS })]),
      ],
      { bootstrapIterations: 500 },
    );

  it('a regression in the tail alone is slower, with the ratio of p90s (base over new)', () => {
    const c = pair('single-stream');
    const cell = c.rows[0]?.cells[0];
    // numpy-linear p90 of 100 samples: h = 99 · 0.9 = 89.1, inside the slowest fifth: 11 ms and 20 ms.
    expect(cell?.ratioBasis).toBe('p90-latency');
    expect(cell?.ratio).toBeCloseTo(11 / 20, 12);
    expect(cell?.verdict).toBe('slower');
    // The rank test sees 160 tied samples and 20 shifted ones: p ≈ 0.48, shown but not deciding.
    expect(cell?.pValue).toBeGreaterThan(0.4);
    // Every replicate with at least 11 of 100 draws from the tail has the same p90s (P > 0.99 each).
    expect(cell?.ci?.[1]).toBeLessThan(1);
    const [regression] = findRegressions(c, 10);
    expect(regression).toMatchObject({ metric: 'p90', ratio: 20 / 11 });
    expect(regression?.slowdownPct).toBeCloseTo((20 / 11 - 1) * 100, 9);
    expect(regression?.what).toBe('has a 81.8 % higher p90 latency (p90 ratio 1.818, significant)');
  });

  it('with fewer than 50 samples a side, the tail is too thin: judged on the median like offline', () => {
    const c = compareFiles(
      [
        file('base.json', [
          syntheticRun({ model: 'm', batch: 1, scenario: 'single-stream', samplesMs: BASE_MS.slice(60) }),
        ]),
        file('new.json', [
          syntheticRun({ model: 'm', batch: 1, scenario: 'single-stream', samplesMs: TAIL_MS.slice(60) }),
        ]),
      ],
      { bootstrapIterations: 500 },
    );
    expect(P90_MIN_SAMPLES).toBe(50);
    expect(c.rows[0]?.cells[0]?.ratioBasis).toBe('median-throughput');
  });

  it('the same samples as offline runs: the median did not move, so no verdict', () => {
    const cell = pair('offline').rows[0]?.cells[0];
    expect(cell?.ratioBasis).toBe('median-throughput');
    expect(cell?.ratio).toBe(1);
    expect(cell?.ci).toEqual([1, 1]);
    expect(cell?.verdict).toBe('no-change');
  });
});

describe('bootstrap seeds', () => {
  // Two keys (two model files) with identical, spread samples on each side.
  const spread = (scale: number): number[] => Array.from({ length: 40 }, (_, i) => scale * (10 + (i % 8)));
  const runs = (scale: number): RunResult[] =>
    ['a', 'b'].map((sha) =>
      syntheticRun({ model: `m${sha}`, shaChar: sha, batch: 1, samplesMs: spread(scale) }),
    );
  const c = compareFiles([file('base.json', runs(1)), file('new.json', runs(1.02))], {
    bootstrapIterations: 1000,
  });

  it('differ per key, so the geometric mean of two equal keys is narrower than either', () => {
    const [a, b] = c.rows.map((r) => r.cells[0]?.ci as [number, number]);
    const width = ([lo, hi]: [number, number]): number => hi - lo;
    expect(a).not.toEqual(b);
    // With one seed for all keys, both keys would draw the same replicates and the geometric mean's
    // interval would equal each key's; independent draws shrink it by about 1/√2.
    const summary = c.summary[0]?.ci as [number, number];
    expect(width(summary)).toBeLessThan(
      0.85 * Math.min(width(a as [number, number]), width(b as [number, number])),
    );
  });

  it('are reproducible: the same files and --seed give the same intervals', () => {
    const again = compareFiles([file('base.json', runs(1)), file('new.json', runs(1.02))], {
      bootstrapIterations: 1000,
    });
    expect(again.rows.map((r) => r.cells[0]?.ci)).toEqual(c.rows.map((r) => r.cells[0]?.ci));
  });
});

import { describe, expect, it } from 'vitest';
import { diagnose, type DiagnoseInput } from '../src/measure/warnings.js';
import { summarize } from '../src/stats/statistics.js';

const samplesMs = Array.from({ length: 50 }, () => 10);
const base: DiagnoseInput = {
  scenario: 'offline',
  stats: summarize(samplesMs),
  samplesMs,
  cutByMaxDuration: false,
  aborted: false,
  maxDurationS: 30,
  relCiPct: 1,
  targetRelCiPct: 2,
  minIterations: 10,
};

describe('wall-clock gap warning', () => {
  const throughput = (wall: number) => ({
    samplesPerS: 100,
    ci95: [99, 101] as [number, number],
    method: 'median-latency' as const,
    wallClockSamplesPerS: wall,
  });

  it('warns when completed images over wall time fall more than 10 % below the median-based figure', () => {
    // 100 img/s from the median, 80 img/s delivered: a 20 % gap.
    const w = diagnose({ ...base, throughput: throughput(80) });
    expect(w.map((x) => x.code)).toEqual(['W_WALL_CLOCK_GAP']);
    expect(w[0]?.message).toMatch(/\(80\.0\/s\) are 20\.0 % below the median-based figure \(100\/s\)/);
  });

  it('stays quiet within 10 % and without throughput figures', () => {
    expect(diagnose({ ...base, throughput: throughput(91) })).toEqual([]);
    expect(diagnose(base)).toEqual([]);
  });
});

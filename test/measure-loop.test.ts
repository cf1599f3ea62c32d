import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import { realClock } from '../src/measure/clock.js';
import { measure } from '../src/measure/measure.js';
import type { MeasureSettings } from '../src/measure/types.js';
import { setup } from './fake-engine.js';

// All times below are virtual: the fake's run() takes exactly its scripted milliseconds and the loop
// checks its stop rule at the first completion at or after each 100 ms mark.
function settings(over: Partial<MeasureSettings> = {}): MeasureSettings {
  return {
    scenario: 'offline',
    warmupIterations: 0,
    minDurationS: 1,
    minIterations: 0,
    maxDurationS: 10,
    relCiPct: 1,
    concurrency: 1,
    seed: 1,
    ...over,
  };
}

function codes(r: { warnings: { code: string }[] }): string[] {
  return r.warnings.map((w) => w.code);
}

describe('offline closed loop', () => {
  it('stops at the minimum duration once the CI target holds, with exact counts and throughput', async () => {
    const { clock, model } = setup([2]);
    const fractions: number[] = [];
    const r = await measure(model, 4, settings({ warmupIterations: 3 }), {
      clock,
      onProgress: (f) => fractions.push(f),
    });
    // Warmup: 3 × 2 ms (t = 6). Measuring from t = 6, completions every 2 ms; checks at t = 106, 206, …;
    // at t = 1006 elapsed = 1000 ms = --duration, all samples 2 ms → CI [2, 2] → ±0 % ≤ 1 %: stop.
    expect(r.warmupMs).toEqual([2, 2, 2]);
    expect(r.iterations).toBe(500);
    expect(r.samplesMs).toHaveLength(500);
    expect(model.calls).toBe(503);
    expect(r.wallTimeS).toBe(1);
    expect(r.latency.medianMs).toBe(2);
    expect(r.relCiPct).toBe(0);
    // 4 images · 1 stream · 1000 / 2 ms = 2000 images/s; wall clock 500 · 4 / 1 s = 2000
    expect(r.throughput).toEqual({
      samplesPerS: 2000,
      ci95: [2000, 2000],
      method: 'median-latency',
      wallClockSamplesPerS: 2000,
    });
    expect(r.headline).toEqual({ metric: 'samplesPerS', value: 2000 });
    expect(r.cutByMaxDuration).toBe(false);
    expect(r.aborted).toBe(false);
    expect(r.warnings).toEqual([]);
    // Progress is reported per check (~every 100 ms), not per iteration: 3 warmup + 9 checks + final.
    expect(fractions).toHaveLength(3 + 9 + 1);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((f) => f >= 0 && f <= 1)).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('keeps going until --min-iterations', async () => {
    const { clock, model } = setup([2]);
    const r = await measure(model, 1, settings({ minDurationS: 0.1, minIterations: 300 }), { clock });
    // Checks at 100, 200, … ms see 50, 100, … samples; 300 samples are reached at t = 600.
    expect(r.iterations).toBe(300);
    expect(r.wallTimeS).toBeCloseTo(0.6, 12);
  });

  it('is cut by --max-duration when the CI never tightens, and says so', async () => {
    // Alternating 1 ms / 3 ms: median 2, and the CI of the median stays [1, 3] for any n.
    const { clock, model } = setup((i) => (i % 2 === 0 ? 1 : 3));
    const r = await measure(model, 1, settings({ minDurationS: 0.2, maxDurationS: 0.5, relCiPct: 5 }), {
      clock,
    });
    // A 1+3 ms pair every 4 ms; the check at t = 500 (= the deadline) sees 250 samples.
    expect(r.iterations).toBe(250);
    expect(r.wallTimeS).toBe(0.5);
    expect(r.cutByMaxDuration).toBe(true);
    // relative half-width 50 · 2 · (1/1 - 1/3) = 66.67 %
    expect(r.relCiPct).toBeCloseTo(200 / 3, 10);
    expect(codes(r)).toEqual(['W_CUT_BY_MAX_DURATION', 'W_HIGH_CV']);
    expect(r.warnings[0]?.message).toBe(
      'stopped at --max-duration 0.5 s before the throughput CI reached ±5 % (it is ±66.7 %)',
    );
    expect(r.warnings[0]?.advice).toMatch(/--max-duration.*--rel-ci/);
    // Median 2 (between the 125th 1 and 3), MAD 1: robust cv 1.4826 · 1 / 2 = 74.1 %.
    expect(r.warnings[1]?.message).toBe(
      'latency varies a lot: robust cv 74.1 % (1.4826·MAD/median, above 5 %)',
    );
  });

  it('cut short of --min-iterations, it advises fewer iterations, not a looser CI', async () => {
    const { clock, model } = setup([10]);
    const r = await measure(
      model,
      1,
      settings({ minDurationS: 0.1, minIterations: 100, maxDurationS: 0.5 }),
      {
        clock,
      },
    );
    // 10 ms runs: 50 by the 0.5 s deadline.
    expect(r.iterations).toBe(50);
    const cut = r.warnings.find((w) => w.code === 'W_CUT_BY_MAX_DURATION');
    expect(cut?.message).toBe('stopped at --max-duration 0.5 s with 50 of the 100 minimum iterations');
    expect(cut?.advice).toBe('raise --max-duration or lower --min-iterations');
  });

  it('cut with fewer samples than a CI needs, it says so instead of quoting an infinite CI', async () => {
    const { clock, model } = setup([100]);
    const r = await measure(model, 1, settings({ minDurationS: 0.1, minIterations: 3, maxDurationS: 0.5 }), {
      clock,
    });
    // 100 ms runs: 5 by the 0.5 s deadline, past --min-iterations 3 but short of 6.
    expect(r.iterations).toBe(5);
    const cut = r.warnings.find((w) => w.code === 'W_CUT_BY_MAX_DURATION');
    expect(cut?.message).toBe(
      'stopped at --max-duration 0.5 s with 5 samples, fewer than the 6 a 95 % CI of the median needs',
    );
    expect(cut?.advice).toBe('raise --max-duration');
  });

  it('runs `concurrency` streams at once and scales the throughput by it', async () => {
    const { clock, model } = setup([5]);
    const r = await measure(model, 1, settings({ minDurationS: 0.1, concurrency: 3 }), { clock });
    // 3 streams complete at 5, 10, …; the first completion at t = 100 stops the loop (19 · 3 + 1 = 58
    // samples) and the two runs still in flight finish at t = 100 too: 60 samples in 0.1 s.
    expect(model.maxInFlight).toBe(3);
    expect(r.iterations).toBe(60);
    expect(r.wallTimeS).toBe(0.1);
    // 1 · 3 · 1000 / 5 = 600/s; wall clock 60 / 0.1 = 600/s
    expect(r.throughput.samplesPerS).toBe(600);
    expect(r.throughput.wallClockSamplesPerS).toBeCloseTo(600, 9);
  });

  it('rethrows a failing run() after the other streams stop', async () => {
    const { clock, model } = setup([1]);
    model.failAt = 5;
    await expect(measure(model, 1, settings({ concurrency: 2 }), { clock })).rejects.toThrow(
      'fake failure at call 5',
    );
    expect(model.inFlight).toBe(0);
  });
});

describe('single-stream', () => {
  it('reports p90 latency as the headline', async () => {
    // Durations 1..10 ms sum to 55 ms: the check at t = 55 sees exactly these 10 samples.
    const { clock, model } = setup((i) => (i % 10) + 1);
    const r = await measure(
      model,
      1,
      settings({ scenario: 'single-stream', minDurationS: 0.055, relCiPct: 300, concurrency: 4 }),
      { clock },
    );
    expect(model.maxInFlight).toBe(1); // concurrency is ignored: one query at a time
    expect(r.samplesMs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // p90 of 1..10: h = 8.1 → 9.1; median 5.5 → 1000/5.5 = 181.8/s; n = 10 CI [1, 10] → 50·5.5·0.9 = 247.5 %
    expect(r.headline.metric).toBe('p90Ms');
    expect(r.headline.value).toBeCloseTo(9.1, 12);
    expect(r.throughput.samplesPerS).toBeCloseTo(1000 / 5.5, 9);
    expect(r.relCiPct).toBeCloseTo(247.5, 9);
  });

  it('refuses a batch other than 1', async () => {
    const { clock, model } = setup([1]);
    const err = await measure(model, 2, settings({ scenario: 'single-stream' }), { clock }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('E_USAGE');
    expect((err as BenchError).message).toMatch(/--batch is 2/);
    expect(model.calls).toBe(0);
  });
});

describe('warnings and interruption', () => {
  it('flags a slow start and the outliers it causes', async () => {
    const { clock, model } = setup([20, 20, 20, 2]);
    const r = await measure(model, 1, settings({ minDurationS: 0.2 }), { clock });
    // Completions at 20, 40, 60, then every 2 ms: the check at t = 200 sees 3 + 70 = 73 samples,
    // median 2 and CI [2, 2] → stop. First 5 samples 20 20 20 2 2 → median 20 = 10× the median.
    expect(r.iterations).toBe(73);
    // The slow start also shows in wall time: 73 images in 0.2 s = 365/s against 1000/2 = 500/s from the
    // median, a 27 % gap.
    // 70 of 73 samples are 2 ms (MAD 0, robust cv 0): no W_HIGH_CV, the three stalls are the outliers.
    expect(codes(r)).toEqual(['W_SLOW_START', 'W_WALL_CLOCK_GAP', 'W_OUTLIERS']);
    expect(r.warnings.find((w) => w.code === 'W_WALL_CLOCK_GAP')?.message).toMatch(
      /\(365\/s\) are 27\.0 % below .* \(500\/s\)/,
    );
    const slow = r.warnings.find((w) => w.code === 'W_SLOW_START');
    expect(slow?.message).toBe('the first 5 measured iterations took 10.0× the median latency');
    expect(slow?.advice).toBe('increase --warmup');
    expect(r.latency.outliers).toBe(3);
  });

  it('warns about too few samples', async () => {
    const { clock, model } = setup([50]);
    const r = await measure(model, 1, settings({ minDurationS: 0.1 }), { clock });
    // 50 ms runs: the checks at t = 100 and 200 see 2 and 4 samples, too few for a 95 % CI of the
    // median; the one at t = 300 sees 6 identical samples → CI [50, 50] → stop.
    expect(r.iterations).toBe(6);
    expect(codes(r)).toEqual(['W_FEW_SAMPLES']);
    expect(r.warnings[0]?.advice).toBe('increase --duration or --min-iterations');
  });

  it('stops promptly on abort and returns what it measured', async () => {
    const { clock, model } = setup([1]);
    const ctl = new AbortController();
    const r = await measure(model, 1, settings({ minDurationS: 10, maxDurationS: 20 }), {
      clock,
      signal: ctl.signal,
      onProgress: (_f, info) => {
        if (info.iterations >= 100) ctl.abort();
      },
    });
    // Aborted at the t = 100 check (100 samples); the next run completes and the loop stops.
    expect(r.aborted).toBe(true);
    expect(r.iterations).toBe(101);
    expect(r.cutByMaxDuration).toBe(false);
    expect(codes(r)).toContain('W_ABORTED');
  });

  it('stays interruptible on the real clock even when run() never leaves the microtask queue', async () => {
    // The only real-time test: a timer aborts after 50 ms; the loop must see it at its next check
    // (~100 ms) instead of running to --duration 10 s. The bound is loose so a loaded box cannot flake it.
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const r = await measure({ run: async () => {} }, 1, settings({ minDurationS: 10, maxDurationS: 20 }), {
      signal: ctl.signal,
    });
    expect(r.aborted).toBe(true);
    expect(r.wallTimeS).toBeLessThan(5);
    expect(r.iterations).toBeGreaterThan(0);
  });

  it('returns an empty, finite result when aborted before measuring', async () => {
    const { clock, model } = setup([1]);
    const ctl = new AbortController();
    ctl.abort();
    const r = await measure(model, 1, settings({ warmupIterations: 5 }), { clock, signal: ctl.signal });
    expect(model.calls).toBe(0);
    expect(r.iterations).toBe(0);
    expect(r.throughput.samplesPerS).toBe(0);
    expect(r.latency.medianMs).toBe(0);
    expect(codes(r)).toEqual(['W_ABORTED', 'W_FEW_SAMPLES']);
  });

  it('rejects --duration above --max-duration with a usage error', async () => {
    const { clock, model } = setup([1]);
    const err = await measure(model, 1, settings({ minDurationS: 5, maxDurationS: 2 }), { clock }).catch(
      (e: unknown) => e,
    );
    expect((err as BenchError).code).toBe('E_USAGE');
    expect((err as BenchError).message).toBe('--duration 5 s exceeds --max-duration 2 s');
  });
});

describe('real clock', () => {
  it('sleep resolves early, without rejecting, when aborted', async () => {
    const ctl = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ctl.abort(), 10);
    await realClock.sleep(60_000, ctl.signal);
    expect(performance.now() - t0).toBeLessThan(5000);
    await expect(realClock.sleep(60_000, ctl.signal)).resolves.toBeUndefined();
  });

  it('sleepUntil never resolves before its time (a server arrival is never admitted early)', async () => {
    for (const ahead of [0, 0.3, 1, 3, 7]) {
      const at = performance.now() + ahead;
      await realClock.sleepUntil?.(at);
      expect(performance.now()).toBeGreaterThanOrEqual(at);
    }
  });

  it('sleepUntil returns at once when aborted', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const t0 = performance.now();
    await realClock.sleepUntil?.(t0 + 60_000, ctl.signal);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

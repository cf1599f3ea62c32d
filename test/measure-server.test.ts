import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import { measure } from '../src/measure/measure.js';
import { PEAK_MAX_TRIALS } from '../src/measure/qps-search.js';
import { exponentialGapsMs } from '../src/measure/poisson.js';
import { mulberry32 } from '../src/core/random.js';
import type { MeasureSettings } from '../src/measure/types.js';
import { setup } from './fake-engine.js';

function server(over: Partial<MeasureSettings> = {}): MeasureSettings {
  return {
    scenario: 'server',
    warmupIterations: 0,
    minDurationS: 5,
    minIterations: 0,
    maxDurationS: 10,
    relCiPct: 1,
    concurrency: 1,
    seed: 42,
    qps: 10,
    latencyBoundMs: 10,
    ...over,
  };
}

describe('seeded Poisson arrivals', () => {
  it('mulberry32 is reproducible and uniform on [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(mulberry32(8)()).not.toBe(xs[0]);
  });

  it('exponential gaps average 1000/qps ms', () => {
    const gap = exponentialGapsMs(7, 100);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += gap();
    // Mean 10 ms; the sd of a 20 000-gap mean is 10/√20000 = 0.07 ms, and the seed fixes the draw.
    expect(sum / 20_000).toBeGreaterThan(9.8);
    expect(sum / 20_000).toBeLessThan(10.2);
  });
});

describe('server scenario', () => {
  it('measures from scheduled arrival, meets the bound at low load, and is deterministic per seed', async () => {
    const run = async (seed: number): Promise<Awaited<ReturnType<typeof measure>>> => {
      const { clock, model } = setup([2]);
      return measure(model, 1, server({ seed }), { clock });
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a.samplesMs).toEqual(b.samplesMs);
    expect(a.samplesMs).not.toEqual(c.samplesMs);
    // 10 qps for 5 s ≈ 50 queries; each takes 2 ms, plus the wait when it arrives behind another.
    expect(a.iterations).toBeGreaterThan(30);
    expect(a.iterations).toBeLessThan(80);
    expect(a.samplesMs.every((x) => x >= 2)).toBe(true);
    expect(a.latency.medianMs).toBe(2);
    expect(a.server).toMatchObject({ targetQps: 10, latencyBoundMs: 10, met: true, arrivalLagP99Ms: 0 });
    // Below 100 queries LoadGen's p99 (rank ⌊0.99·n⌋) is the slowest query; the interpolated one is below it.
    expect(a.server?.p99Ms).toBe(a.latency.maxMs);
    expect(a.headline).toEqual({ metric: 'p99Ms', value: a.latency.maxMs });
    // Throughput is completions over wall time with a Poisson interval (N ± 1.96√N)/T.
    const n = a.iterations;
    const t = a.wallTimeS;
    expect(a.throughput.method).toBe('wall-clock');
    expect(a.throughput.samplesPerS).toBeCloseTo(n / t, 9);
    expect(a.throughput.ci95[0]).toBeCloseTo((n - 1.96 * Math.sqrt(n)) / t, 9);
    expect(a.throughput.ci95[1]).toBeCloseTo((n + 1.96 * Math.sqrt(n)) / t, 9);
    expect(a.server?.achievedQps).toBeCloseTo(n / t, 9);
    expect(a.warnings.map((w) => w.code)).toEqual(['W_FEW_SAMPLES_FOR_P99']);
  });

  it('gives each query the latency of a FIFO single-server queue (Lindley recursion)', async () => {
    // Independent model of the same schedule: arrivals a_i from the seeded gaps, one stream of 7 ms
    // service; query i starts at max(a_i, end of i-1) and its latency runs from a_i to its end.
    const service = 7;
    const { clock, model } = setup([service]);
    const r = await measure(model, 1, server({ qps: 100, minDurationS: 1, maxDurationS: 5 }), { clock });
    const gap = exponentialGapsMs(42, 100);
    const arrivals: number[] = [];
    // Arrivals stop at the first wake-up at or after 1 s, which admits the arrival due then.
    for (let t = gap(); ; t += gap()) {
      arrivals.push(t);
      if (t >= 1000) break;
    }
    let free = 0;
    const expected = arrivals.map((at) => {
      free = Math.max(at, free) + service;
      return free - at;
    });
    expect(r.samplesMs.length).toBe(arrivals.length);
    r.samplesMs.forEach((ms, i) => expect(ms).toBeCloseTo(expected[i] as number, 9));
  });

  it('is not valid when cut at --max-duration short of --min-iterations, even within the bound', async () => {
    // 5 QPS for at most 2 s cannot bring the 200 queries asked for; every query is fast.
    const { clock, model } = setup([1]);
    const r = await measure(
      model,
      1,
      server({ qps: 5, minDurationS: 1, minIterations: 200, maxDurationS: 2 }),
      {
        clock,
      },
    );
    expect(r.cutByMaxDuration).toBe(true);
    expect(r.server?.p99Ms).toBe(1);
    // The bound was met, but LoadGen would call the run INVALID: the result says both.
    expect(r.server?.met).toBe(true);
    expect(r.server?.cutShort).toBe(true);
    const cut = r.warnings.find((w) => w.code === 'W_CUT_BY_MAX_DURATION');
    expect(cut?.message).toBe(
      `stopped at --max-duration 2 s with ${r.iterations} of the 200 minimum queries`,
    );
    expect(cut?.advice).toBe('raise --max-duration, or lower --min-iterations or raise --qps');
    // The bound itself was not missed, so no W_BOUND_MISSED.
    expect(r.warnings.map((w) => w.code)).not.toContain('W_BOUND_MISSED');
  });

  it('warns that a fixed-rate run missing its bound is not a valid result at that load', async () => {
    // Every query takes 12 ms against a 10 ms bound, at 10 QPS: nothing queues up, every query is late.
    const { clock, model } = setup([12]);
    const r = await measure(model, 1, server(), { clock });
    expect(r.server).toMatchObject({ met: false, p99Ms: r.latency.maxMs });
    expect(r.latency.maxMs).toBeGreaterThanOrEqual(12);
    const missed = r.warnings.find((w) => w.code === 'W_BOUND_MISSED');
    expect(missed?.message).toBe(
      `p99 ${r.latency.maxMs.toFixed(1)} ms misses the 10.0 ms bound at 10.0 QPS: not a valid result at this load`,
    );
    expect(missed?.advice).toMatch(/--find-peak/);
  });

  it('queues behind `concurrency` in-flight queries and charges the wait to latency', async () => {
    // 1000 qps against 2 ms service on one stream (capacity 500/s): a backlog builds up.
    const { clock, model } = setup([2]);
    const r = await measure(model, 1, server({ qps: 1000, minDurationS: 0.5, maxDurationS: 0.6 }), { clock });
    expect(model.maxInFlight).toBe(1);
    // Arrivals stop at 0.5 s (~500 queued); 0.6 s of service completes at most 300 of them.
    expect(r.iterations).toBeLessThanOrEqual(300);
    expect(r.server?.met).toBe(false);
    expect(r.latency.p99Ms).toBeGreaterThan(100);
    const backlog = r.warnings.find((w) => w.code === 'W_SERVER_BACKLOG');
    expect(backlog?.message).toMatch(
      /queries were still queued at --max-duration: the system cannot sustain 1000 QPS/,
    );
    expect(r.server?.achievedQps).toBeLessThanOrEqual(500);
  });

  it('uses up to `concurrency` streams', async () => {
    const { clock, model } = setup([8]);
    const r = await measure(
      model,
      1,
      server({ qps: 200, concurrency: 2, minDurationS: 1, latencyBoundMs: 1000 }),
      { clock },
    );
    expect(model.maxInFlight).toBe(2);
    expect(r.server?.met).toBe(true);
  });

  it('finds the peak rate within a bounded number of trials', async () => {
    // 10 ms per query on one stream: capacity 100 qps; the search starts at 0.8 · 100 = 80 qps.
    const { clock, model } = setup([10]);
    const r = await measure(
      model,
      1,
      server({
        qps: undefined,
        findPeak: true,
        warmupIterations: 3,
        minDurationS: 2,
        maxDurationS: 4,
        latencyBoundMs: 50,
      }),
      { clock },
    );
    const steps = r.server?.search ?? [];
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.length).toBeLessThanOrEqual(PEAK_MAX_TRIALS);
    expect(steps[0]?.qps).toBeCloseTo(80, 9);
    const met = steps.filter((s) => s.met);
    expect(met.length).toBeGreaterThan(0);
    const best = Math.max(...met.map((s) => s.qps));
    // The confirmation run is at the best rate found, below the 100 qps capacity.
    expect(r.server?.targetQps).toBe(best);
    expect(best).toBeLessThan(100);
    expect(best).toBeGreaterThan(20);
    // Every rate above a failed one that was tried also failed (the bracket is consistent).
    const lowestFail = Math.min(...steps.filter((s) => !s.met).map((s) => s.qps));
    expect(best).toBeLessThan(lowestFail);
  });

  it('warns when no rate meets the bound', async () => {
    const { clock, model } = setup([10]);
    const r = await measure(
      model,
      1,
      server({
        qps: undefined,
        findPeak: true,
        warmupIterations: 1,
        minDurationS: 1,
        maxDurationS: 2,
        latencyBoundMs: 5,
      }),
      { clock },
    );
    // 10 ms service can never give p99 ≤ 5 ms.
    expect(r.server?.met).toBe(false);
    expect(r.server?.search?.every((s) => !s.met)).toBe(true);
    expect(r.warnings.map((w) => w.code)).toContain('W_PEAK_NOT_FOUND');
  });

  it('needs a latency bound and a rate', async () => {
    const { clock, model } = setup([1]);
    const noBound = await measure(model, 1, server({ latencyBoundMs: undefined }), { clock }).catch(
      (e: unknown) => e,
    );
    expect((noBound as BenchError).code).toBe('E_USAGE');
    expect((noBound as BenchError).hint).toBe('add --latency-bound <ms>');
    const noRate = await measure(model, 1, server({ qps: undefined }), { clock }).catch((e: unknown) => e);
    expect((noRate as BenchError).hint).toMatch(/--qps.*--find-peak/);
  });
});

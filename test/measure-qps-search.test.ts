/**
 * --find-peak's confirmation logic with a scripted trial runner: which rates "meet" the bound is fixed
 * by the script, so the step-down is exact. (The search itself is tested on the virtual clock in
 * measure-server.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { findPeak, PEAK_MAX_CONFIRMATIONS, type TrialRunner } from '../src/measure/qps-search.js';
import type { ServerTrialOutcome } from '../src/measure/server.js';
import { diagnose } from '../src/measure/warnings.js';
import { summarize } from '../src/stats/statistics.js';
import { VirtualClock } from './fake-engine.js';

const settings = {
  latencyBoundMs: 10,
  concurrency: 1,
  minDurationS: 2,
  minIterations: 0,
  maxDurationS: 4,
  seed: 1,
};
const model = { run: async () => undefined };

/** Short trials (search) meet the bound up to `searchLimit` QPS; full-length ones up to `fullLimit`. */
function scripted(searchLimit: number, fullLimit: number): { runner: TrialRunner; full: number[] } {
  const full: number[] = [];
  const runner: TrialRunner = async (_m, s) => {
    const isFull = s.minDurationS === settings.minDurationS;
    if (isFull) full.push(s.qps);
    const met = s.qps <= (isFull ? fullLimit : searchLimit);
    const outcome: ServerTrialOutcome = {
      qps: s.qps,
      samplesMs: [1],
      wallTimeS: 1,
      achievedQps: s.qps,
      arrived: 1,
      dropped: 0,
      p99Ms: met ? 5 : 20,
      arrivalLagP99Ms: 0,
      met,
      cutByMaxDuration: false,
      aborted: false,
    };
    return outcome;
  };
  return { runner, full };
}

describe('peak confirmation', () => {
  it('reports the search peak when its full-length run meets the bound', async () => {
    const { runner, full } = scripted(100, 1000);
    const peak = await findPeak(model, settings, 100, new VirtualClock(), undefined, undefined, runner);
    // Start 0.8 · 100 = 80 (met), grow 120 (missed), then bisect between 80 and 120.
    expect(peak.steps[0]).toEqual({ qps: 80, p99Ms: 5, met: true });
    expect(peak.steps[1]).toEqual({ qps: 120, p99Ms: 20, met: false });
    const best = Math.max(...peak.steps.filter((s) => s.met).map((s) => s.qps));
    expect(full).toEqual([best]);
    expect(peak.confirmations).toEqual([{ qps: best, p99Ms: 5, met: true }]);
    expect(peak.final.met).toBe(true);
  });

  it('steps down to the next lower rate that met when a confirmation misses', async () => {
    // The search believes ~100 QPS works; full-length runs only hold 85 QPS.
    const { runner, full } = scripted(100, 85);
    const peak = await findPeak(model, settings, 100, new VirtualClock(), undefined, undefined, runner);
    // Search (limit 100): 80 met, 120 missed, √(80·120) = 97.98 met, √(97.98·120) = 108.4 missed,
    // √(97.98·108.4) = 103.1 missed, √(97.98·103.1) = 100.5 missed; 100.5 / 97.98 = 1.026 ≤ 1.05 stops.
    expect(peak.steps.map((s) => [Math.round(s.qps * 10) / 10, s.met])).toEqual([
      [80, true],
      [120, false],
      [98, true],
      [108.4, false],
      [103.1, false],
      [100.5, false],
    ]);
    // Full-length runs: 97.98 misses (limit 85), so step down to the next lower rate that met, 80, which holds.
    expect(full).toEqual([Math.sqrt(80 * 120), 80]);
    expect(peak.confirmations.map((c) => c.met)).toEqual([false, true]);
    expect(peak.final.met).toBe(true);
  });

  it('gives up after PEAK_MAX_CONFIRMATIONS and says the peak is not confirmed', async () => {
    const { runner, full } = scripted(100, 10);
    const peak = await findPeak(model, settings, 100, new VirtualClock(), undefined, undefined, runner);
    expect(full).toHaveLength(PEAK_MAX_CONFIRMATIONS);
    expect(peak.final.met).toBe(false);
    const warnings = diagnose({
      scenario: 'server',
      stats: summarize([20]),
      samplesMs: [20],
      cutByMaxDuration: false,
      aborted: false,
      maxDurationS: 4,
      relCiPct: Infinity,
      targetRelCiPct: 2,
      minIterations: 0,
      server: {
        qps: peak.final.qps,
        arrived: 1,
        dropped: 0,
        arrivalLagP99Ms: 0,
        p99Ms: peak.final.p99Ms,
        latencyBoundMs: 100,
        met: false,
        peakFound: true,
        confirmations: peak.confirmations,
      },
    });
    expect(warnings.map((w) => w.code)).toContain('W_PEAK_NOT_CONFIRMED');
    // The search explains the miss; the fixed-rate warning would repeat it.
    expect(warnings.map((w) => w.code)).not.toContain('W_BOUND_MISSED');
    expect(warnings.find((w) => w.code === 'W_PEAK_NOT_CONFIRMED')?.message).toMatch(
      /^no peak confirmed: 3 full-length runs/,
    );
  });
});

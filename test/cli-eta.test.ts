/** The progress display: the estimate of the time left in a sweep, and the bar's line. */
import cliProgress from 'cli-progress';
import { describe, expect, it } from 'vitest';
import {
  formatSeconds,
  predictIterationMs,
  remainingMs,
  ruleMs,
  SweepClock,
  type FinishedConfig,
} from '../src/cli/eta.js';
import type { RunResult } from '../src/results/schema.js';
import type { PendingConfig } from '../src/run/run.js';
import { syntheticConfig, syntheticRun } from './synthetic.js';
import { BAR_FORMAT, barPayload } from '../src/cli/run-progress.js';

/** A pending configuration of model file `sha` (one character) at `batch`, settings of syntheticConfig. */
const pending = (sha: string, batch: number, macsPerImage: number | null, threads = 2): PendingConfig => ({
  sha256: sha.repeat(64),
  macsPerImage,
  config: syntheticConfig('offline', batch, threads),
});

/** A finished configuration: `iterationMs` per batch, `elapsedMs` of wall time. */
const finished = (p: PendingConfig, iterationMs: number, elapsedMs: number): FinishedConfig => ({
  ...p,
  iterationMs,
  elapsedMs,
});

/** A measured run of `p` whose iterations all took `iterationMs` (or a failed one). */
const runOf = (p: PendingConfig, iterationMs: number, status: 'ok' | 'failed' = 'ok'): RunResult => {
  const run = syntheticRun({ model: 'm', batch: p.config.batch, samplesMs: Array(5).fill(iterationMs) });
  return status === 'ok' ? run : { ...run, status, samplesMs: [] };
};

describe('the time a configuration takes (syntheticConfig: 2 warm-up, >= 1 s and 5 iterations, <= 10 s)', () => {
  it('is the warm-up plus the longer of --duration and --min-iterations, cut at --max-duration', () => {
    const rule = syntheticConfig('offline', 1, 2);
    // 20 + 1000 (duration); 800 + 5 x 400; 10000 + 10000 (max duration); one 20 s iteration runs whole.
    expect([10, 400, 5000, 20_000].map((ms) => ruleMs(ms, rule))).toEqual([1020, 2800, 20_000, 60_000]);
  });

  it('predicts an iteration from the same file at the nearest batch, else by MACs, else not at all', () => {
    const done = [finished(pending('a', 1, 1e8), 10, 1100), finished(pending('a', 4, 1e8), 36, 1200)];
    expect(predictIterationMs(pending('a', 8, 1e8), done)).toBe(72); // batch 4's 36 ms x 8 / 4
    expect(predictIterationMs(pending('a', 2, 1e8), done)).toBe(20); // batch 1 and 4 equally near: the first
    // Another file: (10 + 36) ms over (1 + 4) x 1e8 MACs = 9.2e-8 ms per MAC, x 4e9 MACs.
    expect(predictIterationMs(pending('b', 1, 4e9), done)).toBeCloseTo(368, 9);
    // The same file at another thread count is another speed: by MACs too.
    expect(predictIterationMs(pending('a', 1, 1e8, 1), done)).toBeCloseTo(9.2, 9);
    expect(predictIterationMs(pending('c', 1, null), done)).toBeNull();
    expect(predictIterationMs(pending('b', 1, 4e9), [])).toBeNull();
  });

  it('sums the pending predictions, scaled by how the finished ones compare with the rule', () => {
    const done = [finished(pending('a', 1, 1e8), 10, 1530)]; // the rule says 1020 ms: x 1.5
    const left = [pending('a', 8, 1e8), pending('b', 1, 4e9), pending('c', 1, null)];
    // a b8: 80 ms -> 160 + 1000 = 1160 x 1.5 = 1740; b b1: 400 ms -> 2800 x 1.5 = 4200; c: the mean 1530.
    expect(remainingMs(left, done)).toBeCloseTo(7470, 9);
    expect(remainingMs(left, [])).toBeNull();
  });
});

describe('SweepClock', () => {
  it('says nothing before a configuration was measured, then the predicted time of those pending', () => {
    let t = 0;
    const clock = new SweepClock(() => t);
    const [a1, a8, b1] = [pending('a', 1, 1e8), pending('a', 8, 1e8), pending('b', 1, 4e9)];
    expect(clock.start([a1, a8, b1])).toBe('');
    t += 1530;
    clock.done(runOf(a1, 10));
    expect(clock.start([a8, b1])).toBe('about 6 s left'); // 1740 + 4200 ms, as above
    t += 2000; // from a1's end: a8's time and anything between
    clock.done(runOf(a8, 80));
    // Scale (1530 + 2000) / (1020 + 1160); b1 at (10 + 80) / 9e8 ms per MAC = 400 ms: 2800 x 1.619.
    expect(clock.start([b1])).toBe('about 5 s left');
  });

  it('keeps the mean time per configuration when no cost is known (every one about as long)', () => {
    let t = 1000;
    const clock = new SweepClock(() => t);
    const unknown = (i: number): PendingConfig => pending(String.fromCharCode(100 + i), 1, null);
    const all = Array.from({ length: 10 }, (_, i) => unknown(i));
    expect(clock.start(all)).toBe('');
    t += 4000;
    clock.done(runOf(all[0]!, 10));
    expect(clock.start(all.slice(1))).toBe('about 36 s left'); // 4 s each, 9 left
    t += 8000;
    clock.done(runOf(all[1]!, 10));
    expect(clock.start(all.slice(2))).toBe('about 48 s left'); // 4 s and 8 s: 6 s each, 8 left
  });

  it('leaves failed configurations (no time spent measuring) out, and starts the next at their end', () => {
    let t = 0;
    const clock = new SweepClock(() => t);
    const [x, y, z] = [pending('x', 1, null), pending('y', 1, null), pending('z', 1, null)];
    clock.start([x, y, z]);
    t += 10; // a model that did not load: over at once
    clock.done(runOf(x, 0, 'failed'));
    expect(clock.start([y, z])).toBe('');
    t += 30_000;
    clock.done(runOf(y, 10));
    expect(clock.start([z])).toBe('about 30 s left');
  });

  it('formats seconds, minutes and hours as an estimate reads', () => {
    expect([0.2, 40, 89, 90, 150, 5399, 5400, 9000].map(formatSeconds)).toEqual([
      '1 s',
      '40 s',
      '89 s',
      '2 min',
      '3 min',
      '90 min',
      '1.5 h',
      '2.5 h',
    ]);
  });
});

describe('the progress bar line', () => {
  /** The line cli-progress draws with BAR_FORMAT at `progress` (0..1) for this payload. */
  const render = (progress: number, payload: Record<string, unknown>): string =>
    cliProgress.Format.Formatter(
      {
        format: BAR_FORMAT,
        barsize: 10,
        barCompleteString: '#'.repeat(10),
        barIncompleteString: '-'.repeat(10),
        barGlue: '',
        autopaddingChar: '',
      },
      {
        progress,
        total: 100,
        value: progress * 100,
        eta: 7,
        startTime: Date.now(),
        stopTime: null,
        maxWidth: 200,
      },
      payload,
    );

  it('shows the configuration count and the time left, which cli-progress does not overwrite', () => {
    expect(render(0.5, barPayload(1, 4, 'tiny_cnn b2', 'about 36 s left'))).toBe(
      ' #####----- 50% | tiny_cnn b2 (2/4) | about 36 s left',
    );
    expect(render(0, barPayload(0, 4, 'tiny_cnn b1', ''))).toBe(' ---------- 0% | tiny_cnn b1 (1/4)');
  });
});

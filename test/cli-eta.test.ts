/** The progress display: the estimate of the time left in a sweep, and the bar's line. */
import cliProgress from 'cli-progress';
import { describe, expect, it } from 'vitest';
import { formatSeconds, SweepClock } from '../src/cli/eta.js';
import { BAR_FORMAT, barPayload } from '../src/cli/run.js';

describe('SweepClock', () => {
  it('says nothing before a configuration was measured, then mean time per measured one times those left', () => {
    let t = 1000;
    const clock = new SweepClock(() => t);
    expect(clock.start(10)).toBe(''); // 10 to measure, none measured yet
    t += 4000;
    clock.done(true);
    expect(clock.start(9)).toBe('about 36 s left'); // 4 s each, 9 left
    t += 8000;
    clock.done(true);
    expect(clock.start(8)).toBe('about 48 s left'); // 4 s and 8 s: 6 s each, 8 left
  });

  it('leaves failed configurations (no time spent measuring) out of the mean', () => {
    let t = 0;
    const clock = new SweepClock(() => t);
    clock.start(3);
    t += 10; // a model that did not load: over at once
    clock.done(false);
    expect(clock.start(2)).toBe('');
    t += 30_000;
    clock.done(true);
    expect(clock.start(1)).toBe('about 30 s left');
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

/** The progress display's estimate of the time left in a sweep. */
import { describe, expect, it } from 'vitest';
import { formatSeconds, SweepClock } from '../src/cli/eta.js';

describe('SweepClock', () => {
  it('says nothing before a configuration finished, then mean time per configuration times those left', () => {
    let t = 1000;
    const clock = new SweepClock(() => t);
    expect(clock.start(10)).toBe(''); // 10 left, none finished
    t += 4000;
    expect(clock.start(9)).toBe('about 36 s left'); // 4 s each, 9 left
    t += 8000;
    expect(clock.start(8)).toBe('about 48 s left'); // 12 s for 2: 6 s each, 8 left
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

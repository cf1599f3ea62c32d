/**
 * The time left in a sweep, for the progress display: every configuration is measured for about the
 * same time (--duration, capped by --max-duration), so the mean time of the configurations measured so
 * far, times the number still to measure, is a fair guess. A configuration that failed or was skipped
 * (a model that did not load ends in no time) does not count towards the mean, and kept ones
 * (--resume) are not among those to measure.
 */

/** Times a sweep's configurations and says how long the rest should take. */
export class SweepClock {
  private startedAtMs: number | undefined;
  private readonly measuredMs: number[] = [];

  /** @param now - clock in ms (tests pass a fake one). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * A configuration starts; `toMeasure` counts it and every one after it still to be measured.
   * Returns the estimate of the time left as text (`about 3 min left`), or '' before one was measured.
   */
  start(toMeasure: number): string {
    this.startedAtMs = this.now();
    const n = this.measuredMs.length;
    if (n === 0) return '';
    const meanMs = this.measuredMs.reduce((a, b) => a + b, 0) / n;
    return `about ${formatSeconds((meanMs * toMeasure) / 1000)} left`;
  }

  /** The configuration started last ended; `measured`: it ran (status ok), so its time counts. */
  done(measured: boolean): void {
    if (measured && this.startedAtMs !== undefined) this.measuredMs.push(this.now() - this.startedAtMs);
    this.startedAtMs = undefined;
  }
}

/** Seconds as people read an estimate: `40 s`, `3 min`, `1.5 h`. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * The time left in a sweep, for the progress display: every configuration is measured for about the
 * same time (--duration, capped by --max-duration), so the mean time of those finished so far,
 * times the number left, is a fair guess. Kept configurations (--resume) take no time and count
 * neither way.
 */

/** Counts a sweep's measured configurations as they start and says how long the rest should take. */
export class SweepClock {
  private startedAtMs: number | undefined;
  private started = 0;

  /** @param now - clock in ms (tests pass a fake one). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * A configuration to be measured starts; `left` counts it and every one after it. Returns the
   * estimate of the time left as text (`about 3 min left`), or '' before one has finished.
   */
  start(left: number): string {
    const t = this.now();
    this.startedAtMs ??= t;
    const finished = this.started++;
    if (finished === 0) return '';
    return `about ${formatSeconds((((t - this.startedAtMs) / finished) * left) / 1000)} left`;
  }
}

/** Seconds as people read an estimate: `40 s`, `3 min`, `1.5 h`. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

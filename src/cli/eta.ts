/**
 * The time left in a sweep, for the progress display. A configuration's time is its warm-up plus the
 * stop rule (at least --duration and --min-iterations, at most --max-duration), so it depends on how
 * long one iteration takes: a large model at a large batch can take many times longer than the
 * small one before it. Each pending configuration's iteration time is predicted from the finished
 * ones: the same model file at another batch scales by batch; another model scales by MACs; a model
 * of unknown cost takes the mean time of those finished. The ratio of the finished configurations'
 * real time to what the same rule gives for their measured iterations (session creation, the CI
 * rule, scheduling) scales the predictions. Failed or skipped configurations (a model that did not
 * load ends in no time) are left out, and kept ones (--resume) are not among those pending.
 */
import type { RunConfig, RunResult } from '../results/schema.js';
import type { PendingConfig } from '../run/run.js';
import { median } from '../stats/statistics.js';

/** The settings that decide how long a configuration runs. */
type StopRule = Pick<RunConfig, 'warmupIterations' | 'minDurationS' | 'minIterations' | 'maxDurationS'>;

/** A configuration that was measured: what it took, and what the prediction of others needs. */
export interface FinishedConfig extends PendingConfig {
  /** Wall time from the previous configuration's end (its session's creation included) to its own, ms. */
  elapsedMs: number;
  /** Median time of one iteration (a batch), ms. */
  iterationMs: number;
}

/**
 * The time the stop rule gives a configuration whose iterations take `iterationMs`: the warm-up
 * iterations, then at least --duration and --min-iterations, cut at --max-duration (but at least one
 * iteration), in ms.
 */
export function ruleMs(iterationMs: number, rule: StopRule): number {
  const wanted = Math.max(rule.minDurationS * 1000, rule.minIterations * iterationMs);
  return (
    rule.warmupIterations * iterationMs + Math.max(iterationMs, Math.min(rule.maxDurationS * 1000, wanted))
  );
}

/** Work of one iteration, for scaling between models: MACs per image × batch; null when unknown. */
function work(c: PendingConfig): number | null {
  return c.macsPerImage !== null && c.macsPerImage > 0 ? c.macsPerImage * c.config.batch : null;
}

/**
 * The predicted iteration time of `p`, ms: from a finished run of the same file and thread count (the
 * nearest batch, scaled by batch), else from the finished runs' time per MAC; null when neither applies.
 */
export function predictIterationMs(p: PendingConfig, finished: readonly FinishedConfig[]): number | null {
  const distance = (f: FinishedConfig): number => Math.abs(Math.log(f.config.batch / p.config.batch));
  const same = finished
    .filter((f) => f.sha256 === p.sha256 && f.config.threads === p.config.threads)
    .sort((a, b) => distance(a) - distance(b))[0];
  if (same) return (same.iterationMs * p.config.batch) / same.config.batch;
  const w = work(p);
  const costed = finished.filter((f) => work(f) !== null);
  if (w === null || costed.length === 0) return null;
  const msPerMac =
    costed.reduce((a, f) => a + f.iterationMs, 0) / costed.reduce((a, f) => a + (work(f) ?? 0), 0);
  return msPerMac * w;
}

/** The predicted time of every configuration in `pending`, ms, from those `finished`; null before any finished. */
export function remainingMs(
  pending: readonly PendingConfig[],
  finished: readonly FinishedConfig[],
): number | null {
  if (finished.length === 0) return null;
  const elapsed = finished.reduce((a, f) => a + f.elapsedMs, 0);
  const ruled = finished.reduce((a, f) => a + ruleMs(f.iterationMs, f.config), 0);
  const scale = ruled > 0 ? elapsed / ruled : 1;
  const meanMs = elapsed / finished.length;
  return pending.reduce((total, p) => {
    const iterationMs = predictIterationMs(p, finished);
    return total + (iterationMs === null ? meanMs : scale * ruleMs(iterationMs, p.config));
  }, 0);
}

/** Times a sweep's configurations and says how long the rest should take. */
export class SweepClock {
  private startedAtMs: number | undefined;
  private lastEndMs: number | undefined;
  private current: PendingConfig | undefined;
  private readonly finished: FinishedConfig[] = [];

  /** @param now - clock in ms (tests pass a fake one). */
  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * A configuration starts; `pending` holds it (first) and every one still to be measured. Returns
   * the estimate of the time left as text (`about 3 min left`), or '' before one was measured.
   */
  start(pending: readonly PendingConfig[]): string {
    // From the previous configuration's end: loading this one's session (seconds for a big model,
    // minutes for a TensorRT engine build) happened in between and belongs to its time.
    this.startedAtMs = this.lastEndMs ?? this.now();
    this.current = pending[0];
    const ms = remainingMs(pending, this.finished);
    return ms === null ? '' : `about ${formatSeconds(ms / 1000)} left`;
  }

  /** The configuration started last ended as `run`; its time counts when it was measured (status ok). */
  done(run: RunResult): void {
    const end = this.now();
    const positive = run.samplesMs.filter((s) => s > 0);
    if (run.status === 'ok' && this.startedAtMs !== undefined && this.current && positive.length > 0) {
      this.finished.push({
        ...this.current,
        config: run.config,
        elapsedMs: end - this.startedAtMs,
        iterationMs: median(positive),
      });
    }
    this.startedAtMs = undefined;
    this.current = undefined;
    this.lastEndMs = end;
  }
}

/** Seconds as people read an estimate: `40 s`, `3 min`, `1.5 h`. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

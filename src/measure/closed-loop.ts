/**
 * The closed loop of the offline and single-stream scenarios: `concurrency` workers each issue run()
 * back to back (concurrency 1 is strictly sequential) until the stop rule holds.
 *
 * Stop rule: elapsed ≥ minDuration AND iterations ≥ minIterations AND the relative half-width of the
 * throughput's 95 % CI (from the median's order-statistic CI, which needs 6 samples) ≤ relCiPct; or
 * elapsed ≥ maxDuration.
 * The rule is checked only when a run completes after `nextCheckAt`, never per iteration: the check
 * sorts a copy of the samples, so after each check the next one waits max(100 ms, 100 × the check's
 * own cost), keeping the checks below ~1 % of the measured time even for very fast models.
 */
import { MIN_CI_SAMPLES, medianCi95, percentile, throughputRelCiPct } from '../stats/statistics.js';
import type { Clock, ProgressCallback, Runnable } from './types.js';

/** Settings of one closed-loop measurement. */
export interface ClosedLoopSettings {
  concurrency: number;
  minDurationS: number;
  minIterations: number;
  maxDurationS: number;
  relCiPct: number;
}

/** What the closed loop measured. */
export interface ClosedLoopOutcome {
  samplesMs: number[];
  wallTimeS: number;
  /** Relative CI half-width (percent) at the last check; Infinity if never computed. */
  relCiPct: number;
  /** True when all stop conditions held (not cut by max duration, not aborted). */
  converged: boolean;
  cutByMaxDuration: boolean;
  aborted: boolean;
}

/** Base interval between stop-rule checks and progress reports, in ms. */
const CHECK_INTERVAL_MS = 100;

/** A check may cost at most 1/CHECK_COST_FACTOR of the time until the next one. */
const CHECK_COST_FACTOR = 100;

/**
 * Relative CI half-width (percent) of the throughput implied by `samplesMs` (sorted copy; O(n log n)).
 * Infinity below MIN_CI_SAMPLES, where no 95 % interval exists: two close samples must not end a run.
 */
function samplesRelCiPct(samplesMs: readonly number[]): number {
  if (samplesMs.length < MIN_CI_SAMPLES) return Infinity;
  const sorted = Float64Array.from(samplesMs).sort();
  return throughputRelCiPct(percentile(sorted, 50), medianCi95(sorted));
}

/** Runs the closed loop; rethrows the first error of run() after stopping the other workers. */
export async function runClosedLoop(
  model: Runnable,
  settings: ClosedLoopSettings,
  clock: Clock,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
): Promise<ClosedLoopOutcome> {
  const samples: number[] = [];
  const minMs = settings.minDurationS * 1000;
  const maxMs = settings.maxDurationS * 1000;
  const start = clock.now();
  const deadline = start + maxMs;
  let nextCheckAt = start + Math.min(CHECK_INTERVAL_MS, minMs, maxMs);
  let stop = false;
  let converged = false;
  let cut = false;
  let aborted = false;
  let relCi = Infinity;

  const check = (t: number): void => {
    const elapsed = t - start;
    const n = samples.length;
    let cost = 0;
    if (elapsed >= minMs && n >= settings.minIterations) {
      const c0 = clock.now();
      relCi = samplesRelCiPct(samples);
      cost = clock.now() - c0;
      if (relCi <= settings.relCiPct) converged = true;
    }
    if (converged) stop = true;
    else if (t >= deadline) stop = cut = true;
    if (onProgress && !stop) {
      const toMin = Math.min(elapsed / minMs, settings.minIterations > 0 ? n / settings.minIterations : 1);
      const fraction = Math.min(0.99, Math.max(toMin, elapsed / maxMs));
      onProgress(fraction, {
        phase: 'measure',
        iterations: n,
        elapsedS: elapsed / 1000,
        ...(Number.isFinite(relCi) ? { relCiPct: relCi } : {}),
      });
    }
    nextCheckAt = Math.min(t + Math.max(CHECK_INTERVAL_MS, CHECK_COST_FACTOR * cost), deadline);
  };

  // The hot path: two clock reads, one push, two comparisons per iteration.
  const worker = async (): Promise<void> => {
    while (!stop) {
      const t0 = clock.now();
      await model.run();
      const t1 = clock.now();
      samples.push(t1 - t0);
      if (signal?.aborted) {
        aborted = stop = true;
      } else if (t1 >= nextCheckAt && !stop) {
        check(t1);
        if (!stop && clock.yieldToEventLoop) await clock.yieldToEventLoop();
      }
    }
  };

  const workers: Promise<void>[] = [];
  for (let i = 0; i < settings.concurrency; i++) {
    workers.push(
      worker().catch((e: unknown) => {
        stop = true;
        throw e;
      }),
    );
  }
  // Wait for every worker (their in-flight runs finish) before reporting the first failure.
  const settled = await Promise.allSettled(workers);
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  const end = clock.now();
  // The CI of the final sample set (more runs may have completed since the last check).
  if (samples.length > 0 && (!converged || settings.concurrency > 1)) relCi = samplesRelCiPct(samples);
  return {
    samplesMs: samples,
    wallTimeS: (end - start) / 1000,
    relCiPct: relCi,
    converged,
    cutByMaxDuration: cut,
    aborted,
  };
}

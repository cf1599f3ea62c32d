/**
 * One server-scenario trial (MLPerf LoadGen style): queries arrive as a Poisson process at `qps`
 * (seeded exponential gaps, so the schedule is reproducible), and each query's latency runs from its
 * SCHEDULED arrival to its completion, so a system that falls behind pays for the wait (no
 * coordinated omission).
 *
 * Rules, as implemented:
 * - At most `concurrency` run() calls are in flight; an arrival finding them all busy waits in the
 *   harness's FIFO queue (its latency still counts from its scheduled arrival).
 * - Arrivals stop once elapsed ≥ minDuration and arrivals ≥ minIterations, or at maxDuration.
 * - Queued queries are still issued until maxDuration; nothing is issued after it. Queries still
 *   queued then are counted as `dropped`, and a trial with dropped queries does not meet the bound.
 * - met = LoadGen's p99 of completed queries (the sample at rank ⌊0.99·n⌋, not interpolated) ≤
 *   latencyBoundMs and nothing dropped. A trial whose arrivals were cut at maxDuration before the
 *   minimum duration and query count held (`cutByMaxDuration`) is what LoadGen calls INVALID whatever
 *   its p99; the result records that beside `met` (ServerResult.cutShort).
 * - The harness admits an arrival when its timer wakes. How late that was, for arrivals scheduled
 *   while a stream was free (otherwise they would have queued anyway), is the harness's own addition to their
 *   latency: recorded as `arrivalLagP99Ms`, and kept small by spinning the last moments before each
 *   arrival on the real clock.
 */
import { loadgenPercentile, percentile } from '../stats/statistics.js';
import { exponentialGapsMs } from './poisson.js';
import type { Clock, ProgressCallback, Runnable } from './types.js';

/** Settings of one server trial. */
export interface ServerTrialSettings {
  qps: number;
  latencyBoundMs: number;
  concurrency: number;
  minDurationS: number;
  minIterations: number;
  maxDurationS: number;
  seed: number;
}

/** Outcome of one server trial. */
export interface ServerTrialOutcome {
  qps: number;
  /** Latency per completed query in ms (scheduled arrival to completion), in completion order. */
  samplesMs: number[];
  /** Seconds from the trial's start to the last completion. */
  wallTimeS: number;
  /** Completed queries per second of wall time. */
  achievedQps: number;
  /** Queries that arrived (were scheduled) during the trial. */
  arrived: number;
  /** Queries still queued at maxDuration, never issued. */
  dropped: number;
  /** p99 latency in ms by LoadGen's rank rule (the figure `met` compares with the bound). */
  p99Ms: number;
  /** p99 in ms of how late the harness admitted arrivals that found a stream free (its own lateness). */
  arrivalLagP99Ms: number;
  /** p99 within the bound, nothing dropped, at least one query completed. */
  met: boolean;
  /** True when arrivals stopped at maxDuration before the minimum duration/iterations held. */
  cutByMaxDuration: boolean;
  aborted: boolean;
}

/** Runs one server trial. */
export async function runServerTrial(
  model: Runnable,
  settings: ServerTrialSettings,
  clock: Clock,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
): Promise<ServerTrialOutcome> {
  const gap = exponentialGapsMs(settings.seed, settings.qps);
  // Spin at most a tenth of the mean gap: at high rates a longer spin would keep the main thread busy
  // all the time, taking a core from the engine it measures.
  const spinMs = (0.1 * 1000) / settings.qps;
  const minMs = settings.minDurationS * 1000;
  const maxMs = settings.maxDurationS * 1000;
  const start = clock.now();
  const deadline = start + maxMs;
  const samples: number[] = [];
  const lagsMs: number[] = [];
  // FIFO of scheduled arrival times; `head` avoids O(n) shifts.
  const queue: number[] = [];
  let head = 0;
  let inFlight = 0;
  let arrived = 0;
  let nextArrival = start + gap();
  let failure: { error: unknown } | undefined;
  const running = new Set<Promise<void>>();
  // Wakes the main loop early when a completion frees a slot after the arrivals stopped.
  let wake: (() => void) | undefined;
  // Since when a stream has been free (nothing queued): an arrival scheduled before that would have
  // waited anyway, so its late admission is not the harness's lag. This matters because
  // onnxruntime-node runs inference synchronously on the main thread, which also delays the timers.
  let saturated = false;
  let freeSince = start;
  const noteLoad = (): void => {
    if (inFlight + (queue.length - head) >= settings.concurrency) saturated = true;
    else if (saturated) {
      saturated = false;
      freeSince = clock.now();
    }
  };

  const issue = (scheduledAt: number): void => {
    inFlight++;
    const p: Promise<void> = model.run().then(
      () => {
        samples.push(clock.now() - scheduledAt);
        inFlight--;
        running.delete(p);
        pump();
        noteLoad();
        wake?.();
      },
      (e: unknown) => {
        failure ??= { error: e };
        inFlight--;
        running.delete(p);
        wake?.();
      },
    );
    running.add(p);
  };
  const pump = (): void => {
    if (failure || signal?.aborted || clock.now() >= deadline) return;
    while (inFlight < settings.concurrency && head < queue.length) issue(queue[head++] as number);
  };

  let cut = false;
  let lastReport = start;
  // Arrival phase: admit every arrival that is due, then sleep until the next one.
  for (;;) {
    const t = clock.now();
    if (failure || signal?.aborted) break;
    while (nextArrival <= t) {
      // Lateness is the harness's only where a stream was free at the scheduled time.
      if (!saturated && nextArrival >= freeSince) lagsMs.push(t - nextArrival);
      queue.push(nextArrival);
      noteLoad();
      arrived++;
      nextArrival += gap();
    }
    pump();
    const elapsed = t - start;
    if (elapsed >= minMs && arrived >= settings.minIterations) break;
    if (t >= deadline) {
      cut = true;
      break;
    }
    if (onProgress && t - lastReport >= 100) {
      lastReport = t;
      const toMin = Math.min(
        elapsed / minMs,
        settings.minIterations > 0 ? arrived / settings.minIterations : 1,
      );
      onProgress(Math.min(0.99, toMin), {
        phase: 'measure',
        iterations: samples.length,
        elapsedS: elapsed / 1000,
        qps: settings.qps,
      });
    }
    const wakeAt = Math.min(nextArrival, deadline);
    await (clock.sleepUntil ? clock.sleepUntil(wakeAt, signal, spinMs) : clock.sleep(wakeAt - t, signal));
  }
  // Drain phase: the queue empties through completions (pump) until the deadline.
  while (!failure && !signal?.aborted && head < queue.length && clock.now() < deadline) {
    const waitCtl = new AbortController();
    const woken = new Promise<void>((resolve) => (wake = resolve));
    await Promise.race([woken, clock.sleep(deadline - clock.now(), waitCtl.signal)]);
    wake = undefined;
    waitCtl.abort();
  }
  while (running.size > 0) await Promise.all([...running]);
  if (failure) throw failure.error;
  const end = clock.now();
  const dropped = queue.length - head;
  const wallS = (end - start) / 1000;
  const p99Ms = loadgenPercentile(Float64Array.from(samples).sort(), 99);
  return {
    qps: settings.qps,
    samplesMs: samples,
    wallTimeS: wallS,
    achievedQps: wallS > 0 ? samples.length / wallS : 0,
    arrived,
    dropped,
    p99Ms,
    arrivalLagP99Ms: percentile(Float64Array.from(lagsMs).sort(), 99),
    met: samples.length > 0 && dropped === 0 && p99Ms <= settings.latencyBoundMs,
    cutByMaxDuration: cut,
    aborted: signal?.aborted ?? false,
  };
}

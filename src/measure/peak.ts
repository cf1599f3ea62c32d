/**
 * --find-peak: the highest Poisson arrival rate whose p99 latency meets the bound.
 *
 * Search, bounded to PEAK_MAX_TRIALS short trials:
 * 1. Start at 0.8 × the capacity estimate concurrency · 1000 / median warmup latency (queries/s).
 * 2. Bracket: while trials meet the bound multiply the rate by 1.5; while they miss, halve it.
 * 3. Bisect geometrically (√(lo·hi)) until hi/lo ≤ 1.05 or the trials are used up.
 * Each search trial lasts max(0.25 s, minDuration/2) with a hard cap of twice that, so the search
 * takes at most 8 × 2 × that; the reported figures then come from one full-length confirmation run
 * at the best rate found (which may, honestly, miss the bound when the system is noisy).
 */
import { runServerTrial, type ServerTrialOutcome, type ServerTrialSettings } from './server.js';
import type { Clock, ProgressCallback, Runnable } from './types.js';

/** Most search trials before the confirmation run. */
export const PEAK_MAX_TRIALS = 8;
/** Bisection ends once the bracket's upper/lower ratio is at most this. */
const PEAK_RESOLUTION = 1.05;
const GROW = 1.5;
const SHRINK = 0.5;

/** One step of the search, as recorded in ServerResult.search. */
export interface PeakStep {
  qps: number;
  p99Ms: number;
  met: boolean;
}

/** Outcome of the search. */
export interface PeakOutcome {
  /** The confirmation run at the best rate, or the lowest trial when no rate met the bound. */
  final: ServerTrialOutcome;
  steps: PeakStep[];
  /** False when no trial met the bound. */
  found: boolean;
  aborted: boolean;
}

/** Searches the peak rate; `capacityQps` is the starting estimate (> 0). */
export async function findPeak(
  model: Runnable,
  settings: Omit<ServerTrialSettings, 'qps'>,
  capacityQps: number,
  clock: Clock,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
): Promise<PeakOutcome> {
  const trialMinS = Math.max(0.25, settings.minDurationS / 2);
  const trialSettings = {
    ...settings,
    minDurationS: trialMinS,
    maxDurationS: Math.min(settings.maxDurationS, 2 * trialMinS),
  };
  if (trialSettings.maxDurationS < trialMinS) trialSettings.maxDurationS = trialMinS;
  const steps: PeakStep[] = [];
  let lo: ServerTrialOutcome | undefined;
  let hi: ServerTrialOutcome | undefined;
  let lowest: ServerTrialOutcome | undefined;

  const trial = async (qps: number): Promise<ServerTrialOutcome> => {
    onProgress?.(steps.length / (PEAK_MAX_TRIALS + 1), {
      phase: 'peak-search',
      iterations: 0,
      elapsedS: 0,
      qps,
    });
    const t = await runServerTrial(model, { ...trialSettings, qps }, clock, signal);
    steps.push({ qps, p99Ms: t.p99Ms, met: t.met });
    if (t.met) lo = lo && lo.qps > qps ? lo : t;
    else hi = hi && hi.qps < qps ? hi : t;
    if (!lowest || qps < lowest.qps) lowest = t;
    return t;
  };

  let qps = 0.8 * capacityQps;
  const first = await trial(qps);
  // Bracket.
  while (steps.length < PEAK_MAX_TRIALS && !signal?.aborted && (first.met ? !hi : !lo)) {
    qps *= first.met ? GROW : SHRINK;
    await trial(qps);
  }
  // Bisect.
  while (
    steps.length < PEAK_MAX_TRIALS &&
    !signal?.aborted &&
    lo &&
    hi &&
    hi.qps / lo.qps > PEAK_RESOLUTION
  ) {
    await trial(Math.sqrt(lo.qps * hi.qps));
  }
  const best = lo as ServerTrialOutcome | undefined;
  if (!best || signal?.aborted) {
    const final = best ?? (lowest as ServerTrialOutcome);
    return { final, steps, found: best !== undefined, aborted: signal?.aborted ?? false };
  }
  onProgress?.(steps.length / (PEAK_MAX_TRIALS + 1), {
    phase: 'measure',
    iterations: 0,
    elapsedS: 0,
    qps: best.qps,
  });
  const final = await runServerTrial(model, { ...settings, qps: best.qps }, clock, signal, onProgress);
  return { final, steps, found: true, aborted: final.aborted };
}

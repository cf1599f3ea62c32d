/**
 * --find-peak: the highest Poisson arrival rate whose p99 latency meets the bound.
 *
 * Search, bounded to PEAK_MAX_TRIALS short trials:
 * 1. Start at 0.8 × the capacity estimate concurrency · 1000 / median warmup latency (queries/s).
 * 2. Bracket: while trials meet the bound multiply the rate by 1.5; while they miss, halve it.
 * 3. Bisect geometrically (√(lo·hi)) until hi/lo ≤ 1.05 or the trials are used up.
 * Each search trial lasts max(0.25 s, minDuration/2) with a hard cap of twice that, so the search
 * takes at most 8 × 2 × that; the reported figures then come from a full-length confirmation run
 * at the best rate found. A confirmation that misses the bound (a noisy system) steps down to the next
 * lower rate that met in the search (or 0.9×) and confirms again, at most PEAK_MAX_CONFIRMATIONS times;
 * every confirmation is recorded, and an unconfirmed peak is reported as such, never as met.
 */
import { runServerTrial, type ServerTrialOutcome, type ServerTrialSettings } from './server.js';
import type { Clock, ProgressCallback, Runnable } from './types.js';

/** Most search trials before the confirmation run. */
export const PEAK_MAX_TRIALS = 8;
/** Most full-length confirmation runs (the first at the best rate, then stepping down). */
export const PEAK_MAX_CONFIRMATIONS = 3;
/** Step-down factor when no lower search rate met the bound. */
const CONFIRM_BACKOFF = 0.9;
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
  /** Full-length confirmation runs, in order; the last is `final`. */
  confirmations: PeakStep[];
  aborted: boolean;
}

/**
 * Seconds one search trial measures, from the run's --duration and --max-duration: at least
 * max(0.25, duration / 2), at most twice that (capped by --max-duration, never below the minimum).
 */
export function searchTrialS(minDurationS: number, maxDurationS: number): { min: number; max: number } {
  const min = Math.max(0.25, minDurationS / 2);
  return { min, max: Math.max(min, Math.min(maxDurationS, 2 * min)) };
}

/**
 * Bounds of a whole --find-peak in measured seconds: at least two search trials (one that meets the
 * bound and one that misses bracket the peak) and one confirmation; at most every trial and every
 * confirmation at their longest.
 */
export function peakSearchS(minDurationS: number, maxDurationS: number): { min: number; max: number } {
  const trial = searchTrialS(minDurationS, maxDurationS);
  return {
    min: 2 * trial.min + minDurationS,
    max: PEAK_MAX_TRIALS * trial.max + PEAK_MAX_CONFIRMATIONS * maxDurationS,
  };
}

/** Runs one server trial (the real one, or a scripted one in tests). */
export type TrialRunner = (
  model: Runnable,
  settings: ServerTrialSettings,
  clock: Clock,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
) => Promise<ServerTrialOutcome>;

/** Searches the peak rate; `capacityQps` is the starting estimate (> 0). */
export async function findPeak(
  model: Runnable,
  settings: Omit<ServerTrialSettings, 'qps'>,
  capacityQps: number,
  clock: Clock,
  signal?: AbortSignal,
  onProgress?: ProgressCallback,
  runTrial: TrialRunner = runServerTrial,
): Promise<PeakOutcome> {
  const trialS = searchTrialS(settings.minDurationS, settings.maxDurationS);
  const trialSettings = { ...settings, minDurationS: trialS.min, maxDurationS: trialS.max };
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
    const t = await runTrial(model, { ...trialSettings, qps }, clock, signal);
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
    return { final, steps, found: best !== undefined, confirmations: [], aborted: signal?.aborted ?? false };
  }
  const confirmations: PeakStep[] = [];
  let rate = best.qps;
  for (;;) {
    onProgress?.(steps.length / (PEAK_MAX_TRIALS + 1), {
      phase: 'measure',
      iterations: 0,
      elapsedS: 0,
      qps: rate,
    });
    const final = await runTrial(model, { ...settings, qps: rate }, clock, signal, onProgress);
    confirmations.push({ qps: rate, p99Ms: final.p99Ms, met: final.met });
    if (final.met || final.aborted || signal?.aborted || confirmations.length >= PEAK_MAX_CONFIRMATIONS) {
      return { final, steps, found: true, confirmations, aborted: final.aborted };
    }
    const lowerMet = steps.filter((s) => s.met && s.qps < rate).map((s) => s.qps);
    rate = lowerMet.length > 0 ? Math.max(...lowerMet) : rate * CONFIRM_BACKOFF;
  }
}

/**
 * The measurement loop's programmatic API: warmup, then the scenario's loop, then statistics,
 * throughput and warnings. Engines are seen only through `run()`.
 *
 * Scenarios:
 * - offline: `concurrency` closed loops, headline = throughput (median-latency method).
 * - single-stream: one query of batch 1 at a time, headline = p90 latency.
 * - server: Poisson arrivals at --qps (or --find-peak), headline = p99 latency, met if ≤ the bound.
 */
import { BenchError } from '../core/errors.js';
import { RunConfigSchema, type Throughput } from '../results/schema.js';
import { median, summarize, throughputFromLatency } from '../stats/statistics.js';
import { runClosedLoop } from './closed-loop.js';
import { realClock } from './clock.js';
import { findPeak, type PeakStep } from './qps-search.js';
import { runServerTrial, type ServerTrialOutcome } from './server.js';
import type { Clock, MeasureOptions, MeasureResult, MeasureSettings, Runnable } from './types.js';
import { diagnose } from './warnings.js';

/** Timed runs used to estimate capacity for --find-peak when there is no warmup to learn from. */
const CALIBRATION_RUNS = 3;

const SettingsSchema = RunConfigSchema.pick({
  scenario: true,
  warmupIterations: true,
  minDurationS: true,
  minIterations: true,
  maxDurationS: true,
  relCiPct: true,
  concurrency: true,
  seed: true,
  qps: true,
  latencyBoundMs: true,
  findPeak: true,
});

/** Throws a usage BenchError naming the flag when the settings cannot be measured. */
function validateMeasureSettings(batch: number, settings: MeasureSettings): void {
  const parsed = SettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BenchError(
      'E_USAGE',
      `invalid measurement setting ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (!Number.isInteger(batch) || batch < 1) {
    throw new BenchError('E_USAGE', `--batch must be a positive integer, got ${batch}`);
  }
  if (settings.minDurationS > settings.maxDurationS) {
    throw new BenchError(
      'E_USAGE',
      `--duration ${settings.minDurationS} s exceeds --max-duration ${settings.maxDurationS} s`,
      {
        hint: 'raise --max-duration or lower --duration',
      },
    );
  }
  if (settings.scenario === 'single-stream' && batch !== 1) {
    throw new BenchError(
      'E_USAGE',
      `the single-stream scenario runs one image at a time, but --batch is ${batch}`,
      {
        hint: 'use --batch 1, or --scenario offline for batched throughput',
      },
    );
  }
  if (settings.scenario === 'server') {
    if (settings.latencyBoundMs === undefined) {
      throw new BenchError('E_USAGE', 'the server scenario needs a p99 latency bound', {
        hint: 'add --latency-bound <ms>',
      });
    }
    if (settings.qps === undefined && !settings.findPeak) {
      throw new BenchError('E_USAGE', 'the server scenario needs an arrival rate', {
        hint: 'add --qps <n>, or --find-peak to search for it',
      });
    }
  }
}

/** Runs `warmupIterations` sequential untimed-for-statistics runs; returns their latencies. */
async function warmup(
  model: Runnable,
  iterations: number,
  clock: Clock,
  options: MeasureOptions,
): Promise<number[]> {
  const out: number[] = [];
  const start = clock.now();
  for (let i = 0; i < iterations && !options.signal?.aborted; i++) {
    const t0 = clock.now();
    await model.run();
    const t1 = clock.now();
    out.push(t1 - t0);
    options.onProgress?.(0, { phase: 'warmup', iterations: i + 1, elapsedS: (t1 - start) / 1000 });
  }
  return out;
}

/**
 * Throughput of a server trial from its completions: N queries in T seconds, with the Poisson 95 %
 * interval (N ± 1.96·√N)/T (lower bound clamped at 0), times the batch.
 */
function serverThroughput(trial: ServerTrialOutcome, batch: number): Throughput {
  const n = trial.samplesMs.length;
  const t = trial.wallTimeS;
  const rate = (x: number): number => (t > 0 ? (Math.max(0, x) / t) * batch : 0);
  const half = 1.96 * Math.sqrt(n);
  return {
    samplesPerS: rate(n),
    ci95: [rate(n - half), rate(n + half)],
    method: 'wall-clock',
    wallClockSamplesPerS: rate(n),
  };
}

/**
 * Measures `model` (each run() processes `batch` images) under `settings`. Never exits the process;
 * throws BenchError for unusable settings and rethrows run() failures.
 */
export async function measure(
  model: Runnable,
  batch: number,
  settings: MeasureSettings,
  options: MeasureOptions = {},
): Promise<MeasureResult> {
  validateMeasureSettings(batch, settings);
  const clock = options.clock ?? realClock;
  const { signal, onProgress } = options;
  const warmupMs = await warmup(model, settings.warmupIterations, clock, options);

  if (settings.scenario === 'server') {
    const bound = settings.latencyBoundMs as number;
    const trialSettings = {
      latencyBoundMs: bound,
      concurrency: settings.concurrency,
      minDurationS: settings.minDurationS,
      minIterations: settings.minIterations,
      maxDurationS: settings.maxDurationS,
      seed: settings.seed,
    };
    let trial: ServerTrialOutcome;
    let steps: PeakStep[] | undefined;
    let confirmations: PeakStep[] | undefined;
    let peakFound: boolean | undefined;
    if (settings.findPeak) {
      const probe = warmupMs.length > 0 ? warmupMs : await warmup(model, CALIBRATION_RUNS, clock, options);
      const medianMs = median(probe);
      const capacity = medianMs > 0 ? (settings.concurrency * 1000) / medianMs : (settings.qps ?? 1);
      const peak = await findPeak(model, trialSettings, capacity, clock, signal, onProgress);
      trial = peak.final;
      steps = peak.steps;
      confirmations = peak.confirmations;
      peakFound = peak.found;
    } else {
      trial = await runServerTrial(
        model,
        { ...trialSettings, qps: settings.qps as number },
        clock,
        signal,
        onProgress,
      );
    }
    const stats = summarize(trial.samplesMs);
    onProgress?.(1, { phase: 'measure', iterations: stats.count, elapsedS: trial.wallTimeS, qps: trial.qps });
    const aborted = trial.aborted || (signal?.aborted ?? false);
    return {
      scenario: 'server',
      samplesMs: trial.samplesMs,
      wallTimeS: trial.wallTimeS,
      iterations: stats.count,
      latency: stats,
      throughput: serverThroughput(trial, batch),
      server: {
        targetQps: trial.qps,
        achievedQps: trial.achievedQps,
        p99Ms: trial.p99Ms,
        latencyBoundMs: bound,
        met: trial.met,
        ...(trial.cutByMaxDuration ? { cutShort: true } : {}),
        arrivalLagP99Ms: trial.arrivalLagP99Ms,
        ...(steps ? { search: steps } : {}),
        ...(confirmations && confirmations.length > 0 ? { confirmations } : {}),
      },
      headline: { metric: 'p99Ms', value: trial.p99Ms },
      relCiPct: Infinity,
      cutByMaxDuration: trial.cutByMaxDuration,
      aborted,
      warnings: diagnose({
        scenario: 'server',
        stats,
        samplesMs: trial.samplesMs,
        cutByMaxDuration: trial.cutByMaxDuration,
        aborted,
        maxDurationS: settings.maxDurationS,
        relCiPct: Infinity,
        targetRelCiPct: settings.relCiPct,
        minIterations: settings.minIterations,
        server: {
          qps: trial.qps,
          arrived: trial.arrived,
          dropped: trial.dropped,
          p99Ms: trial.p99Ms,
          arrivalLagP99Ms: trial.arrivalLagP99Ms,
          latencyBoundMs: bound,
          met: trial.met,
          ...(peakFound === undefined ? {} : { peakFound }),
          ...(confirmations && confirmations.length > 0 ? { confirmations } : {}),
        },
      }),
      warmupMs,
    };
  }

  const concurrency = settings.scenario === 'single-stream' ? 1 : settings.concurrency;
  const loop = signal?.aborted
    ? {
        samplesMs: [],
        wallTimeS: 0,
        relCiPct: Infinity,
        converged: false,
        cutByMaxDuration: false,
        aborted: true,
      }
    : await runClosedLoop(model, { ...settings, concurrency }, clock, signal, onProgress);
  const stats = summarize(loop.samplesMs);
  const wallClockSamplesPerS = loop.wallTimeS > 0 ? (stats.count * batch) / loop.wallTimeS : 0;
  const throughput = throughputFromLatency(stats, batch, concurrency, wallClockSamplesPerS);
  onProgress?.(1, {
    phase: 'measure',
    iterations: stats.count,
    elapsedS: loop.wallTimeS,
    relCiPct: loop.relCiPct,
  });
  return {
    scenario: settings.scenario,
    samplesMs: loop.samplesMs,
    wallTimeS: loop.wallTimeS,
    iterations: stats.count,
    latency: stats,
    throughput,
    headline:
      settings.scenario === 'single-stream'
        ? { metric: 'p90Ms', value: stats.p90Ms }
        : { metric: 'samplesPerS', value: throughput.samplesPerS },
    relCiPct: loop.relCiPct,
    cutByMaxDuration: loop.cutByMaxDuration,
    aborted: loop.aborted,
    warnings: diagnose({
      scenario: settings.scenario,
      stats,
      samplesMs: loop.samplesMs,
      cutByMaxDuration: loop.cutByMaxDuration,
      aborted: loop.aborted,
      maxDurationS: settings.maxDurationS,
      relCiPct: loop.relCiPct,
      targetRelCiPct: settings.relCiPct,
      minIterations: settings.minIterations,
      throughput,
    }),
    warmupMs,
  };
}

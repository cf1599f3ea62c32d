/** Types of the measurement loop's programmatic API (src/measure/measure.ts). */
import type { LoadedModel } from '../engines/engine.js';
import type {
  LatencyStats,
  RunConfig,
  RunWarning,
  Scenario,
  ServerResult,
  Throughput,
} from '../results/schema.js';

/** The loop only ever calls `run()`, so anything with it can be measured (engines, the test fake). */
export type Runnable = Pick<LoadedModel, 'run'>;

/** Measurement settings: the loop's part of the result file's RunConfig. */
export type MeasureSettings = Pick<
  RunConfig,
  | 'scenario'
  | 'warmupIterations'
  | 'minDurationS'
  | 'minIterations'
  | 'maxDurationS'
  | 'relCiPct'
  | 'concurrency'
  | 'seed'
  | 'qps'
  | 'latencyBoundMs'
  | 'findPeak'
>;

/** Time source and timer. Tests inject a virtual clock so the loop's arithmetic is exact. */
export interface Clock {
  /** Milliseconds from an arbitrary origin, high resolution (performance.now() in real runs). */
  now(): number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves at clock time `atMs` or just after (or when `signal` aborts). Optional: where absent, the
   * server scenario sleeps `atMs - now()` instead. The real clock spins the last moments (at most
   * `maxSpinMs`), because a timer that fires a millisecond late would add that millisecond to every
   * query's latency.
   */
  sleepUntil?(atMs: number, signal?: AbortSignal, maxSpinMs?: number): Promise<void>;
  /**
   * Lets pending I/O and signal handlers (Ctrl-C) run. The closed loop calls it at each stop-rule
   * check (~every 100 ms), so an engine whose run() never leaves the microtask queue stays
   * interruptible. Optional: the virtual test clock leaves it out.
   */
  yieldToEventLoop?(): Promise<void>;
}

/** Which part of the measurement is running. */
type MeasurePhase = 'warmup' | 'measure' | 'peak-search';

/** Details passed with each progress report. */
interface ProgressInfo {
  phase: MeasurePhase;
  /** Completed iterations (queries in the server scenario) of the current phase or trial. */
  iterations: number;
  /** Seconds since the current phase or trial began. */
  elapsedS: number;
  /** Latest relative half-width of the throughput CI, percent (offline/single-stream, once computed). */
  relCiPct?: number;
  /** Target arrival rate of the current server trial. */
  qps?: number;
}

/** Progress callback; `fraction` is in [0, 1] and reaches 1 when the measurement ends. */
export type ProgressCallback = (fraction: number, info: ProgressInfo) => void;

/** Optional hooks of a measurement. */
export interface MeasureOptions {
  /** Called at most about every 100 ms (the lead wires a cli-progress bar to it). */
  onProgress?: ProgressCallback;
  /** Ctrl-C: the loop stops after the in-flight run() calls and returns what it measured. */
  signal?: AbortSignal;
  /** Defaults to the real clock (performance.now / setTimeout). */
  clock?: Clock;
}

/** Machine-readable codes of the warnings the loop emits. */
export type MeasureWarningCode =
  | 'W_HIGH_CV'
  | 'W_SLOW_START'
  | 'W_FEW_SAMPLES'
  | 'W_CUT_BY_MAX_DURATION'
  | 'W_OUTLIERS'
  | 'W_WALL_CLOCK_GAP'
  | 'W_ABORTED'
  | 'W_SERVER_BACKLOG'
  | 'W_BOUND_MISSED'
  | 'W_ARRIVAL_LAG'
  | 'W_FEW_SAMPLES_FOR_P99'
  | 'W_PEAK_NOT_FOUND'
  | 'W_PEAK_NOT_CONFIRMED'
  | 'W_PEAK_STEPPED_DOWN';

/** The figure a scenario is judged by. */
interface Headline {
  /** offline: throughput; single-stream: p90 latency; server: p99 latency at the target QPS. */
  metric: 'samplesPerS' | 'p90Ms' | 'p99Ms';
  value: number;
}

/** Everything one measurement produced; maps onto RunResult fields. */
export interface MeasureResult {
  scenario: Scenario;
  /** Per-iteration latencies in ms in completion order (server: scheduled arrival to completion). */
  samplesMs: number[];
  /** Measured wall time in seconds, from the first issue to the last completion. */
  wallTimeS: number;
  /** Completed iterations (= samplesMs.length). */
  iterations: number;
  latency: LatencyStats;
  throughput: Throughput;
  /** Server scenario only. */
  server?: ServerResult;
  headline: Headline;
  /** Relative half-width of the throughput CI in percent at the end (Infinity when never computed). */
  relCiPct: number;
  /** True when the run stopped at --max-duration before reaching the CI target or minimum iterations. */
  cutByMaxDuration: boolean;
  /** True when the signal aborted the run; the figures cover what was measured until then. */
  aborted: boolean;
  warnings: RunWarning[];
  /** Latencies of the warmup iterations in ms (not part of the statistics). */
  warmupMs: number[];
}

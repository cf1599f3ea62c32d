/**
 * Comparing result files configuration by configuration: throughput ratio with a bootstrap CI,
 * latency changes, a Mann-Whitney p-value and a verdict per key, and a geometric-mean summary.
 * Server-scenario keys are judged on their latency bound, p99 and peak QPS instead (./server.ts).
 *
 * A verdict is "faster" or "slower" only when both tests agree: the Mann-Whitney p-value is below
 * `alpha` AND the bootstrap CI of the ratio excludes 1. The rank test alone flags tiny shifts on long
 * runs; the CI alone ignores the shape of the distributions. The ratio is of median throughput, except
 * for single-stream keys, which MLPerf judges on p90 latency: there it is the base's p90 over the
 * other's (above 1 still means faster), and its CI alone decides, because a rank test looks at the
 * whole distribution and misses a regression in the tail alone (p is still reported). Below
 * P90_MIN_SAMPLES samples a side the tail is too thin, and single-stream keys are judged like offline.
 *
 * Every key bootstraps with its own seed (derived from --seed and the key), so the geometric-mean
 * interval combines independent replicates, as it assumes. What the tests see is the noise within each
 * run; run-to-run noise (another boot, another thermal state) is not in them.
 *
 * The key has no host. When a file holds runs of one key from different hosts (`bench merge` of two
 * machines that measured the same configuration), that key gets a `|@host` suffix in every file, so
 * host A is compared with host A and host B with host B instead of B's run being dropped. Only such
 * keys: every other key matches as it would without the merged file, whatever the hosts.
 */
import { BenchError } from '../core/errors.js';
import type { RunResult, RunWarning, Scenario } from '../results/schema.js';
import {
  bootstrapMedianRatio,
  bootstrapPercentileRatio,
  geometricMean,
  geometricMeanInterval,
  mannWhitneyU,
  type MannWhitneyMethod,
} from '../stats/significance.js';
import { percentile } from '../stats/statistics.js';
import { seedFor } from '../core/random.js';
import { environmentOf } from '../results/environment.js';
import { environmentWarnings, keyFieldWarnings } from './environment-diff.js';
import {
  differingKeyFields,
  HOST_KEY_PREFIX,
  hostQualifiedKey,
  KEY_FIELDS,
  keyFieldValue,
  runKey,
  type KeyField,
} from '../results/key.js';
import type { LoadedFile } from '../results/load.js';
import {
  compareServerRuns,
  PEAK_TOLERANCE_PCT,
  summarizeServer,
  type ServerCellComparison,
  type ServerRunSummary,
} from './server.js';

/** What a cell's ratio compares: median throughput, or (single-stream) p90 latency inverted. */
type RatioBasis = 'median-throughput' | 'p90-latency';

/** Outcome for one key in one file relative to the first file. */
export type Verdict = 'faster' | 'slower' | 'no-change' | 'not-comparable';

/** Words for each verdict, as tables print them. */
export const VERDICT_TEXT: Record<Verdict, string> = {
  faster: 'faster',
  slower: 'slower',
  'no-change': 'no significant change',
  'not-comparable': 'not comparable',
};

/** Fewest per-iteration samples on each side for a verdict (exact Mann-Whitney p ≥ 2/252 ≈ 0.0079 at 5 vs 5). */
const MIN_SAMPLES = 5;

/** Fewest samples on each side for judging a single-stream key on p90 (at least 5 above the p90). */
export const P90_MIN_SAMPLES = 50;

/** Options of {@link compareFiles}. */
export interface CompareOptions {
  /** Key fields left out of matching (e.g. ['threads'] to compare a 1-thread and a 2-thread run). */
  ignore?: readonly KeyField[];
  /** Significance level of the Mann-Whitney test (default 0.05). */
  alpha?: number;
  /** Confidence level of the bootstrap intervals (default 0.95). */
  confidence?: number;
  /** Bootstrap replicates per key (default 2000). */
  bootstrapIterations?: number;
  /** Bootstrap seed (default 1): the same files and seed give the same intervals. */
  seed?: number;
  /** Server --find-peak keys: peak-QPS change in percent beyond which a verdict is given (default 5). */
  peakTolerancePct?: number;
}

/** What one file measured for one key. */
export interface RunSummary {
  /**
   * The run's own key, every field written out (the row's key has `*` for --ignore-key fields); ends
   * in `|@host` when the key is host-qualified ({@link HOST_KEY_FORMAT}).
   */
  key: string;
  status: RunResult['status'];
  scenario: Scenario;
  precision: RunResult['model']['precision'];
  samples: number;
  /** Images per second: the run's reported figure, else batch·concurrency·1000/median latency. */
  throughputPerS: number | null;
  /** The run's reported 95 % CI of `throughputPerS`; null when the file has no throughput summary. */
  throughputCi95: [number, number] | null;
  p50Ms: number | null;
  p99Ms: number | null;
  provider: string;
  threads: number;
  deviceName: string;
  /** Server scenario: target and achieved QPS, p99 against its bound, peak; null otherwise. */
  server: ServerRunSummary | null;
  /**
   * Codes of the warnings `bench run` recorded for the run (W_HIGH_CV, W_FP16_ON_CPU, ...): a verdict
   * on a noisy or cut run deserves a second look. The messages are in the comparison's `runWarnings`.
   */
  warnings: string[];
}

/** One key in one file, relative to the same key in the first file. */
export interface CellComparison {
  /** Index of the file in the comparison's `files`. */
  fileIndex: number;
  verdict: Verdict;
  /** Why the verdict is 'not-comparable'. */
  reason?: string;
  /**
   * Above 1: faster. Median throughput of this file over the first file's; for single-stream keys
   * (`ratioBasis` 'p90-latency') the first file's p90 latency over this file's. Null for server keys.
   */
  ratio: number | null;
  /** What `ratio` compares; null when there is no ratio. */
  ratioBasis: RatioBasis | null;
  ci: [number, number] | null;
  /** Change of p50 / p99 latency in percent (negative: lower latency). */
  p50ChangePct: number | null;
  p99ChangePct: number | null;
  /** Mann-Whitney p on per-iteration throughput (server keys: on per-query latency). */
  pValue: number | null;
  pMethod: MannWhitneyMethod | null;
  /** Bound, QPS and p99 comparison when both runs are server runs; null otherwise. */
  server: ServerCellComparison | null;
}

/** One configuration across all files. */
export interface ComparisonRow {
  /** The matching key (`*` for --ignore-key fields; ends in `|@host` when host-qualified). */
  key: string;
  /**
   * The host every run of the row was measured on, present only when the key is host-qualified
   * (some file holds runs of it from several hosts, {@link HOST_KEY_FORMAT}).
   */
  host?: string;
  /**
   * The key as tables and charts show it: each --ignore-key field written out, as its distinct
   * values in file order (`fp32/fp16`) where the runs differ.
   */
  label: string;
  model: string;
  batch: number;
  /** Scenario of the first file's run (server keys get their own table). */
  scenario: Scenario;
  /** What each file measured (null where the file lacks the key), one entry per file. */
  runs: (RunSummary | null)[];
  /** One cell per file after the first. */
  cells: CellComparison[];
}

/** Geometric-mean summary of one file's column. */
interface ColumnSummary {
  fileIndex: number;
  /**
   * Geometric mean of the comparable cells' ratios (median throughput; inverted p90 latency for
   * single-stream keys), above 1 faster; null when there are none.
   */
  geomeanRatio: number | null;
  /** Bootstrap interval of that geometric mean. */
  ci: [number, number] | null;
  faster: number;
  slower: number;
  noChange: number;
  notComparable: number;
}

/** A key found in only one file (or not in the first file), listed rather than dropped. */
export interface UnmatchedKey {
  key: string;
  /** Labels of the files that have it. */
  files: string[];
  /** The base file's run status when the base has the key (the regression gate counts a lost 'ok'). */
  baseStatus?: RunResult['status'];
}

/** One warning `bench run` recorded, with every compared run that carries it. */
export interface RunWarningNote extends RunWarning {
  /** Which runs: file label and the run's own key. */
  runs: { file: string; key: string }[];
}

/** What a key looks like, for readers of the JSON. */
export const KEY_FORMAT =
  "model@sha12|engine|provider|precision|bN|scenario|cN|tN; a field left out of matching (--ignore-key) is `*` in `key`, and `label` shows its distinct values in file order (a/b); each run's own key is in runs[].key";

/**
 * What `keyFormat` adds when some keys are host-qualified: a file holds runs of one key measured on
 * different hosts (a `bench merge` of two machines), so that key names its host; other keys do not.
 */
export const HOST_KEY_FORMAT = `; host-qualified: a key that some file holds runs of from different hosts (bench merge) ends in ${HOST_KEY_PREFIX}host in key, label and runs[].key, its rows have \`host\`, and its runs match only runs from the same host; every other key matches whatever its runs' hosts`;

/** Which way the ratios point, for readers of the JSON. */
const RATIO_DIRECTION =
  "ratio = median throughput of each file over the first file's (above 1: faster), or for ratioBasis p90-latency (single-stream keys) the first file's p90 latency over each file's (above 1: faster too); server p99Ratio = p99 latency of each file over the first file's (above 1: slower); *ChangePct = percent change against the first file";

/** Everything `bench compare` reports. */
export interface Comparison {
  files: { path: string; label: string; createdAt: string; command: string }[];
  ignore: KeyField[];
  /** {@link KEY_FORMAT}: how to read `key` and `label` ({@link HOST_KEY_FORMAT} appended when some key is host-qualified). */
  keyFormat: string;
  /** {@link RATIO_DIRECTION}: which way ratios and changes point. */
  ratioDirection: string;
  alpha: number;
  confidence: number;
  /** Bootstrap replicates per key and the seed: with the same files they give the same intervals. */
  bootstrapIterations: number;
  seed: number;
  /** Peak-QPS change (percent) beyond which two --find-peak server runs get a verdict. */
  peakTolerancePct: number;
  rows: ComparisonRow[];
  summary: ColumnSummary[];
  unmatched: UnmatchedKey[];
  /** Environment differences and input problems, shown above the table. */
  warnings: RunWarning[];
  /** The distinct warnings of the compared runs (rows' runs), each with the runs that carry it. */
  runWarnings: RunWarningNote[];
}

/**
 * Groups the warnings of `runs` by code, message and advice: the same W_FP16_ON_CPU warning on four
 * runs is listed once, with its four runs. Ordered by code, so a list reads code by code; first seen
 * first within a code.
 */
export function collectRunWarnings(
  runs: readonly { file: string; key: string; warnings: readonly RunWarning[] }[],
): RunWarningNote[] {
  const notes = new Map<string, RunWarningNote>();
  for (const { file, key, warnings } of runs) {
    for (const w of warnings) {
      const id = JSON.stringify([w.code, w.message, w.advice ?? null]);
      const note = notes.get(id) ?? { ...w, runs: [] };
      if (!note.runs.some((r) => r.file === file && r.key === key)) note.runs.push({ file, key });
      notes.set(id, note);
    }
  }
  // Array.prototype.sort is stable: first-seen order survives within a code.
  return [...notes.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Prefix of a key field's value inside a key (`b8`, `c1`, `t2`). */
const KEY_PREFIX: Partial<Record<KeyField, string>> = { batch: 'b', concurrency: 'c', threads: 't' };

/**
 * A row's key for display: like the matching key, but each field in `ignore` written out, its
 * distinct values over the files that have the key in file order where they differ (`fp32/fp16`).
 * A `*` hides exactly what the reader needs to know when fp16 is compared with fp32; which file had
 * which value is in the warnings above the table and in each run's own key.
 */
function rowLabel(runs: readonly (RunResult | undefined)[], ignore: readonly KeyField[]): string {
  const present = runs.filter((r): r is RunResult => r !== undefined);
  const base = present[0];
  if (!base) return '';
  // Every field as `*`: the key's shape (separators, any `|gpu1` extension) from key.ts itself,
  // filled in field order by position (a model name may itself contain a `*`).
  const pieces = runKey(base, KEY_FIELDS).split('*');
  const shown = KEY_FIELDS.map((field) => {
    const text = (run: RunResult): string => `${KEY_PREFIX[field] ?? ''}${keyFieldValue(run, field)}`;
    return ignore.includes(field) ? [...new Set(present.map(text))].join('/') : text(base);
  });
  return (
    shown.map((value, i) => `${pieces[i] ?? ''}${value}`).join('') + pieces.slice(shown.length).join('*')
  );
}

/** Latencies above 0 ms (a 0 has no throughput and no ratio). */
function positive(samplesMs: readonly number[]): number[] {
  return samplesMs.filter((ms) => ms > 0);
}

function imagesPerS(run: RunResult, latencyMs: number): number {
  return (run.config.batch * run.config.concurrency * 1000) / latencyMs;
}

/**
 * What a run measured, in the units tables show; `hostSuffix` (`|@host`, or '') ends its key when
 * the key is host-qualified.
 */
function summarizeRun(run: RunResult, hostSuffix = ''): RunSummary {
  const sorted = Float64Array.from(run.samplesMs).sort();
  const hasSamples = sorted.length > 0;
  const medianMs = hasSamples ? percentile(sorted, 50) : (run.latency?.p50Ms ?? null);
  const fromLatency = medianMs && medianMs > 0 ? imagesPerS(run, medianMs) : null;
  return {
    key: runKey(run) + hostSuffix,
    status: run.status,
    scenario: run.config.scenario,
    precision: run.model.precision,
    samples: run.samplesMs.length,
    throughputPerS: run.throughput?.samplesPerS ?? fromLatency,
    throughputCi95: run.throughput ? [run.throughput.ci95[0], run.throughput.ci95[1]] : null,
    p50Ms: medianMs,
    p99Ms: hasSamples ? percentile(sorted, 99) : (run.latency?.p99Ms ?? null),
    provider: run.engine.provider,
    threads: run.config.threads,
    deviceName: run.device.name,
    server: summarizeServer(run),
    warnings: run.warnings.map((w) => w.code),
  };
}

const pctChange = (from: number | null, to: number | null): number | null =>
  from !== null && to !== null && from > 0 ? (to / from - 1) * 100 : null;

/** Runs of `file` by matching key (`keyOf`); later duplicates are reported in `warnings` and ignored. */
function indexRuns(
  file: LoadedFile,
  keyOf: (file: LoadedFile, run: RunResult) => string,
  warnings: RunWarning[],
): Map<string, RunResult> {
  const byKey = new Map<string, RunResult>();
  for (const run of file.data.runs) {
    const key = keyOf(file, run);
    if (byKey.has(key)) {
      warnings.push({
        code: 'W_DUPLICATE_KEY',
        message: `${file.label}: more than one run has key ${key}`,
        advice: 'comparing the first',
      });
    } else {
      byKey.set(key, run);
    }
  }
  return byKey;
}

function notComparable(
  fileIndex: number,
  reason: string,
  base: RunSummary,
  other: RunSummary | null,
): CellComparison {
  return {
    fileIndex,
    verdict: 'not-comparable',
    reason,
    ratio: null,
    ratioBasis: null,
    ci: null,
    p50ChangePct: other ? pctChange(base.p50Ms, other.p50Ms) : null,
    p99ChangePct: other ? pctChange(base.p99Ms, other.p99Ms) : null,
    pValue: null,
    pMethod: null,
    server: null,
  };
}

/** The host a run of `file` was measured on (its merge source's for a merged file). */
const hostOf = (file: LoadedFile, run: RunResult): string => environmentOf(file.data, run).hostname;

/** A matching key that runs from different hosts share within one file. */
interface HostCollision {
  file: string;
  key: string;
  hosts: string[];
}

/**
 * Keys (with `ignore` applied) that one file holds runs of from two or more hosts, in file and run
 * order. Each of them is host-qualified in every file: otherwise the first host's run is compared and
 * the others' are dropped with a "more than one run" warning. Runs of one key from the same host are a
 * real duplicate and stay that warning; keys without a collision are left as they are.
 */
function hostCollisions(files: readonly LoadedFile[], ignore: readonly KeyField[]): HostCollision[] {
  return files.flatMap((file) => {
    const hosts = new Map<string, string[]>();
    for (const run of file.data.runs) {
      const key = runKey(run, ignore);
      const seen = hosts.get(key) ?? [];
      const host = hostOf(file, run);
      if (!seen.includes(host)) hosts.set(key, [...seen, host]);
    }
    return [...hosts].flatMap(([key, list]) =>
      list.length > 1 ? [{ file: file.label, key, hosts: list }] : [],
    );
  });
}

/** "m.json holds runs of key K from hosts a and b": why a key is host-qualified. */
function collisionText(c: HostCollision): string {
  const hosts = `${c.hosts.slice(0, -1).join(', ')} and ${c.hosts[c.hosts.length - 1] ?? ''}`;
  return `${c.file} holds runs of key ${c.key} from hosts ${hosts}`;
}

/** Resolved options of one comparison. */
type Settings = Required<Omit<CompareOptions, 'ignore'>>;

/**
 * Compares one key of file `fileIndex` with the first file; `replicates` collects bootstrap ratios.
 * `hostSuffix` is the key's `|@host` when it is host-qualified (else ''): both runs share it.
 */
function compareCell(
  fileIndex: number,
  base: RunResult,
  other: RunResult | undefined,
  label: string,
  baseLabel: string,
  options: Settings,
  hostSuffix: string,
): { cell: CellComparison; replicates: Float64Array | null } {
  // One bootstrap stream per key, whichever path (server or not) uses it; two hosts' rows of one
  // configuration are different keys and get independent streams.
  const seed = seedFor(options.seed, runKey(base) + hostSuffix);
  const baseSummary = summarizeRun(base, hostSuffix);
  if (!other)
    return { cell: notComparable(fileIndex, `missing in ${label}`, baseSummary, null), replicates: null };
  const otherSummary = summarizeRun(other, hostSuffix);
  for (const [run, name] of [
    [base, baseLabel],
    [other, label],
  ] as const) {
    if (run.status !== 'ok') {
      return {
        cell: notComparable(fileIndex, `${run.status} in ${name}`, baseSummary, otherSummary),
        replicates: null,
      };
    }
  }
  const serverSide = [base, other].filter((r) => r.config.scenario === 'server').length;
  if (serverSide === 1) {
    const reason = `scenario differs: ${base.config.scenario} in ${baseLabel}, ${other.config.scenario} in ${label}`;
    return { cell: notComparable(fileIndex, reason, baseSummary, otherSummary), replicates: null };
  }
  if (serverSide === 2) {
    const outcome = compareServerRuns(base, other, [baseLabel, label], {
      ...options,
      seed,
      minSamples: MIN_SAMPLES,
    });
    const cell: CellComparison = {
      fileIndex,
      verdict: outcome.verdict,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ratio: null,
      ratioBasis: null,
      ci: null,
      p50ChangePct: pctChange(baseSummary.p50Ms, otherSummary.p50Ms),
      p99ChangePct: pctChange(baseSummary.p99Ms, otherSummary.p99Ms),
      pValue: outcome.pValue,
      pMethod: outcome.pMethod,
      server: outcome.server,
    };
    return { cell, replicates: null };
  }
  // Positive latencies once: the throughput samples and the p90 bootstrap both start from them.
  const baseLatencies = positive(base.samplesMs);
  const otherLatencies = positive(other.samplesMs);
  const baseThroughput = baseLatencies.map((ms) => imagesPerS(base, ms));
  const otherThroughput = otherLatencies.map((ms) => imagesPerS(other, ms));
  for (const [samples, name] of [
    [baseThroughput, baseLabel],
    [otherThroughput, label],
  ] as const) {
    if (samples.length < MIN_SAMPLES) {
      const reason = `${samples.length} samples in ${name} (need ${MIN_SAMPLES})`;
      return { cell: notComparable(fileIndex, reason, baseSummary, otherSummary), replicates: null };
    }
  }
  // Ranks of throughput are ranks of latency reversed, so one rank test serves both bases.
  const test = mannWhitneyU(otherThroughput, baseThroughput);
  const bootOptions = {
    iterations: options.bootstrapIterations,
    seed,
    confidence: options.confidence,
  };
  const p90Basis =
    base.config.scenario === 'single-stream' &&
    other.config.scenario === 'single-stream' &&
    Math.min(baseThroughput.length, otherThroughput.length) >= P90_MIN_SAMPLES;
  // Median basis on milliseconds per image, first file over this one: the same ratio as the two img/s
  // the tables show (images / median latency), for an even count too, where the median of
  // per-iteration throughputs would differ from images over the median latency.
  const msPerImage = (run: RunResult, latencies: readonly number[]): number[] =>
    latencies.map((ms) => ms / (run.config.batch * run.config.concurrency));
  const boot = p90Basis
    ? bootstrapPercentileRatio(baseLatencies, otherLatencies, 90, bootOptions)
    : bootstrapMedianRatio(msPerImage(base, baseLatencies), msPerImage(other, otherLatencies), bootOptions);
  // On p90 the CI alone decides: the rank test cannot see a change confined to the tail.
  const significant = p90Basis || test.pValue < options.alpha;
  const verdict: Verdict =
    significant && boot.ci[0] > 1 ? 'faster' : significant && boot.ci[1] < 1 ? 'slower' : 'no-change';
  return {
    cell: {
      fileIndex,
      verdict,
      ratio: boot.estimate,
      ratioBasis: p90Basis ? 'p90-latency' : 'median-throughput',
      ci: boot.ci,
      p50ChangePct: pctChange(baseSummary.p50Ms, otherSummary.p50Ms),
      p99ChangePct: pctChange(baseSummary.p99Ms, otherSummary.p99Ms),
      pValue: test.pValue,
      pMethod: test.method,
      server: null,
    },
    replicates: boot.replicates,
  };
}

/**
 * Compares every file with the first. Throws E_BAD_INPUT when fewer than two files are given or when
 * no file after the first shares a key with it (naming the key fields that differ).
 */
export function compareFiles(files: readonly LoadedFile[], options: CompareOptions = {}): Comparison {
  const ignore = [...(options.ignore ?? [])];
  const settings = settingsOf(options);
  const [base, ...others] = files;
  if (!base || others.length === 0) {
    throw new BenchError('E_USAGE', 'compare needs at least two result files (BASE NEW)', {
      hint: 'bench compare base.json new.json',
    });
  }
  const warnings: RunWarning[] = [];
  const hosts = hostMatching(files, ignore);
  if (hosts.warning) warnings.push(hosts.warning);
  const keyOf = (file: LoadedFile, run: RunResult): string => runKey(run, ignore) + hosts.suffix(file, run);
  const indexes = files.map((f) => indexRuns(f, keyOf, warnings));
  const partners = matchPartners(files, indexes, ignore, hosts.suffix);
  warnings.push(...disjointWarnings(files, partners, ignore, hosts.collisions));
  const { rows, matchedRuns, replicatesByFile } = compareRows(files, indexes[0] ?? new Map(), partners, {
    ignore,
    settings,
    suffix: hosts.suffix,
  });
  const baseIndex = indexes[0] ?? new Map<string, RunResult>();
  return {
    files: files.map((f) => ({
      path: f.path,
      label: f.label,
      createdAt: f.data.createdAt,
      command: f.data.command,
    })),
    ignore,
    keyFormat: hosts.qualified.size > 0 ? KEY_FORMAT + HOST_KEY_FORMAT : KEY_FORMAT,
    ratioDirection: RATIO_DIRECTION,
    alpha: settings.alpha,
    confidence: settings.confidence,
    bootstrapIterations: settings.bootstrapIterations,
    seed: settings.seed,
    peakTolerancePct: settings.peakTolerancePct,
    rows,
    summary: columnSummaries(others.length, rows, replicatesByFile, settings.confidence),
    unmatched: unmatchedKeys(files, indexes, matchedRuns).map(([key, labels]) => {
      const baseStatus = baseIndex.get(key)?.status;
      return { key, files: labels, ...(baseStatus ? { baseStatus } : {}) };
    }),
    // Key fields left out of matching come first: they change what a verdict is about; then the
    // environments, of the runs compared with each other.
    warnings: [
      ...keyFieldWarnings(
        files.map((f) => f.label),
        matchedRuns,
        ignore,
      ),
      ...environmentWarnings(files, matchedRuns),
      ...warnings,
    ],
    runWarnings: collectRunWarnings(
      matchedRuns.flatMap((runs) =>
        runs.flatMap((run, i) => {
          const file = files[i] as LoadedFile;
          return run
            ? [{ file: file.label, key: runKey(run) + hosts.suffix(file, run), warnings: run.warnings }]
            : [];
        }),
      ),
    ),
  };
}

/** The statistical settings of a comparison, with their defaults. */
function settingsOf(options: CompareOptions): Settings {
  return {
    alpha: options.alpha ?? 0.05,
    confidence: options.confidence ?? 0.95,
    bootstrapIterations: options.bootstrapIterations ?? 2000,
    seed: options.seed ?? 1,
    peakTolerancePct: options.peakTolerancePct ?? PEAK_TOLERANCE_PCT,
  };
}

/** A run's host suffix in its key: `|@host` when its key is host-qualified, else ''. */
type HostSuffix = (file: LoadedFile, run: RunResult) => string;

/**
 * Which keys match host to host: runs of one configuration from two hosts in one file (bench merge)
 * match only runs of the same host, in every file; the other keys match as if no file were merged,
 * whatever their hosts. The warning says so when any key is host-qualified.
 */
function hostMatching(
  files: readonly LoadedFile[],
  ignore: readonly KeyField[],
): {
  collisions: HostCollision[];
  qualified: Set<string>;
  suffix: HostSuffix;
  warning: RunWarning | null;
} {
  const collisions = hostCollisions(files, ignore);
  // Distinct keys: two merged files of the same hosts collide on the same keys.
  const qualified = new Set(collisions.map((c) => c.key));
  const suffix: HostSuffix = (file, run) =>
    qualified.has(runKey(run, ignore)) ? hostQualifiedKey('', hostOf(file, run)) : '';
  const first = collisions[0];
  if (!first) return { collisions, qualified, suffix, warning: null };
  const extra = qualified.size - 1;
  const more = extra > 0 ? ` (and ${extra} more such key${extra > 1 ? 's' : ''})` : '';
  return {
    collisions,
    qualified,
    suffix,
    warning: {
      code: 'W_HOST_QUALIFIED',
      message: `matching is host-qualified for keys that a file holds from several hosts (only they end in ${HOST_KEY_PREFIX}host) because ${collisionText(first)}${more}: their runs match only runs from the same host, so a host that one file lacks shows as only in the other; other keys match whatever their hosts`,
    },
  };
}

/**
 * Each other file's run for each base key. A host-qualified key matches the same host; where the
 * base and that file each hold the configuration from one host only, it matches as the plain key
 * would, so listing a merged third file changes no other pair's comparison.
 */
function matchPartners(
  files: readonly LoadedFile[],
  indexes: readonly Map<string, RunResult>[],
  ignore: readonly KeyField[],
  hostSuffix: HostSuffix,
): Map<string, RunResult>[] {
  const [base, ...others] = files as [LoadedFile, ...LoadedFile[]];
  const baseIndex = indexes[0] as Map<string, RunResult>;
  // The run of `file` holding the configuration `plain` (a key without host) when one host measured it.
  const singleHostRun = (file: LoadedFile, plain: string): RunResult | undefined => {
    const runs = file.data.runs.filter((r) => runKey(r, ignore) === plain);
    return new Set(runs.map((r) => hostOf(file, r))).size === 1 ? runs[0] : undefined;
  };
  return others.map((file, i) => {
    const index = indexes[i + 1] as Map<string, RunResult>;
    const found = new Map<string, RunResult>();
    for (const [key, baseRun] of baseIndex) {
      const plain = runKey(baseRun, ignore);
      const run =
        index.get(key) ??
        (hostSuffix(base, baseRun) && singleHostRun(base, plain) ? singleHostRun(file, plain) : undefined);
      if (run) found.set(key, run);
    }
    return found;
  });
}

/**
 * Files with no configuration in common with the base: an error when every other file is such a
 * file, else a warning each saying how to match it (the others are still compared).
 */
function disjointWarnings(
  files: readonly LoadedFile[],
  partners: readonly Map<string, RunResult>[],
  ignore: readonly KeyField[],
  collisions: readonly HostCollision[],
): RunWarning[] {
  const [base, ...others] = files as [LoadedFile, ...LoadedFile[]];
  const disjoint = others.filter((_, i) => (partners[i] as Map<string, RunResult>).size === 0);
  const plainKeys = (file: LoadedFile): Set<string> => new Set(file.data.runs.map((r) => runKey(r, ignore)));
  const basePlain = plainKeys(base);
  const warnings: RunWarning[] = [];
  for (const file of disjoint) {
    const keyFields = differingKeyFields(base.data.runs, file.data.runs).filter((f) => !ignore.includes(f));
    // Keys the files share without hosts, all host-qualified (any other would have matched): they
    // part on the host. That is not a key field (--ignore-key cannot move it), so it is named with
    // why the key is host-qualified.
    const filePlain = plainKeys(file);
    const hostCollision = collisions.find((c) => basePlain.has(c.key) && filePlain.has(c.key));
    const fields: string[] = hostCollision ? [...keyFields, 'host'] : keyFields;
    // Ignoring the model matches different networks, and ignoring the scenario when a side ran the
    // server scenario matches runs compare cannot judge together: never suggest those.
    const hasServer = [base, file].some((f) => f.data.runs.some((r) => r.config.scenario === 'server'));
    const movable = keyFields.filter((f) => f !== 'model' && !(f === 'scenario' && hasServer));
    const why = hostCollision ? `; matching is host-qualified because ${collisionText(hostCollision)}` : '';
    const message = `${base.label} and ${file.label} have no configuration in common${fields.length ? ` (they differ in ${fields.join(', ')})` : ''}${why}`;
    if (disjoint.length === others.length) {
      throw new BenchError('E_BAD_INPUT', message, {
        hint: movable.length
          ? `to compare across ${movable.join(', ')}, pass --ignore-key ${movable.join(',')}`
          : hasServer && keyFields.includes('scenario')
            ? 'server-scenario runs compare only with server runs (at the same --qps and bound)'
            : hostCollision
              ? "compare files measured on the same hosts, or compare each host's own result file (a file before bench merge)"
              : 'compare result files that measured the same models',
      });
    }
    // Only some files are disjoint: the others are compared, and this one says how to match it.
    warnings.push({
      code: 'W_DISJOINT_FILE',
      message,
      ...(movable.length
        ? { advice: `to compare across ${movable.join(', ')}, pass --ignore-key ${movable.join(',')}` }
        : {}),
    });
  }
  return warnings;
}

/** A row per base key that some other file matched, with each file's cell; the runs each row matched. */
function compareRows(
  files: readonly LoadedFile[],
  baseIndex: ReadonlyMap<string, RunResult>,
  partners: readonly Map<string, RunResult>[],
  o: { ignore: readonly KeyField[]; settings: Settings; suffix: HostSuffix },
): { rows: ComparisonRow[]; matchedRuns: (RunResult | undefined)[][]; replicatesByFile: Float64Array[][] } {
  const [base, ...others] = files as [LoadedFile, ...LoadedFile[]];
  const rows: ComparisonRow[] = [];
  const matchedRuns: (RunResult | undefined)[][] = [];
  const replicatesByFile: Float64Array[][] = others.map(() => []);
  for (const [key, baseRun] of baseIndex) {
    const otherRuns = partners.map((found) => found.get(key));
    if (otherRuns.every((r) => r === undefined)) continue;
    // Matched runs share the host when the key is host-qualified: the base run's suffix is the row's.
    const suffix = o.suffix(base, baseRun);
    const cells = otherRuns.map((run, i) => {
      const { cell, replicates } = compareCell(
        i + 1,
        baseRun,
        run,
        (others[i] as LoadedFile).label,
        base.label,
        o.settings,
        suffix,
      );
      if (replicates) (replicatesByFile[i] as Float64Array[]).push(replicates);
      return cell;
    });
    matchedRuns.push([baseRun, ...otherRuns]);
    rows.push({
      key,
      ...(suffix ? { host: hostOf(base, baseRun) } : {}),
      label: rowLabel([baseRun, ...otherRuns], o.ignore) + suffix,
      model: baseRun.model.name,
      batch: baseRun.config.batch,
      scenario: baseRun.config.scenario,
      // Each run's own host: a single-host fallback match may pair two hosts.
      runs: [
        summarizeRun(baseRun, suffix),
        ...otherRuns.map((r, i) => (r ? summarizeRun(r, o.suffix(others[i] as LoadedFile, r)) : null)),
      ],
      cells,
    });
  }
  return { rows, matchedRuns, replicatesByFile };
}

/** Per other file: the geometric-mean ratio over its cells with its interval, and the verdict counts. */
function columnSummaries(
  count: number,
  rows: readonly ComparisonRow[],
  replicatesByFile: readonly Float64Array[][],
  confidence: number,
): ColumnSummary[] {
  return Array.from({ length: count }, (_, i): ColumnSummary => {
    const cells = rows.map((r) => r.cells[i] as CellComparison);
    const ratios = cells.flatMap((c) =>
      c.verdict !== 'not-comparable' && c.ratio !== null ? [c.ratio] : [],
    );
    const replicateSets = replicatesByFile[i] as Float64Array[];
    return {
      fileIndex: i + 1,
      geomeanRatio: ratios.length ? geometricMean(ratios) : null,
      ci: replicateSets.length ? geometricMeanInterval(replicateSets, confidence) : null,
      faster: cells.filter((c) => c.verdict === 'faster').length,
      slower: cells.filter((c) => c.verdict === 'slower').length,
      noChange: cells.filter((c) => c.verdict === 'no-change').length,
      notComparable: cells.filter((c) => c.verdict === 'not-comparable').length,
    };
  });
}

/** Keys whose runs matched nothing, with the labels of the files that hold them. */
function unmatchedKeys(
  files: readonly LoadedFile[],
  indexes: readonly Map<string, RunResult>[],
  matchedRuns: readonly (RunResult | undefined)[][],
): [string, string[]][] {
  const matched = new Set(matchedRuns.flat());
  const keys = new Map<string, string[]>();
  files.forEach((file, i) => {
    for (const [key, run] of indexes[i] as Map<string, RunResult>) {
      if (!matched.has(run)) keys.set(key, [...(keys.get(key) ?? []), file.label]);
    }
  });
  return [...keys];
}

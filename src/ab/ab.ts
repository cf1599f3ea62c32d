/**
 * `bench ab`: A and B, two variants of one workload, run in alternating short rounds in separate
 * worker processes, so both see the same load; the verdict rests on the per-round ratios
 * (src/stats/paired.ts). See docs/ab.md.
 */
import { hostname } from 'node:os';
import { BenchError } from '../core/errors.js';
import { mulberry32 } from '../core/random.js';
import { TOOL_VERSION } from '../core/version.js';
import { AB_FORMAT, AB_VERSION, type AbFile, type AbRound, type AbSideSpec } from '../results/ab-schema.js';
import { checkOutFile, writeFileAtomic } from '../results/io.js';
import { pairedRatioSummary, pairedRegressionPct, type PairedSummary } from '../stats/paired.js';
import { bootstrapMedianRatio, mannWhitneyU } from '../stats/significance.js';
import { median } from '../stats/statistics.js';
import type { FromWorker, SliceResult } from './protocol.js';
import { SideFailure, SideWorker, workerScript } from './side.js';

/** The spec fields A and B may differ in; `--allow-diff` names extra ones. */
export const AB_FIELDS = ['model', 'engine', 'precision', 'threads', 'epOptions', 'dir'] as const;
export type AbField = (typeof AB_FIELDS)[number];

/** Flag words for each field, as errors name them. */
const FIELD_FLAG: Record<AbField, string> = {
  model: 'model (--a/--b)',
  engine: 'engine',
  precision: 'precision',
  threads: 'threads',
  epOptions: 'ep-option',
  dir: 'dir',
};

export interface AbOptions {
  a: AbSideSpec;
  b: AbSideSpec;
  /** Fields allowed to differ besides the one under test. */
  allowDiff: readonly AbField[];
  batch: number;
  /** Seconds per side per round. */
  roundS: number;
  /** Seconds each side runs before the first round, not recorded. */
  warmupS: number;
  order: 'abba' | 'random';
  seed: number;
  /** Stop when the ratio's CI half-width is at most this many percent of the median. */
  relCiPct: number;
  maxDurationS: number;
  minRounds: number;
  maxRounds: number;
  confidence: number;
  /** Significance level of the plain (two-file) comparison's Mann-Whitney test. */
  alpha: number;
  out?: string;
  force?: boolean;
  failOnRegressionPct?: number;
  command: string;
}

export interface AbHooks {
  /** After each finished round, with the paired statistic so far. */
  onRound?: (round: AbRound, summary: PairedSummary) => void;
  /** After each side has loaded and warmed up. */
  onNotice?: (line: string) => void;
  signal?: AbortSignal;
  /** Test hook: extra environment for side B's worker. */
  env?: { a?: NodeJS.ProcessEnv; b?: NodeJS.ProcessEnv };
}

export interface AbOutcome {
  file: AbFile;
  /** E_SIDE_FAILED, E_REGRESSION or E_INTERRUPTED; the file is written first. */
  error: BenchError | null;
}

function same(field: AbField, a: AbSideSpec, b: AbSideSpec): boolean {
  if (field === 'epOptions') return [...a.epOptions].sort().join('\n') === [...b.epOptions].sort().join('\n');
  return a[field] === b[field];
}

/** The fields A and B differ in; E_BAD_INPUT when more than one, beyond those `allowDiff` names. */
export function abDifferences(a: AbSideSpec, b: AbSideSpec, allowDiff: readonly AbField[] = []): AbField[] {
  const diff = AB_FIELDS.filter((f) => !same(f, a, b));
  const unexpected = diff.filter((f) => !allowDiff.includes(f));
  if (unexpected.length > 1) {
    throw new BenchError(
      'E_BAD_INPUT',
      `A and B differ in ${unexpected.length} things (${unexpected.map((f) => FIELD_FLAG[f]).join(', ')}); an A/B test changes one`,
      {
        hint: `make them differ in one, or name the others with --allow-diff ${unexpected.slice(1).join(',')}`,
      },
    );
  }
  return diff;
}

/** Which side goes first in round i. */
function firstSide(order: AbOptions['order'], i: number, random: () => number): 'a' | 'b' {
  if (order === 'random') return random() < 0.5 ? 'a' : 'b';
  return i % 2 === 0 ? 'a' : 'b'; // AB BA AB BA ...
}

/** What `bench compare` of two files with these pooled samples would have said (its offline rule). */
export function plainComparison(
  aMs: readonly number[],
  bMs: readonly number[],
  o: { batch: number; alpha: number; confidence: number; seed: number; bootstrapIterations?: number },
): NonNullable<AbFile['plain']> {
  const MIN = 5;
  if (aMs.length < MIN || bMs.length < MIN)
    return { verdict: 'not-comparable', ratio: null, ci: null, pValue: null, reason: 'fewer than 5 samples' };
  const per = (ms: number) => (o.batch * 1000) / ms;
  const test = mannWhitneyU(bMs.map(per), aMs.map(per));
  const boot = bootstrapMedianRatio(aMs, bMs, {
    iterations: o.bootstrapIterations ?? 1000,
    seed: o.seed,
    confidence: o.confidence,
  });
  const significant = test.pValue < o.alpha;
  const verdict =
    significant && boot.ci[0] > 1 ? 'faster' : significant && boot.ci[1] < 1 ? 'slower' : 'no-change';
  return { verdict, ratio: boot.estimate, ci: boot.ci, pValue: test.pValue };
}

/**
 * One side's figures in a round. Its img/s is bench run's: batch over the median latency, which a load
 * burst stalling a few runs moves far less than completed images over wall time (kept as wallPerS).
 */
function slice(r: SliceResult, batch: number): AbRound['a'] {
  const medianMs = r.samplesMs.length > 0 ? median(r.samplesMs) : 0;
  return {
    iterations: r.iterations,
    wallS: r.wallS,
    perS: medianMs > 0 ? (batch * 1000) / medianMs : 0,
    wallPerS: (r.iterations * batch) / r.wallS,
    medianMs,
  };
}

/** Runs the A/B test; the file is written (when `out` is given) before any error is returned. */
export async function runAb(o: AbOptions, hooks: AbHooks = {}): Promise<AbOutcome> {
  const differences = abDifferences(o.a, o.b, o.allowDiff);
  const scripts = { a: workerScript(o.a, '--a-dir'), b: workerScript(o.b, '--b-dir') };
  if (o.out) checkOutFile(o.out, { force: o.force ?? false });
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const file: AbFile = {
    format: AB_FORMAT,
    version: AB_VERSION,
    toolVersion: TOOL_VERSION,
    createdAt: new Date().toISOString(),
    command: o.command,
    host: hostname(),
    settings: {
      batch: o.batch,
      roundS: o.roundS,
      warmupS: o.warmupS,
      order: o.order,
      seed: o.seed,
      relCiPct: o.relCiPct,
      maxDurationS: o.maxDurationS,
      minRounds: o.minRounds,
      maxRounds: o.maxRounds,
      confidence: o.confidence,
      alpha: o.alpha,
    },
    sides: { a: o.a, b: o.b },
    loaded: { a: null, b: null },
    differences,
    status: 'ok',
    stopReason: 'max-rounds',
    rounds: [],
    samplesMs: { a: [], b: [] },
    paired: null,
    plain: null,
    elapsedS: 0,
  };
  // Two workers per side, started and loaded in the order A0 B0 B1 A1. The worker started first ran
  // about 1.5 % faster than the second in A/A runs on the 2-core development VM (which side was
  // loaded first decided the sign), so rounds use the pair (A0, B0) and the pair (A1, B1) in turn:
  // each side has one early and one late worker, and an effect of the start order cancels.
  const START: readonly (readonly ['a' | 'b', 0 | 1])[] = [
    ['a', 0],
    ['b', 0],
    ['b', 1],
    ['a', 1],
  ];
  const workers: Record<'a' | 'b', SideWorker[]> = { a: [], b: [] };
  for (const [side] of START) workers[side].push(new SideWorker(scripts[side], hooks.env?.[side]));
  let phase: 'load' | 'warmup' | 'round' = 'load';
  let current: 'a' | 'b' = 'a';
  const ask = async (
    side: 'a' | 'b',
    k: 0 | 1,
    m: Parameters<SideWorker['request']>[0],
  ): Promise<FromWorker> => {
    current = side;
    return (workers[side][k] as SideWorker).request(m);
  };
  try {
    for (const [side, k] of START) {
      const m = await ask(side, k, { kind: 'load', spec: o[side], batch: o.batch, seed: o.seed });
      if (m.kind !== 'loaded') throw new SideFailure(`unexpected reply ${m.kind}`);
      const { kind: _kind, ...info } = m;
      file.loaded[side] = info;
    }
    phase = 'warmup';
    for (const [side, k] of START) await ask(side, k, { kind: 'slice', seconds: o.warmupS, warmup: true });
    hooks.onNotice?.(`both sides loaded and warmed up in ${elapsed().toFixed(1)} s`);
    phase = 'round';
    const random = mulberry32(o.seed);
    let lastRoundS = 0;
    for (let i = 0; ; i++) {
      if (hooks.signal?.aborted) {
        file.stopReason = 'interrupted';
        file.status = 'interrupted';
        break;
      }
      if (i >= o.maxRounds) {
        file.stopReason = 'max-rounds';
        break;
      }
      if (i > 0 && elapsed() + lastRoundS > o.maxDurationS) {
        file.stopReason = 'max-duration';
        break;
      }
      const roundStart = performance.now();
      const first = firstSide(o.order, i, random);
      // Worker pair 0 for two rounds (AB, BA), then pair 1 for two.
      const k = (Math.floor(i / 2) % 2) as 0 | 1;
      const second = first === 'a' ? 'b' : 'a';
      const got: Partial<Record<'a' | 'b', SliceResult>> = {};
      for (const side of [first, second] as const) {
        const m = await ask(side, k, { kind: 'slice', seconds: o.roundS, warmup: false });
        if (m.kind !== 'slice') throw new SideFailure(`unexpected reply ${m.kind}`);
        got[side] = m;
      }
      const a = got.a as SliceResult;
      const b = got.b as SliceResult;
      file.samplesMs.a.push(...a.samplesMs);
      file.samplesMs.b.push(...b.samplesMs);
      const sa = slice(a, o.batch);
      const sb = slice(b, o.batch);
      const round: AbRound = { index: i, first, a: sa, b: sb, ratio: sb.perS / sa.perS };
      file.rounds.push(round);
      lastRoundS = (performance.now() - roundStart) / 1000;
      const summary = pairedRatioSummary(
        file.rounds.map((r) => r.ratio),
        o.confidence,
      );
      hooks.onRound?.(round, summary);
      if (file.rounds.length >= o.minRounds && summary.relCiPct !== null && summary.relCiPct <= o.relCiPct) {
        file.stopReason = 'rel-ci';
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof SideFailure)) throw e;
    file.status = 'failed';
    file.stopReason = 'failed';
    file.failure = { side: current, phase, message: e.message };
  } finally {
    for (const w of [...workers.a, ...workers.b]) w.close();
  }
  file.elapsedS = elapsed();
  if (file.rounds.length > 0)
    file.paired = pairedRatioSummary(
      file.rounds.map((r) => r.ratio),
      o.confidence,
    );
  file.plain = plainComparison(file.samplesMs.a, file.samplesMs.b, o);
  if (o.out) writeFileAtomic(o.out, `${JSON.stringify(file)}\n`);
  return { file, error: outcomeError(file, o) };
}

/** The error the command ends with, if any. */
function outcomeError(file: AbFile, o: AbOptions): BenchError | null {
  const saved = o.out ? `; ${file.rounds.length} finished rounds are in ${o.out}` : '';
  if (file.failure) {
    const { side, phase, message } = file.failure;
    return new BenchError(
      'E_SIDE_FAILED',
      `side ${side.toUpperCase()} failed during ${phase}: ${message}${saved}`,
      {
        hint: `run side ${side.toUpperCase()} alone with bench run to see the error in full`,
      },
    );
  }
  if (file.status === 'interrupted')
    return new BenchError('E_INTERRUPTED', `interrupted after ${file.rounds.length} rounds${saved}`);
  if (o.failOnRegressionPct !== undefined && file.paired) {
    const pct = pairedRegressionPct(file.paired, o.failOnRegressionPct);
    if (pct !== null)
      return new BenchError(
        'E_REGRESSION',
        `B is ${pct.toFixed(1)} % slower than A (median round ratio ${file.paired.medianRatio.toFixed(4)}, significant), beyond --fail-on-regression ${o.failOnRegressionPct}`,
      );
  }
  return null;
}

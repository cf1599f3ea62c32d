/**
 * `bench ab`: A and B, two variants of one workload, run in alternating short rounds in separate
 * worker processes, so both see the same load; the verdict rests on the per-round ratios
 * (src/stats/paired.ts). See docs/ab.md.
 */
import { BenchError } from '../core/errors.js';
import { mulberry32 } from '../core/random.js';
import { captureEnvironment } from '../env/environment.js';
import type { AbRound, AbSection, AbSideSpec } from '../results/ab-schema.js';
import { checkOutFile, writeResultFile } from '../results/io.js';
import { lockResultFile } from '../results/lock.js';
import { SCHEMA_VERSION, type ResultFile } from '../results/schema.js';
import { pairedRatioSummary, pairedRegressionPct, type PairedSummary } from '../stats/paired.js';
import { bootstrapMedianRatio, mannWhitneyU } from '../stats/significance.js';
import { median } from '../stats/statistics.js';
import { pinProcess, planPinning, type Pinning } from './affinity.js';
import type { FromWorker, SliceResult } from './protocol.js';
import { saveFailure } from '../run/run.js';
import { sideRun } from './side-run.js';
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
  /** Pin each worker pair to its own CPUs (default true; see affinity.ts). */
  pin?: boolean;
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

/** A result file `bench ab` wrote: its `ab` section is always there. */
type AbResultFile = ResultFile & { ab: AbSection };

export interface AbOutcome {
  file: AbResultFile;
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

/** Pins worker pair k (A_k and B_k) to the same CPUs; see affinity.ts for why. */
function pinWorkers(workers: Record<'a' | 'b', SideWorker[]>, o: AbOptions): Pinning {
  if (o.pin === false) return { pairs: null, reason: '--no-pin' };
  const plan = planPinning(o.a.threads, o.b.threads);
  if (!plan.pairs) return plan;
  for (const k of [0, 1] as const)
    for (const side of ['a', 'b'] as const) {
      const pid = workers[side][k]?.pid;
      const error = pid === undefined ? 'a worker did not start' : pinProcess(pid, plan.pairs[k]);
      if (error) return { pairs: null, reason: error };
    }
  return plan;
}

/** Which side goes first in round i. */
function firstSide(order: AbOptions['order'], i: number, random: () => number): 'a' | 'b' {
  if (order === 'random') return random() < 0.5 ? 'a' : 'b';
  return i % 2 === 0 ? 'a' : 'b'; // AB BA AB BA ...
}

/** What `bench compare` of two files with these pooled samples would have said (its offline rule). */
function plainComparison(
  aMs: readonly number[],
  bMs: readonly number[],
  o: { batch: number; alpha: number; confidence: number; seed: number; bootstrapIterations?: number },
): NonNullable<AbSection['plain']> {
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
  const unlock = o.out ? lockResultFile(o.out, o.command) : () => undefined;
  try {
    return await runLocked(o, hooks, differences, scripts);
  } finally {
    unlock();
  }
}

async function runLocked(
  o: AbOptions,
  hooks: AbHooks,
  differences: AbSection['differences'],
  scripts: Record<'a' | 'b', string>,
): Promise<AbOutcome> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const environment = await captureEnvironment();
  const ab: AbSection = {
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
    pinning: { pairs: null },
    rounds: [],
    paired: null,
    plain: null,
    elapsedS: 0,
  };
  const samplesMs: Record<'a' | 'b', number[]> = { a: [], b: [] };
  const startedAt = new Date().toISOString();
  // Two workers per side, started and loaded in the order A0 B0 B1 A1; rounds use the pair (A0, B0)
  // and the pair (A1, B1) in turn, each pair pinned to its own CPUs (affinity.ts). With one early and
  // one late worker per side, an effect of the start order cancels too (docs/ab.md, How it runs).
  const START: readonly (readonly ['a' | 'b', 0 | 1])[] = [
    ['a', 0],
    ['b', 0],
    ['b', 1],
    ['a', 1],
  ];
  const workers: Record<'a' | 'b', SideWorker[]> = { a: [], b: [] };
  for (const [side] of START) workers[side].push(new SideWorker(scripts[side], hooks.env?.[side]));
  ab.pinning = pinWorkers(workers, o);
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
      ab.loaded[side] = info;
    }
    phase = 'warmup';
    for (const [side, k] of START) await ask(side, k, { kind: 'slice', seconds: o.warmupS, warmup: true });
    hooks.onNotice?.(`both sides loaded and warmed up in ${elapsed().toFixed(1)} s`);
    phase = 'round';
    const random = mulberry32(o.seed);
    let lastRoundS = 0;
    for (let i = 0; ; i++) {
      if (hooks.signal?.aborted) {
        ab.stopReason = 'interrupted';
        ab.status = 'interrupted';
        break;
      }
      if (i >= o.maxRounds) {
        ab.stopReason = 'max-rounds';
        break;
      }
      if (i > 0 && elapsed() + lastRoundS > o.maxDurationS) {
        ab.stopReason = 'max-duration';
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
      samplesMs.a.push(...a.samplesMs);
      samplesMs.b.push(...b.samplesMs);
      const sa = slice(a, o.batch);
      const sb = slice(b, o.batch);
      const round: AbRound = { index: i, first, a: sa, b: sb, ratio: sb.perS / sa.perS };
      ab.rounds.push(round);
      lastRoundS = (performance.now() - roundStart) / 1000;
      const summary = pairedRatioSummary(
        ab.rounds.map((r) => r.ratio),
        o.confidence,
      );
      hooks.onRound?.(round, summary);
      if (ab.rounds.length >= o.minRounds && summary.relCiPct !== null && summary.relCiPct <= o.relCiPct) {
        ab.stopReason = 'rel-ci';
        break;
      }
    }
  } catch (e) {
    if (!(e instanceof SideFailure)) throw e;
    ab.status = 'failed';
    ab.stopReason = 'failed';
    ab.failure = { side: current, phase, message: e.message };
  } finally {
    for (const w of [...workers.a, ...workers.b]) w.close();
  }
  ab.elapsedS = elapsed();
  if (ab.rounds.length > 0)
    ab.paired = pairedRatioSummary(
      ab.rounds.map((r) => r.ratio),
      o.confidence,
    );
  ab.plain = plainComparison(samplesMs.a, samplesMs.b, o);
  const file: AbResultFile = {
    schemaVersion: SCHEMA_VERSION,
    createdAt: startedAt,
    command: o.command,
    environment,
    runs: (['a', 'b'] as const).flatMap((side) => {
      const loaded = ab.loaded[side];
      if (!loaded) return [];
      const failed = ab.failure?.side === side ? ab.failure.message : undefined;
      return [
        sideRun({
          side,
          spec: o[side],
          loaded,
          o,
          environment,
          startedAt,
          rounds: ab.rounds,
          samplesMs: samplesMs[side],
          failed,
        }),
      ];
    }),
    ab,
  };
  if (o.out) {
    try {
      writeResultFile(o.out, file);
    } catch (e) {
      throw saveFailure(e, o.out, -1, false); // a full or failing disk: E_IO, exit 74
    }
  }
  return { file, error: outcomeError(file, o) };
}

/** The error the command ends with, if any. */
function outcomeError({ ab }: AbResultFile, o: AbOptions): BenchError | null {
  const saved = o.out ? `; ${ab.rounds.length} finished rounds are in ${o.out}` : '';
  if (ab.failure) {
    const { side, phase, message } = ab.failure;
    return new BenchError(
      'E_SIDE_FAILED',
      `side ${side.toUpperCase()} failed during ${phase}: ${message}${saved}`,
      {
        hint: `run side ${side.toUpperCase()} alone with bench run to see the error in full`,
      },
    );
  }
  if (ab.status === 'interrupted')
    return new BenchError('E_INTERRUPTED', `interrupted after ${ab.rounds.length} rounds${saved}`);
  if (o.failOnRegressionPct !== undefined && ab.paired) {
    const pct = pairedRegressionPct(ab.paired, o.failOnRegressionPct);
    if (pct !== null)
      return new BenchError(
        'E_REGRESSION',
        `B is ${pct.toFixed(1)} % slower than A (median round ratio ${ab.paired.medianRatio.toFixed(4)}, significant), beyond --fail-on-regression ${o.failOnRegressionPct}`,
      );
  }
  return null;
}

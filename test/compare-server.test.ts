import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand } from '../src/report/commands.js';
import { findRegressions, regressionError } from '../src/compare/gate.js';
import { P99_CI_ALONE_MIN_SAMPLES } from '../src/compare/server.js';
import {
  compareFiles,
  type CellComparison,
  type Comparison,
  type CompareOptions,
} from '../src/compare/compare.js';
import { runKey } from '../src/results/key.js';
import type { LoadedFile } from '../src/results/load.js';
import { comparisonTables } from '../src/report/rows.js';
import { writeResultFile } from '../src/results/io.js';
import type { Environment, ResultFile, RunResult } from '../src/results/schema.js';
import { bootstrapMedianRatio, bootstrapPercentileRatio, seededRandom } from '../src/stats/significance.js';
import { percentile } from '../src/stats/statistics.js';
import { syntheticConfig, syntheticEnv } from './synthetic.js';

// Hand-built SYNTHETIC server-scenario runs: picked latencies, not measurements.

const ENV: Environment = syntheticEnv('host-a');

interface ServerSpec {
  samplesMs: number[];
  qps?: number;
  boundMs?: number;
  /** Default: p99 of the samples ≤ the bound. */
  met?: boolean;
  findPeak?: boolean;
  scenario?: 'server' | 'offline';
}

const p99Of = (xs: readonly number[]): number => percentile(Float64Array.from(xs).sort(), 99);

function run(spec: ServerSpec): RunResult {
  const scenario = spec.scenario ?? 'server';
  const qps = spec.qps ?? 100;
  const bound = spec.boundMs ?? 50;
  const p99Ms = p99Of(spec.samplesMs);
  const config = syntheticConfig(scenario, 1, 2, {
    ...(scenario === 'server' ? { qps, latencyBoundMs: bound } : {}),
    ...(spec.findPeak ? { findPeak: true } : {}),
  });
  const partial = {
    model: {
      name: 'tiny_cnn',
      source: 'zoo' as const,
      sha256: 'a'.repeat(64),
      params: 1000,
      macsPerImage: 1_000_000,
      flopsPerImage: 2_000_000,
      inputs: [{ name: 'input', dtype: 'float32' as const, shape: [1, 3, 32, 32] }],
      precision: 'fp32' as const,
    },
    engine: { name: 'ort' as const, version: '1.30.0', provider: 'cpu' },
    config,
  };
  return {
    ...partial,
    key: runKey(partial),
    startedAt: '2026-01-01T00:00:00.000Z',
    device: { requested: 'cpu', actual: 'cpu', name: 'Synthetic CPU' },
    status: 'ok',
    samplesMs: spec.samplesMs,
    ...(scenario === 'server'
      ? {
          server: {
            targetQps: qps,
            achievedQps: qps * 0.99,
            p99Ms,
            latencyBoundMs: bound,
            met: spec.met ?? p99Ms <= bound,
          },
        }
      : {}),
    warnings: [],
  };
}

function data(runs: RunResult[]): ResultFile {
  return {
    schemaVersion: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'bench',
    environment: ENV,
    runs,
  };
}

const file = (label: string, runs: RunResult[]): LoadedFile => ({ path: label, label, data: data(runs) });

/** Compares one server run per side; returns the comparison and its only cell. */
function compareOne(
  base: RunResult,
  other: RunResult,
  options: CompareOptions = {},
): { c: Comparison; cell: CellComparison } {
  const c = compareFiles([file('base.json', [base]), file('new.json', [other])], {
    bootstrapIterations: 500,
    ...options,
  });
  const cell = c.rows[0]?.cells[0];
  if (!cell) throw new Error('no cell');
  return { c, cell };
}

const ramp = (n: number, start: number, step: number): number[] =>
  Array.from({ length: n }, (_, i) => start + i * step);
/** 10, 11, …, 29 ms: p99 = 28 + 0.81 = 28.81 ms (h = 19·0.99 = 18.81), within a 50 ms bound. */
const BASE = ramp(20, 10, 1);
const BASE_P99 = 28.81;
/** Two fully separated samples of 20: exact two-sided p = 2/C(40, 20). */
const SEPARATED_P = 2 / 137846528820;

describe('bootstrapPercentileRatio', () => {
  const a = [3, 9, 4, 12, 7, 5, 8, 20, 6, 11, 2];
  const b = [5, 6, 7, 8, 30, 9, 10, 4, 3];

  it('p = 50 gives the median bootstrap (same resampling)', () => {
    const byPercentile = bootstrapPercentileRatio(a, b, 50, { iterations: 300, seed: 3 });
    const byMedian = bootstrapMedianRatio(a, b, { iterations: 300, seed: 3 });
    expect(byPercentile.estimate).toBe(7 / 7);
    byPercentile.replicates.forEach((r, i) => expect(r).toBeCloseTo(byMedian.replicates[i] as number, 12));
    expect(byPercentile.ci[0]).toBeCloseTo(byMedian.ci[0], 12);
    expect(byPercentile.ci[1]).toBeCloseTo(byMedian.ci[1], 12);
  });

  it('p = 99 replicates equal a sort-based reference with the same random draws', () => {
    const r = bootstrapPercentileRatio(a, b, 99, { iterations: 200, seed: 5 });
    // estimate: p99 of a = 12 + 0.9·(20 - 12) = 19.2 (h = 9.9); of b = 10 + 0.92·(30 - 10) = 28.4 (h = 7.92)
    expect(r.estimate).toBeCloseTo(19.2 / 28.4, 12);
    const random = seededRandom(5);
    const draw = (xs: number[]): Float64Array =>
      Float64Array.from(xs, () => xs[Math.floor(random() * xs.length)] as number).sort();
    for (let i = 0; i < 200; i++) {
      const num = percentile(draw(a), 99);
      expect(r.replicates[i]).toBe(num / percentile(draw(b), 99));
    }
  });

  it('rejects p outside [0, 100] and a zero denominator percentile', () => {
    expect(() => bootstrapPercentileRatio(a, b, 101)).toThrow(RangeError);
    expect(() => bootstrapPercentileRatio(a, [0, 0, 0], 99)).toThrow(RangeError);
  });
});

describe('server keys: fixed --qps', () => {
  it('bound met → missed is slower and fails --fail-on-regression at any limit', () => {
    const newer = ramp(20, 40, 1); // 40 … 59 ms: p99 58.81 ms > 50
    const { c, cell } = compareOne(run({ samplesMs: BASE }), run({ samplesMs: newer }));
    expect(cell.verdict).toBe('slower');
    expect(cell.ratio).toBeNull(); // no img/s ratio for server keys
    // The latency test ran (p-value, p99 CI) but the bound decided: no p99 rule.
    expect(cell.server).toMatchObject({ basis: 'bound', baseMet: true, met: false, p99Rule: null });
    expect(cell.server?.p99Ratio).toBeCloseTo(58.81 / BASE_P99, 12);
    expect(cell.pValue).toBeCloseTo(SEPARATED_P, 20);
    expect(cell.p99ChangePct).toBeCloseTo((58.81 / BASE_P99 - 1) * 100, 10);
    for (const limit of [0, 50, 100]) {
      const found = findRegressions(c, limit);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ metric: 'latency-bound', key: c.rows[0]?.key, file: 'new.json' });
    }
    const error = regressionError(findRegressions(c, 100), 100);
    expect(error?.code).toBe('E_REGRESSION');
    expect(error?.message).toBe(
      `regression: ${c.rows[0]?.key} in new.json missed the 50 ms p99 bound that the base met (p99 +104.1 %), which fails --fail-on-regression at any limit (100 % given)`,
    );
  });

  it('bound missed → met is faster and never a regression', () => {
    const { c, cell } = compareOne(run({ samplesMs: ramp(20, 40, 1) }), run({ samplesMs: BASE }));
    expect(cell.verdict).toBe('faster');
    expect(cell.server).toMatchObject({ basis: 'bound', baseMet: false, met: true, p99Rule: null });
    expect(findRegressions(c, 0)).toEqual([]);
  });

  it('the same latency distribution (shuffled): no change, p = 1, p99 ratio 1', () => {
    const shuffled = [...BASE].reverse();
    const { c, cell } = compareOne(run({ samplesMs: BASE }), run({ samplesMs: shuffled }));
    expect(cell.verdict).toBe('no-change');
    expect(cell.server).toMatchObject({ basis: 'p99', baseMet: true, met: true, achievedQpsChangePct: 0 });
    expect(cell.server?.p99Ratio).toBe(1);
    expect(cell.pValue).toBe(1);
    expect(cell.server?.p99Ci?.[0]).toBeLessThanOrEqual(1);
    expect(cell.server?.p99Ci?.[1]).toBeGreaterThanOrEqual(1);
    expect(findRegressions(c, 0)).toEqual([]);
    expect(c.summary[0]).toMatchObject({ geomeanRatio: null, ci: null, noChange: 1 });
  });

  it('a significantly lower p99 is faster', () => {
    const lower = ramp(20, 4, 0.25); // 4 … 8.75 ms, all below the base: p99 4 + 18.81·0.25 = 8.7025
    const { c, cell } = compareOne(run({ samplesMs: BASE }), run({ samplesMs: lower }));
    expect(cell.verdict).toBe('faster');
    expect(cell.server?.basis).toBe('p99');
    expect(cell.server?.p99Ratio).toBeCloseTo(8.7025 / BASE_P99, 12);
    expect(cell.server?.p99Ci?.[1]).toBeLessThan(1);
    expect(cell.pValue).toBeCloseTo(SEPARATED_P, 20);
    expect(findRegressions(c, 0)).toEqual([]);
  });

  it('a significantly higher p99 within the bound is slower; the gate compares the p99 rise with PCT', () => {
    const higher = ramp(20, 30, 0.5); // 30 … 39.5 ms: p99 30 + 18.81·0.5 = 39.405 ≤ 50
    const { c, cell } = compareOne(run({ samplesMs: BASE }), run({ samplesMs: higher }));
    expect(cell.verdict).toBe('slower');
    expect(cell.server).toMatchObject({ basis: 'p99', baseMet: true, met: true });
    expect(cell.server?.p99Ci?.[0]).toBeGreaterThan(1);
    const risePct = (39.405 / BASE_P99 - 1) * 100; // 36.775 %
    const found = findRegressions(c, 30);
    expect(found).toHaveLength(1);
    expect(found[0]?.metric).toBe('p99');
    expect(found[0]?.slowdownPct).toBeCloseTo(risePct, 10);
    expect(findRegressions(c, 37)).toEqual([]);
    expect(regressionError(found, 30)?.message).toMatch(
      /has a 36\.8 % higher p99 latency \(p99 ratio 1\.368, significant\), over the --fail-on-regression 30 % limit$/,
    );
  });

  it('a change confined to the tail: with 500+ queries a side the p99 CI alone decides', () => {
    // n queries at 10, 10.001, ... ms; the new run has its last 3 % at 30 ms instead: p99 rises to
    // 30 ms while 97 % of the queries are unchanged, too few moved for the rank test to see. (3 %, not
    // 2 %: with 2 % a resample below 500 queries often holds too few of them and the CI reaches 1.)
    const tailCell = (n: number): CellComparison => {
      const base = ramp(n, 10, 0.001);
      const other = base.map((ms, i) => (i >= n * 0.97 ? 30 : ms));
      return compareOne(run({ samplesMs: base, boundMs: 100 }), run({ samplesMs: other, boundMs: 100 })).cell;
    };
    const large = tailCell(1000);
    expect(large.pValue).toBeGreaterThan(0.05);
    expect(large.server?.p99Rule).toBe('ci');
    expect(large.server?.basis).toBe('p99');
    expect(large.server?.p99Ci?.[0]).toBeGreaterThan(1);
    expect(large.verdict).toBe('slower');
    // 400 a side (below P99_CI_ALONE_MIN_SAMPLES): the CI excludes 1, so 'no-change' is the rank
    // test's veto: it must agree, and it does not.
    const small = tailCell(400);
    expect(small.pValue).toBeGreaterThan(0.05);
    expect(small.server?.p99Rule).toBe('ci-and-rank-test');
    expect(small.server?.basis).toBe('p99');
    expect(small.server?.p99Ci?.[0]).toBeGreaterThan(1);
    expect(small.verdict).toBe('no-change');
    expect(P99_CI_ALONE_MIN_SAMPLES).toBe(500);
    // The boundary: exactly 500 a side is the CI alone; 499 needs the rank test too.
    const at = tailCell(500);
    expect([at.server?.p99Rule, at.verdict]).toEqual(['ci', 'slower']);
    expect(at.server?.p99Ci?.[0]).toBeGreaterThan(1);
    expect(at.pValue).toBeGreaterThan(0.05);
    const below = tailCell(499);
    expect([below.server?.p99Rule, below.verdict]).toEqual(['ci-and-rank-test', 'no-change']);
    expect(below.server?.p99Ci?.[0]).toBeGreaterThan(1);
    expect(below.pValue).toBeGreaterThan(0.05);
  });

  it('different --qps, different bounds, or --find-peak on one side: not comparable, with the reason', () => {
    const cases: [RunResult, string][] = [
      [run({ samplesMs: BASE, qps: 200 }), 'target QPS differs: 100 in base.json, 200 in new.json'],
      [run({ samplesMs: BASE, boundMs: 40 }), 'latency bound differs: 50 ms in base.json, 40 ms in new.json'],
      [run({ samplesMs: BASE, findPeak: true }), '--find-peak in new.json only'],
    ];
    for (const [other, reason] of cases) {
      const { cell } = compareOne(run({ samplesMs: BASE }), other);
      expect(cell.verdict).toBe('not-comparable');
      expect(cell.reason).toBe(reason);
    }
  });

  it('a run cut short at --max-duration is not judged, even when it met the bound', () => {
    const cut = run({ samplesMs: BASE });
    cut.server = { ...(cut.server as NonNullable<RunResult['server']>), cutShort: true };
    const { cell } = compareOne(run({ samplesMs: BASE }), cut);
    expect(cell.verdict).toBe('not-comparable');
    expect(cell.reason).toBe('cut short at --max-duration in new.json (LoadGen: INVALID)');
  });

  it('too few latency samples: not comparable unless the bound decides', () => {
    const { cell } = compareOne(run({ samplesMs: BASE }), run({ samplesMs: [10, 11, 12, 13] }));
    expect(cell).toMatchObject({ verdict: 'not-comparable', reason: '4 samples in new.json (need 5)' });
    const missed = compareOne(run({ samplesMs: BASE }), run({ samplesMs: [60, 61, 62, 63] })).cell;
    expect(missed.verdict).toBe('slower');
    expect(missed.server?.basis).toBe('bound');
  });
});

describe('server keys: --find-peak', () => {
  const peak = (qps: number, met = true): RunResult => run({ samplesMs: BASE, qps, findPeak: true, met });

  it('judges the confirmed peak QPS beyond ±5 %, never the p99 at different rates', () => {
    const lower = compareOne(peak(100), peak(80));
    expect(lower.cell.verdict).toBe('slower');
    expect(lower.cell.server).toMatchObject({ basis: 'peak-qps', p99Ratio: null, p99Ci: null });
    expect(lower.cell.server?.peakQpsChangePct).toBeCloseTo(-20, 12);
    expect(lower.cell.pValue).toBeNull();
    expect(findRegressions(lower.c, 10).map((r) => r.metric)).toEqual(['peak-qps']);
    expect(findRegressions(lower.c, 10)[0]?.slowdownPct).toBeCloseTo(20, 12);
    expect(findRegressions(lower.c, 25)).toEqual([]);

    expect(compareOne(peak(100), peak(120)).cell.verdict).toBe('faster');
    expect(compareOne(peak(100), peak(104)).cell.verdict).toBe('no-change'); // within the search's 5 %
    expect(compareOne(peak(100), peak(96)).cell.verdict).toBe('no-change');
    expect(compareOne(peak(100), peak(96), { peakTolerancePct: 2 }).cell.verdict).toBe('slower');
  });

  it('a peak confirmed in the base only is slower (bound); none confirmed on either side is not comparable', () => {
    const lost = compareOne(peak(100), peak(60, false));
    expect(lost.cell.verdict).toBe('slower');
    expect(lost.cell.server).toMatchObject({ basis: 'bound', peakQpsChangePct: null });
    expect(findRegressions(lost.c, 100).map((r) => r.metric)).toEqual(['latency-bound']);
    const none = compareOne(peak(50, false), peak(60, false)).cell;
    expect(none).toMatchObject({
      verdict: 'not-comparable',
      reason: 'neither base.json nor new.json confirmed a peak',
    });
  });
});

describe('scenarios in one comparison', () => {
  it('the scenario is part of the key; with --ignore-key scenario a server/offline pair is not comparable', () => {
    const offline = run({ samplesMs: BASE, scenario: 'offline' });
    const server = run({ samplesMs: BASE });
    expect(runKey(offline)).not.toBe(runKey(server));
    const { cell } = compareOne(offline, server, { ignore: ['scenario'] });
    expect(cell).toMatchObject({
      verdict: 'not-comparable',
      reason: 'scenario differs: offline in base.json, server in new.json',
      server: null,
    });
  });

  it('offline keys keep the throughput table; server keys get their own columns and counts', () => {
    const base = file('base.json', [run({ samplesMs: BASE, scenario: 'offline' }), run({ samplesMs: BASE })]);
    const other = file('new.json', [
      run({ samplesMs: ramp(20, 5, 0.5), scenario: 'offline' }),
      run({ samplesMs: ramp(20, 40, 1) }),
    ]);
    const c = compareFiles([base, other], { bootstrapIterations: 200 });
    const tables = comparisonTables(c);
    expect(tables.map((t) => t.kind)).toEqual(['throughput', 'server']);
    const [throughput, server] = tables.map((t) => t.table);
    expect(throughput?.rows.map((r) => r[0])).toEqual([
      runKey(base.data.runs[0] as RunResult),
      'geometric mean',
    ]);
    expect(throughput?.rows.at(-1)?.at(-1)).toBe('1 faster, 0 slower, 0 unchanged, 0 not comparable');
    expect(server?.header).toEqual([
      'configuration',
      'base.json QPS',
      'base.json p99 ms',
      'base.json p99 bound',
      'new.json QPS',
      'new.json p99 ms',
      'new.json p99 bound',
      'QPS Δ',
      'p99 ratio',
      '95 % CI',
      'p',
      'verdict',
    ]);
    const row = server?.rows[0] ?? [];
    // Figures and units are joined by no-break spaces (U+00A0), so HTML cells never split them.
    expect(row.slice(0, 7)).toEqual([
      runKey(base.data.runs[1] as RunResult),
      '99.00',
      '28.81',
      'met (50\u00a0ms)',
      '99.00',
      '58.81',
      'missed (50\u00a0ms)',
    ]);
    expect(row.slice(7, 9)).toEqual(['±0.0\u00a0%', '2.041×']);
    expect(row.at(-1)).toBe('slower (missed the bound)');
    expect(server?.rows.at(-1)?.at(-1)).toBe('0 faster, 1 slower, 0 unchanged, 0 not comparable');
    expect(server?.rows.at(-1)).toHaveLength(server?.header.length ?? 0);
    // The JSON summary still counts every key.
    expect(c.summary[0]).toMatchObject({ faster: 1, slower: 1 });
  });
});

describe('bench compare on server result files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h100e-compare-server-'));
  const write = (name: string, runs: RunResult[]): string => {
    const path = join(dir, name);
    writeResultFile(path, data(runs));
    return path;
  };
  const basePath = write('base.json', [run({ samplesMs: BASE, qps: 100, findPeak: true })]);
  const newPath = write('new.json', [run({ samplesMs: BASE, qps: 80, findPeak: true })]);

  it('Markdown: server columns with the peak, no img/s; the gate fails on the peak drop', async () => {
    const out = await compareCommand([basePath, newPath], {
      format: 'markdown',
      failOnRegressionPct: 10,
      bootstrapIterations: 200,
    });
    // The caption states both p99 rules: the CI alone with 500+ queries a side, else the rank test too.
    expect(out.stdout.split('\n')).toContain(
      "Server scenario (MLPerf LoadGen style): QPS = achieved queries/s, p99 against each run's latency bound. " +
        'p99 ratio = p99 latency of each file over base.json, with a 95 % bootstrap CI; p = two-sided Mann-Whitney U on per-query latencies. ' +
        'A run that misses a bound base.json met is slower (meeting one it missed, faster); otherwise two --find-peak runs are judged on ' +
        'the confirmed peak QPS (a change beyond ±5 %), and runs at the same --qps on p99 (a CI that excludes 1; ' +
        'with fewer than 500 queries a side, also p < 0.05).',
    );
    expect(out.stdout).toContain('| base.json peak QPS |');
    expect(out.stdout).toContain(
      '| 99.00 | 100.0 | 28.81 | met \\(50\u00a0ms\\) | 79.20 | 80.00 | 28.81 | met \\(50\u00a0ms\\) | −20.0\u00a0% | −20.0\u00a0% | – | – | – | slower \\(peak −20.0\u00a0%\\) |',
    );
    expect(out.stdout).not.toContain('img/s');
    expect(out.error?.code).toBe('E_REGRESSION');
    expect(out.error?.message).toMatch(
      /has a 20\.0 % lower peak QPS \(ratio 0\.800\), over the --fail-on-regression 10 % limit$/,
    );
    const relaxed = await compareCommand([basePath, newPath], { format: 'table', failOnRegressionPct: 25 });
    expect(relaxed.error).toBeNull();
    expect(relaxed.stdout).toMatch(/new\.json peak QPS/);
  });

  it('JSON carries the server fields', async () => {
    const out = await compareCommand([basePath, newPath], { format: 'json', bootstrapIterations: 200 });
    const parsed = JSON.parse(out.stdout) as { comparison: Comparison };
    const row = parsed.comparison.rows[0];
    expect(row?.scenario).toBe('server');
    expect(row?.runs[1]?.server).toEqual({
      targetQps: 80,
      achievedQps: 79.2,
      p99Ms: 28.81,
      latencyBoundMs: 50,
      met: true,
      cutShort: false,
      findPeak: true,
      peakQps: 80,
    });
    expect(row?.cells[0]).toMatchObject({
      verdict: 'slower',
      ratio: null,
      server: { basis: 'peak-qps', baseMet: true, met: true, p99Ratio: null },
    });
    expect(row?.cells[0]?.server?.peakQpsChangePct).toBeCloseTo(-20, 12);
    expect(parsed.comparison.peakTolerancePct).toBe(5);
  });
});

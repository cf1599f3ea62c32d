/**
 * The regression gate of `bench compare --fail-on-regression`: which cells of a comparison trip it and
 * the one-line error that names the worst. Apart from compare.ts, which only judges.
 */
import { BenchError } from '../core/errors.js';
import type { CellComparison, Comparison, RunSummary } from './compare.js';
import type { ServerCellComparison } from './server.js';

/** What a regression is measured on. */
type RegressionMetric = 'throughput' | 'p90' | 'p99' | 'peak-qps' | 'latency-bound' | 'lost';

/** A cell that trips the regression gate, with its key. */
export interface Regression {
  key: string;
  file: string;
  /**
   * throughput (offline), p90 (single-stream); server keys: p99, peak-qps, or a newly missed latency bound;
   * lost: a configuration the base measured failed or is missing in the new file.
   */
  metric: RegressionMetric;
  /** How much worse in percent: throughput or peak-QPS drop, p90/p99 rise (for latency-bound: the p99 change). */
  slowdownPct: number;
  /** New over base of the metric (throughput, p90, p99 or peak QPS). */
  ratio: number;
  ci: [number, number] | null;
  /** What happened, for the error message, e.g. "is 20.0 % slower (throughput ratio 0.800, significant)". */
  what: string;
  /**
   * For metric 'lost': what became of the configuration in the later file: missing, or its run's
   * status there. The gate ranks on it (a failed run before a slowdown, a missing one after).
   */
  lost?: LostHow;
}

/** How a configuration the base measured was lost in a later file. */
type LostHow = 'missing' | Exclude<RunSummary['status'], 'ok'>;

/** The regression of a server cell with verdict 'slower', if it trips the gate at `thresholdPct`. */
function serverRegression(
  cell: CellComparison,
  server: ServerCellComparison,
  base: RunSummary | null,
  thresholdPct: number,
): Omit<Regression, 'key' | 'file'> | null {
  if (server.basis === 'bound') {
    const bound = base?.server?.latencyBoundMs;
    const change = cell.p99ChangePct;
    return {
      metric: 'latency-bound',
      slowdownPct: change ?? 0,
      ratio: change === null ? 1 : 1 + change / 100,
      ci: null,
      what: `missed the ${bound ?? '?'} ms p99 bound that the base met (p99 ${change === null ? 'change unknown' : formatPct(change)})`,
    };
  }
  if (server.basis === 'peak-qps' && server.peakQpsChangePct !== null) {
    const drop = -server.peakQpsChangePct;
    if (!(drop > thresholdPct)) return null;
    return {
      metric: 'peak-qps',
      slowdownPct: drop,
      ratio: 1 - drop / 100,
      ci: null,
      what: `has a ${drop.toFixed(1)} % lower peak QPS (ratio ${(1 - drop / 100).toFixed(3)})`,
    };
  }
  if (server.basis === 'p99' && server.p99Ratio !== null) {
    return latencyRise('p99', server.p99Ratio, server.p99Ci, thresholdPct);
  }
  return null;
}

/**
 * The regression of a latency percentile whose new-over-base `ratio` rose by more than `thresholdPct`
 * percent (server p99 at the same --qps, single-stream p90), or null when it did not.
 */
function latencyRise(
  metric: 'p90' | 'p99',
  ratio: number,
  ci: [number, number] | null,
  thresholdPct: number,
): Omit<Regression, 'key' | 'file'> | null {
  const rise = (ratio - 1) * 100;
  if (!(rise > thresholdPct)) return null;
  return {
    metric,
    slowdownPct: rise,
    ratio,
    ci,
    what: `has a ${rise.toFixed(1)} % higher ${metric} latency (${metric} ratio ${ratio.toFixed(3)}, significant)`,
  };
}

const formatPct = (pct: number): string => `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;

/** What a 'lost' regression says when the later file lacks the configuration. */
const MISSING = 'is missing where the base ran';

/**
 * Severity rank of a regression, most severe first: a missed latency bound (a failure at any limit),
 * a run that failed where the base ran (a crash is the worst slowdown), a measured slowdown, and last
 * a configuration missing from the later file (nothing measured: often a host or a subset that file
 * never ran).
 */
function severity(r: Regression): number {
  if (r.metric === 'latency-bound') return 0;
  if (r.metric !== 'lost') return 2;
  return r.lost === 'missing' ? 3 : 1;
}

/** Most severe first ({@link severity}), then the larger slowdown; stable otherwise. */
const bySeverity = (a: Regression, b: Regression): number =>
  severity(a) - severity(b) || b.slowdownPct - a.slowdownPct;

/**
 * What trips the gate at `thresholdPct` percent. A configuration the base measured that failed or was
 * skipped in a later file always trips it (metric 'lost'), and so does one missing there unless
 * `allowMissing` (comparing a subset on purpose). Cells with verdict 'slower': offline keys: judged on
 * the point estimate of the ratio, 1 - ratio > thresholdPct/100; single-stream keys: the p90 rise. Server keys: a latency bound the base
 * met and the new run missed always trips; otherwise the peak-QPS drop (--find-peak runs) or the p99
 * rise (runs at the same --qps) must exceed thresholdPct percent. Ordered most severe first: missed
 * bounds, failed runs, measured slowdowns (largest first), missing configurations; so a measured 33 %
 * slowdown is not listed behind a host that the later file never ran.
 */
export function findRegressions(
  comparison: Comparison,
  thresholdPct: number,
  options: { allowMissing?: boolean } = {},
): Regression[] {
  const found: Regression[] = [];
  const lost = (key: string, file: string, how: LostHow): Regression => ({
    key,
    file,
    metric: 'lost',
    slowdownPct: 100,
    ratio: 0,
    ci: null,
    what: how === 'missing' ? MISSING : `${how} where the base ran`,
    lost: how,
  });
  for (const row of comparison.rows) {
    const base = row.runs[0];
    for (const cell of row.cells) {
      const file = comparison.files[cell.fileIndex]?.label ?? String(cell.fileIndex);
      // A crash or a dropped configuration is the worst slowdown a gate can miss.
      const other = row.runs[cell.fileIndex];
      const how = !other ? 'missing' : other.status === 'ok' ? null : other.status;
      if (base?.status === 'ok' && how && !(other === null && options.allowMissing)) {
        found.push(lost(row.key, file, how));
        continue;
      }
      if (cell.verdict !== 'slower') continue;
      if (cell.server) {
        const regression = serverRegression(cell, cell.server, row.runs[0] ?? null, thresholdPct);
        if (regression) found.push({ key: row.key, file, ...regression });
        continue;
      }
      if (cell.ratio === null || cell.ci === null) continue;
      if (cell.ratioBasis === 'p90-latency') {
        // The cell's ratio is base p90 over new (above 1: faster); the gate speaks of the rise.
        const regression = latencyRise('p90', 1 / cell.ratio, [1 / cell.ci[1], 1 / cell.ci[0]], thresholdPct);
        if (regression) found.push({ key: row.key, file, ...regression });
        continue;
      }
      const slowdownPct = (1 - cell.ratio) * 100;
      if (slowdownPct > thresholdPct) {
        found.push({
          key: row.key,
          file,
          metric: 'throughput',
          slowdownPct,
          ratio: cell.ratio,
          ci: cell.ci,
          what: `is ${slowdownPct.toFixed(1)} % slower (throughput ratio ${cell.ratio.toFixed(3)}, significant)`,
        });
      }
    }
  }
  for (const u of comparison.unmatched) {
    if (u.baseStatus !== 'ok' || options.allowMissing) continue;
    for (const f of comparison.files.slice(1)) {
      if (!u.files.includes(f.label)) found.push(lost(u.key, f.label, 'missing'));
    }
  }
  return found.sort(bySeverity);
}

/**
 * The E_REGRESSION error for `regressions` (one line naming the worst: a missed latency bound first,
 * then a run that failed where the base ran, then the largest measured slowdown, then a missing
 * configuration), or null when there are none.
 */
export function regressionError(regressions: readonly Regression[], thresholdPct: number): BenchError | null {
  if (regressions.length === 0) return null;
  const worst = [...regressions].sort(bySeverity)[0] as Regression;
  const more = regressions.length > 1 ? ` and ${regressions.length - 1} more` : '';
  const limit =
    worst.metric === 'latency-bound' || worst.metric === 'lost'
      ? `which fails --fail-on-regression at any limit (${thresholdPct} % given)`
      : `over the --fail-on-regression ${thresholdPct} % limit`;
  return new BenchError(
    'E_REGRESSION',
    `regression: ${worst.key} in ${worst.file} ${worst.what}, ${limit}${more}`,
    {
      hint:
        worst.metric === 'lost'
          ? 'see the comparison table above: the run failed or was not measured; pass --allow-missing if a later file measures a subset on purpose'
          : 'see the comparison table above; rerun on a quiet machine if the slowdown is unexpected',
    },
  );
}

/** The table `bench run` prints on stdout: one row per configuration. */
import { alignColumns } from '../columns.js';
import type { Environment, RunResult } from '../results/schema.js';

/** Extra columns supplied by other modules (e.g. H100-equivalents), computed per run. */
export type ExtraColumn = { header: string; value: (run: RunResult, env: Environment) => string };

function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  return n.toPrecision(digits);
}

/** Throughput with its 95 % CI as ±percent of the central figure. */
function throughputCell(run: RunResult): string {
  const t = run.throughput;
  if (!t) return '-';
  const half = (t.ci95[1] - t.ci95[0]) / 2;
  return `${fmt(t.samplesPerS, 4)} ±${((100 * half) / t.samplesPerS).toFixed(1)}%`;
}

/** Achieved GFLOP/s from the analyzer's FLOPs per image; '-' when cost is unknown. */
function gflopsCell(run: RunResult): string {
  if (!run.throughput || run.model.flopsPerImage === null) return '-';
  return fmt((run.model.flopsPerImage * run.throughput.samplesPerS) / 1e9);
}

function warningsCell(run: RunResult): string {
  if (run.status !== 'ok') return `${run.status.toUpperCase()}: ${run.error ?? ''}`;
  return run.warnings.map((w) => w.code).join(', ');
}

/** The run table: model, engine/provider, device, precision, batch, throughput ± CI, latencies, GFLOP/s, extras, warnings. */
export function formatRunTable(runs: RunResult[], env: Environment, extras: ExtraColumn[] = []): string {
  const headers = [
    'model',
    'engine/provider',
    'device',
    'prec',
    'batch',
    'img/s ±CI95',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'GFLOP/s',
    ...extras.map((e) => e.header),
    'warnings',
  ];
  const rows = runs.map((r) => [
    r.model.name,
    `${r.engine.name}/${r.engine.provider}`,
    r.device.actual === r.device.requested || r.device.requested === 'auto'
      ? r.device.actual
      : `${r.device.actual} (asked ${r.device.requested})`,
    r.model.precision,
    String(r.config.batch),
    throughputCell(r),
    r.latency ? fmt(r.latency.p50Ms) : '-',
    r.latency ? fmt(r.latency.p90Ms) : '-',
    r.latency ? fmt(r.latency.p99Ms) : '-',
    gflopsCell(r),
    ...extras.map((e) => (r.status === 'ok' ? e.value(r, env) : '-')),
    warningsCell(r),
  ]);
  return alignColumns([headers, ...rows], { rule: true }).join('\n') + '\n';
}

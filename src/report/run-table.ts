/** The table `bench run` prints on stdout: one row per configuration. */
import { alignColumns } from './columns.js';
import { summarizeServer } from '../compare/server.js';
import { deviceKindLabel } from '../results/device-label.js';
import type { Environment, RunResult } from '../results/schema.js';

/** Extra columns supplied by other modules (e.g. H100-equivalents), computed per run. */
export type ExtraColumn = { header: string; value: (run: RunResult, env: Environment) => string };

function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return '-';
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  return n.toPrecision(digits);
}

/** Throughput with its 95 % CI as ±percent of the central figure; "wall" marks completions over wall time. */
function throughputCell(run: RunResult): string {
  const t = run.throughput;
  if (!t) return '-';
  const half = (t.ci95[1] - t.ci95[0]) / 2;
  return `${fmt(t.samplesPerS, 4)} ±${((100 * half) / t.samplesPerS).toFixed(1)}%${t.method === 'wall-clock' ? ' wall' : ''}`;
}

/**
 * The scenario, and for a server run what it is judged on: the rate (or the confirmed peak of a
 * --find-peak search) and whether p99 met the bound. A miss is in capitals: such a run is not valid
 * at that load, whatever its img/s says.
 */
function scenarioCell(run: RunResult): string {
  const s = summarizeServer(run);
  if (!s) return run.config.scenario;
  const rate = s.findPeak
    ? s.peakQps === null
      ? 'no peak'
      : `peak ${fmt(s.peakQps)} QPS`
    : `${fmt(s.targetQps)} QPS`;
  return `server ${rate}, p99 ${s.met ? 'met' : 'MISSED'} (≤${fmt(s.latencyBoundMs)} ms)${s.cutShort ? ', cut short: INVALID' : ''}`;
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

/**
 * What ran: a software device (WebGPU on lavapipe) says so here, not only in its warning, because
 * `webgpu` alone reads as a GPU figure; a fallback names what was asked.
 */
function deviceCell(r: RunResult): string {
  const actual = deviceKindLabel(r.device);
  return r.device.actual === r.device.requested || r.device.requested === 'auto'
    ? actual
    : `${actual} (asked ${r.device.requested})`;
}

/**
 * How each run's model is named in tables: its name, with `@` and 12 characters of its sha256 when
 * the runs hold several versions of that name (zoo builds with other --seed, a changed file, as a
 * resumed file can), which would otherwise look like the same model measured twice.
 */
function modelNamer(runs: readonly RunResult[]): (r: RunResult) => string {
  // By name and precision: the fp16 build of a model is told apart by the precision column already.
  const version = (r: RunResult): string => `${r.model.name} ${r.model.precision}`;
  const shas = new Map<string, Set<string>>();
  for (const r of runs) shas.set(version(r), (shas.get(version(r)) ?? new Set()).add(r.model.sha256));
  return (r) =>
    (shas.get(version(r))?.size ?? 0) > 1 ? `${r.model.name}@${r.model.sha256.slice(0, 12)}` : r.model.name;
}

/** True when the runs hold more than one thread count (a --threads sweep). */
function sweepsThreads(runs: readonly RunResult[]): boolean {
  return new Set(runs.map((r) => r.config.threads)).size > 1;
}

/**
 * The run table: model, engine/provider, device, precision, threads (when several), batch, scenario, throughput ± CI,
 * latencies, GFLOP/s, extras, warnings; then a line saying how img/s was computed.
 */
export function formatRunTable(runs: RunResult[], env: Environment, extras: ExtraColumn[] = []): string {
  // A thread sweep's runs differ in threads alone: then, and only then, the table shows them.
  const threads = sweepsThreads(runs);
  const headers = [
    'model',
    'engine/provider',
    'device',
    'prec',
    ...(threads ? ['threads'] : []),
    'batch',
    'scenario',
    'img/s ±CI95',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'GFLOP/s',
    ...extras.map((e) => e.header),
    'warnings',
  ];
  const modelName = modelNamer(runs);
  const rows = runs.map((r) => [
    modelName(r),
    `${r.engine.name}/${r.engine.provider}`,
    deviceCell(r),
    r.model.precision,
    ...(threads ? [String(r.config.threads)] : []),
    String(r.config.batch),
    scenarioCell(r),
    throughputCell(r),
    r.latency ? fmt(r.latency.p50Ms) : '-',
    r.latency ? fmt(r.latency.p90Ms) : '-',
    r.latency ? fmt(r.latency.p99Ms) : '-',
    gflopsCell(r),
    ...extras.map((e) => (r.status === 'ok' ? e.value(r, env) : '-')),
    warningsCell(r),
  ]);
  const wall = runs.some((r) => r.throughput?.method === 'wall-clock');
  return (
    alignColumns([headers, ...rows], { rule: true }).join('\n') +
    '\nimg/s: batch x concurrency / median latency, CI95 from order statistics' +
    (wall ? '; "wall": completed images over wall time (server runs: it follows --qps)' : '') +
    '\n'
  );
}

/**
 * The warnings of a run table, one entry per code: the configurations it applies to, the first
 * configuration's message and the advice. Empty when no run has warnings. The table shows only codes;
 * this says what they mean and what to do.
 */
export function formatWarningNotes(runs: RunResult[]): string {
  const byCode = new Map<string, { where: string[]; message: string; advice?: string }>();
  const modelName = modelNamer(runs);
  // With both precisions (or several thread counts) in the table, a configuration needs them to be told apart.
  const precisions = new Set(runs.map((r) => r.model.precision)).size > 1;
  const threads = sweepsThreads(runs);
  for (const r of runs) {
    for (const w of r.warnings) {
      const where = `${modelName(r)}${precisions ? ` ${r.model.precision}` : ''}${threads ? ` t${r.config.threads}` : ''} b${r.config.batch}`;
      const seen = byCode.get(w.code);
      if (seen) {
        if (!seen.where.includes(where)) seen.where.push(where);
      } else {
        byCode.set(w.code, { where: [where], message: w.message, ...(w.advice ? { advice: w.advice } : {}) });
      }
    }
  }
  if (byCode.size === 0) return '';
  const lines = ['warnings:'];
  for (const [code, w] of byCode) {
    const example = w.where.length > 1 ? ` (e.g. ${w.where[0]})` : '';
    const message = w.message.replace(/\.$/, '');
    lines.push(
      `  ${code} [${w.where.join(', ')}]: ${message}${example}${w.advice ? `. Advice: ${w.advice}` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

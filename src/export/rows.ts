/** Table rows shared by the text exporters, so terminal, Markdown and HTML agree cell for cell. */
import { VERDICT_TEXT, type Comparison, type RunSummary } from '../compare/compare.js';
import { environmentOf } from '../compare/environment.js';
import { runKey } from '../compare/key.js';
import type { LoadedFile } from '../compare/load.js';
import { summarizeServer, type ServerRunSummary } from '../compare/server.js';
import type { RunResult } from '../results/schema.js';
import type { ReportDocument } from './exporter.js';
import { formatChange, formatInterval, formatNumber, formatP, formatRatio } from './format.js';

/** A plain table: header and rows of unescaped cell text (each exporter escapes for its medium). */
export interface TextTable {
  header: string[];
  rows: string[][];
}

type Row = Comparison['rows'][number];
type Cell = Row['cells'][number];

const isServer = (row: Row): boolean => row.scenario === 'server';

/** "1 faster, 0 slower, 2 unchanged, 0 not comparable" over the cells of file `fileIndex` in `rows`. */
function verdictCounts(rows: readonly Row[], fileIndex: number): string {
  const cells = rows.flatMap((r) => r.cells.filter((c) => c.fileIndex === fileIndex));
  const n = (v: Cell['verdict']): number => cells.filter((c) => c.verdict === v).length;
  return `${n('faster')} faster, ${n('slower')} slower, ${n('no-change')} unchanged, ${n('not-comparable')} not comparable`;
}

/**
 * The throughput comparison table: one row per offline or single-stream key, a group of columns per
 * file after the first, and a geometric-mean row (server keys are in {@link serverComparisonTable}).
 */
export function comparisonTable(comparison: Comparison): TextTable {
  const base = comparison.files[0]?.label ?? 'base';
  const shown = comparison.rows.filter((r) => !isServer(r));
  const header = ['configuration', `${base} img/s`];
  for (const file of comparison.files.slice(1)) {
    header.push(
      `${file.label} img/s`,
      'ratio',
      `${Math.round(comparison.confidence * 100)} % CI`,
      'p50 Δ',
      'p99 Δ',
      'p',
      'verdict',
    );
  }
  const rows = shown.map((row) => {
    const cells = [row.key, formatNumber(row.runs[0]?.throughputPerS ?? null)];
    row.cells.forEach((cell, i) => {
      const verdict = VERDICT_TEXT[cell.verdict] + (cell.reason ? ` (${cell.reason})` : '');
      cells.push(
        formatNumber(row.runs[i + 1]?.throughputPerS ?? null),
        formatRatio(cell.ratio),
        formatInterval(cell.ci),
        formatChange(cell.p50ChangePct),
        formatChange(cell.p99ChangePct),
        formatP(cell.pValue),
        verdict,
      );
    });
    return cells;
  });
  const summary = ['geometric mean', ''];
  for (const col of comparison.summary) {
    summary.push(
      '',
      formatRatio(col.geomeanRatio),
      formatInterval(col.ci),
      '',
      '',
      '',
      verdictCounts(shown, col.fileIndex),
    );
  }
  rows.push(summary);
  return { header, rows };
}

/** "met (50 ms)" or "missed (50 ms)": whether a server run's p99 met its bound. */
function boundText(s: ServerRunSummary | null | undefined): string {
  return s ? `${s.met ? 'met' : 'missed'} (${s.latencyBoundMs} ms)` : '–';
}

/** The verdict of a server cell with what decided it. */
function serverVerdict(cell: Cell): string {
  const s = cell.server;
  const detail = cell.reason
    ? cell.reason
    : s?.basis === 'bound'
      ? s.met
        ? 'meets the bound'
        : 'missed the bound'
      : s?.basis === 'peak-qps'
        ? `peak ${formatChange(s.peakQpsChangePct)}`
        : s?.basis === 'p99'
          ? 'on p99'
          : '';
  return VERDICT_TEXT[cell.verdict] + (detail ? ` (${detail})` : '');
}

/**
 * The server-scenario table, or null without server keys: per file the achieved QPS, the confirmed
 * peak QPS (only when some run searched for one), the p99 and whether it met its bound; per file
 * after the first the changes, the p99 ratio with its bootstrap CI, the latency Mann-Whitney p and
 * the verdict.
 */
export function serverComparisonTable(comparison: Comparison): TextTable | null {
  const shown = comparison.rows.filter(isServer);
  if (shown.length === 0) return null;
  const peaks = shown.some((r) => r.runs.some((run) => run?.server?.findPeak));
  const runHeader = (label: string): string[] => [
    `${label} QPS`,
    ...(peaks ? [`${label} peak QPS`] : []),
    `${label} p99 ms`,
    `${label} p99 bound`,
  ];
  const runCells = (run: RunSummary | null): string[] => [
    formatNumber(run?.server?.achievedQps ?? null),
    ...(peaks ? [formatNumber(run?.server?.peakQps ?? null)] : []),
    formatNumber(run?.server?.p99Ms ?? run?.p99Ms ?? null),
    boundText(run?.server),
  ];
  const changeHeader = [
    'QPS Δ',
    ...(peaks ? ['peak Δ'] : []),
    'p99 ratio',
    `${Math.round(comparison.confidence * 100)} % CI`,
    'p',
    'verdict',
  ];
  const base = comparison.files[0]?.label ?? 'base';
  const header = ['configuration', ...runHeader(base)];
  for (const file of comparison.files.slice(1)) header.push(...runHeader(file.label), ...changeHeader);
  const rows = shown.map((row) => {
    const cells = [row.key, ...runCells(row.runs[0] ?? null)];
    row.cells.forEach((cell, i) => {
      cells.push(
        ...runCells(row.runs[i + 1] ?? null),
        formatChange(cell.server?.achievedQpsChangePct ?? null),
        ...(peaks ? [formatChange(cell.server?.peakQpsChangePct ?? null)] : []),
        formatRatio(cell.server?.p99Ratio ?? null),
        formatInterval(cell.server?.p99Ci ?? null),
        formatP(cell.pValue),
        serverVerdict(cell),
      );
    });
    return cells;
  });
  // Counts sit in each file's verdict column.
  const blank = (n: number): string[] => Array.from({ length: n }, () => '');
  const summary = ['verdicts', ...blank(runHeader(base).length)];
  for (const col of comparison.summary) {
    summary.push(
      ...blank(runHeader('').length + changeHeader.length - 1),
      verdictCounts(shown, col.fileIndex),
    );
  }
  rows.push(summary);
  return { header, rows };
}

/** A comparison table and what it compares. */
export interface ComparisonTable {
  kind: 'throughput' | 'server';
  table: TextTable;
}

/**
 * The comparison's tables in print order: throughput (when any key is not a server key, or none is)
 * then server.
 */
export function comparisonTables(comparison: Comparison): ComparisonTable[] {
  const tables: ComparisonTable[] = [];
  if (comparison.rows.length === 0 || comparison.rows.some((r) => !isServer(r)))
    tables.push({ kind: 'throughput', table: comparisonTable(comparison) });
  const server = serverComparisonTable(comparison);
  if (server) tables.push({ kind: 'server', table: server });
  return tables;
}

const isServerRun = (run: RunResult): boolean => run.config.scenario === 'server';

/** The first columns of every runs table: which run, where, and how it ended. */
function runHead(file: LoadedFile, run: RunResult): string[] {
  return [
    file.label,
    runKey(run),
    run.status + (run.error ? `: ${run.error}` : ''),
    `${run.device.actual}: ${run.device.name}`,
    environmentOf(file.data, run).hostname,
    String(run.samplesMs.length),
  ];
}

const RUN_HEAD = ['file', 'configuration', 'status', 'device', 'host'];

function eachRun(doc: ReportDocument, server: boolean): { file: LoadedFile; run: RunResult }[] {
  return doc.files.flatMap((file) =>
    file.data.runs.filter((run) => isServerRun(run) === server).map((run) => ({ file, run })),
  );
}

/**
 * One row per offline or single-stream run of every file: what was measured, where, and the
 * figures (server runs are in {@link serverRunsTable}).
 */
export function runsTable(doc: ReportDocument): TextTable {
  const header = [...RUN_HEAD, 'samples', 'img/s', 'p50 ms', 'p99 ms'];
  const rows = eachRun(doc, false).map(({ file, run }) => [
    ...runHead(file, run),
    formatNumber(run.throughput?.samplesPerS ?? null),
    formatNumber(run.latency?.p50Ms ?? null),
    formatNumber(run.latency?.p99Ms ?? null),
  ]);
  return { header, rows };
}

/**
 * One row per server-scenario run, or null without any: images/s means little at a set arrival
 * rate, so these show the target and achieved QPS, the confirmed peak (only when some run searched
 * for one), p50 and p99 and whether the p99 met its bound, as compare's server table does.
 */
export function serverRunsTable(doc: ReportDocument): TextTable | null {
  const runs = eachRun(doc, true);
  if (runs.length === 0) return null;
  const peaks = runs.some(({ run }) => run.config.findPeak === true);
  const header = [
    ...RUN_HEAD,
    'queries',
    'target QPS',
    'achieved QPS',
    ...(peaks ? ['peak QPS'] : []),
    'p50 ms',
    'p99 ms',
    'p99 bound',
  ];
  const rows = runs.map(({ file, run }) => {
    const s = summarizeServer(run);
    return [
      ...runHead(file, run),
      formatNumber(s?.targetQps ?? run.config.qps ?? null),
      formatNumber(s?.achievedQps ?? null),
      ...(peaks ? [formatNumber(s?.peakQps ?? null)] : []),
      formatNumber(run.latency?.p50Ms ?? null),
      formatNumber(s?.p99Ms ?? run.latency?.p99Ms ?? null),
      boundText(s),
    ];
  });
  return { header, rows };
}

/** A runs table with its heading and the sentence under it (plain text: exporters escape). */
export interface RunsTable {
  kind: 'runs' | 'server';
  title: string;
  caption: string | null;
  table: TextTable;
}

/**
 * The report's runs tables in print order: offline and single-stream runs (when there are any, or
 * no server run either), then server-scenario runs.
 */
export function runsTables(doc: ReportDocument): RunsTable[] {
  const tables: RunsTable[] = [];
  const server = serverRunsTable(doc);
  if (!server || eachRun(doc, false).length > 0)
    tables.push({ kind: 'runs', title: 'Runs', caption: null, table: runsTable(doc) });
  if (server) {
    tables.push({
      kind: 'server',
      title: 'Server-scenario runs',
      caption:
        'Server scenario (MLPerf LoadGen style): queries arrive at random (Poisson) at the target QPS; ' +
        'achieved QPS = completed queries per second; p99 bound = whether the p99 latency met the run\u2019s bound.',
      table: server,
    });
  }
  return tables;
}

/** Environment of each file as label/value pairs (merged files list every source). */
export function environmentTable(doc: ReportDocument): TextTable {
  const header = ['file', 'source', 'host', 'OS', 'CPU', 'GPUs', 'Node.js', 'tool', 'packages'];
  const rows = doc.files.flatMap((file) => {
    const sources = file.data.sources?.length
      ? file.data.sources
      : [{ file: file.path, environment: file.data.environment }];
    return sources.map(({ file: source, environment: e }) => [
      file.label,
      source,
      e.hostname,
      `${e.os.platform} ${e.os.release} ${e.os.arch}`,
      `${e.cpu.model} (${e.cpu.logicalCores} logical cores)`,
      e.gpus.length
        ? e.gpus
            .map(
              (g) =>
                `${g.name}${g.driverVersion ? `, driver ${g.driverVersion}` : ''}${g.powerLimitW ? `, ${g.powerLimitW} W limit` : ''}`,
            )
            .join('; ')
        : 'none',
      e.node,
      `${e.tool.name} ${e.tool.version}${e.tool.gitCommit ? ` (${e.tool.gitCommit})` : ''}`,
      Object.entries(e.packages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
  });
  return { header, rows };
}

/** Table rows shared by the text exporters, so terminal, Markdown and HTML agree cell for cell. */
import {
  collectRunWarnings,
  VERDICT_TEXT,
  type Comparison,
  type RunSummary,
  type RunWarningNote,
} from '../compare/compare.js';
import { environmentOf } from '../results/environment.js';
import { runKey } from '../results/key.js';
import type { LoadedFile } from '../results/load.js';
import { summarizeServer, type ServerRunSummary } from '../compare/server.js';
import { h100eCellText } from './estimate-method.js';
import { deviceKindLabel } from '../results/device-label.js';
import type { RunResult } from '../results/schema.js';
import type { ReportDocument } from './exporter.js';
import {
  formatChange,
  formatInterval,
  formatNumber,
  formatP,
  formatRatio,
  formatRelativeCi,
  NBSP,
} from './format.js';

/** A plain table: header and rows of unescaped cell text (each exporter escapes for its medium). */
export interface TextTable {
  header: string[];
  rows: string[][];
}

/** One entry of a table's notes, with the lines listed under it (none for most). */
interface NoteItem {
  text: string;
  details: string[];
}

/** What the exporters print under a table: a sentence and a list (plain text: exporters escape). */
export interface TableNotes {
  intro: string;
  items: NoteItem[];
}

/** Marks a comparison figure whose run carries warnings from `bench run`; the notes list them. */
const WARNING_MARK = '⚠';

/** `text` ending in a full stop (messages in result files have none; some might). */
const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

/**
 * Which runs of a note: per file, "both runs" or "all N runs" when the note covers every run of that
 * file in the table (`inTable` counts them), else the runs' keys.
 */
function whereText(note: RunWarningNote, inTable: ReadonlyMap<string, number>): string {
  const files = [...new Set(note.runs.map((r) => r.file))];
  return files
    .map((file) => {
      const keys = note.runs.filter((r) => r.file === file).map((r) => r.key);
      const all = keys.length > 1 && keys.length === inTable.get(file);
      const every = keys.length === 2 ? 'both runs' : `all ${keys.length} runs`;
      return `${file}: ${all ? every : keys.join(', ')}`;
    })
    .join('; ');
}

/**
 * One item per warning code and advice. A code with one message is one line: `W_FP16_ON_CPU
 * (fp16.json: all 4 runs): fp16 on the CPU provider: …. Advice: use --precision fp32 on CPU; ….` A
 * code whose message differs per run (W_HIGH_CV gives each run's cv) states its advice once and
 * lists each run's message under it, so ten noisy runs do not repeat the same advice ten times.
 */
function warningItems(notes: readonly RunWarningNote[], inTable: ReadonlyMap<string, number>): NoteItem[] {
  const groups = new Map<string, RunWarningNote[]>();
  for (const note of notes) {
    const id = JSON.stringify([note.code, note.advice ?? null]);
    groups.set(id, [...(groups.get(id) ?? []), note]);
  }
  return [...groups.values()].map((group) => {
    const [first] = group as [RunWarningNote, ...RunWarningNote[]];
    const advice = first.advice ? ` Advice: ${sentence(first.advice)}` : '';
    if (group.length === 1) {
      return {
        text: `${first.code} (${whereText(first, inTable)}): ${sentence(first.message)}${advice}`,
        details: [],
      };
    }
    const runs = group.reduce((n, note) => n + note.runs.length, 0);
    return {
      text: `${first.code} (${runs} runs):${advice}`,
      details: group.map((note) => `${whereText(note, inTable)}: ${sentence(note.message)}`),
    };
  });
}

/** Notes for the runs `inTable` (file label and run key) out of `notes`; null when none has a warning. */
function notesFor(
  notes: readonly RunWarningNote[],
  inTable: readonly { file: string; key: string }[],
  intro: string,
): TableNotes | null {
  const has = (r: { file: string; key: string }): boolean =>
    inTable.some((t) => t.file === r.file && t.key === r.key);
  const shown = notes.flatMap((n) => {
    const runs = n.runs.filter(has);
    return runs.length ? [{ ...n, runs }] : [];
  });
  if (shown.length === 0) return null;
  const counts = new Map<string, number>();
  for (const { file } of inTable) counts.set(file, (counts.get(file) ?? 0) + 1);
  return { intro, items: warningItems(shown, counts) };
}

/** A figure of a comparison table, marked when its run carries warnings. */
function marked(text: string, run: RunSummary | null | undefined): string {
  return run && run.warnings.length > 0 ? `${text}${NBSP}${WARNING_MARK}` : text;
}

/** The runs of `rows` as file label and run key, for {@link notesFor}. */
function comparedRuns(comparison: Comparison, rows: readonly Row[]): { file: string; key: string }[] {
  return rows.flatMap((row) =>
    row.runs.flatMap((run, i) => (run ? [{ file: comparison.files[i]?.label ?? '', key: run.key }] : [])),
  );
}

const COMPARISON_NOTES_INTRO = `${WARNING_MARK} marks a run for which bench run recorded warnings:`;

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
function comparisonTable(comparison: Comparison): TextTable {
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
    const cells = [row.label, marked(formatNumber(row.runs[0]?.throughputPerS ?? null), row.runs[0])];
    row.cells.forEach((cell, i) => {
      const verdict = VERDICT_TEXT[cell.verdict] + (cell.reason ? ` (${cell.reason})` : '');
      const run = row.runs[i + 1];
      cells.push(
        marked(formatNumber(run?.throughputPerS ?? null), run),
        formatRatio(cell.ratio) + (cell.ratioBasis === 'p90-latency' ? ' p90' : ''),
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
  return s
    ? `${s.met ? 'met' : 'missed'} (${s.latencyBoundMs}${NBSP}ms)${s.cutShort ? ', cut short (invalid)' : ''}`
    : '–';
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
function serverComparisonTable(comparison: Comparison): TextTable | null {
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
    marked(formatNumber(run?.server?.achievedQps ?? null), run),
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
    const cells = [row.label, ...runCells(row.runs[0] ?? null)];
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

/** A comparison table, what it compares, and the warnings of its runs (null when none has any). */
export interface ComparisonTable {
  kind: 'throughput' | 'server';
  table: TextTable;
  notes: TableNotes | null;
}

/**
 * The comparison's tables in print order: throughput (when any key is not a server key, or none is)
 * then server, each with the warnings `bench run` recorded for its runs listed once. With
 * `listWarnings` false (a report, whose runs tables list every run's warnings) the notes only say
 * what the mark means and where the list is.
 */
export function comparisonTables(comparison: Comparison, listWarnings = true): ComparisonTable[] {
  const tables: ComparisonTable[] = [];
  const notes = (rows: readonly Row[]): TableNotes | null => {
    const found = notesFor(comparison.runWarnings, comparedRuns(comparison, rows), COMPARISON_NOTES_INTRO);
    if (!found || listWarnings) return found;
    return {
      intro: `${WARNING_MARK} marks a run for which bench run recorded warnings: the runs tables below list them.`,
      items: [],
    };
  };
  if (comparison.rows.length === 0 || comparison.rows.some((r) => !isServer(r))) {
    const rows = comparison.rows.filter((r) => !isServer(r));
    tables.push({ kind: 'throughput', table: comparisonTable(comparison), notes: notes(rows) });
  }
  const server = serverComparisonTable(comparison);
  if (server) tables.push({ kind: 'server', table: server, notes: notes(comparison.rows.filter(isServer)) });
  return tables;
}

const isServerRun = (run: RunResult): boolean => run.config.scenario === 'server';

/** The first columns of every runs table: which run, where, and how it ended. */
function runHead(file: LoadedFile, run: RunResult): string[] {
  return [
    file.label,
    runKey(run),
    run.model.precision,
    run.status + (run.error ? `: ${run.error}` : ''),
    `${deviceKindLabel(run.device)}: ${run.device.name}`,
    environmentOf(file.data, run).hostname,
    String(run.samplesMs.length),
  ];
}

const RUN_HEAD = ['file', 'configuration', 'precision', 'status', 'device', 'host'];

/** The warnings column: the codes `bench run` recorded for the run (the notes give the messages). */
const warningCodes = (run: RunResult): string => run.warnings.map((w) => w.code).join(', ');

/** The warnings of `runs`, listed once each under a runs table; null when none has any. */
function runsNotes(runs: readonly { file: LoadedFile; run: RunResult }[]): TableNotes | null {
  const entries = runs.map(({ file, run }) => ({
    file: file.label,
    key: runKey(run),
    warnings: run.warnings,
  }));
  return notesFor(
    collectRunWarnings(entries),
    entries,
    'Warnings bench run recorded (codes in the warnings column):',
  );
}

function eachRun(doc: ReportDocument, server: boolean): { file: LoadedFile; run: RunResult }[] {
  return doc.files.flatMap((file) =>
    file.data.runs.filter((run) => isServerRun(run) === server).map((run) => ({ file, run })),
  );
}

/**
 * One row per offline or single-stream run of every file: what was measured, where, and the
 * figures (server runs are in {@link serverRunsTable}).
 */
function runsTable(doc: ReportDocument): TextTable {
  const header = [...RUN_HEAD, 'samples', 'img/s', '95 % CI', 'p50 ms', 'p99 ms', 'H100e', 'warnings'];
  const rows = eachRun(doc, false).map(({ file, run }) => [
    ...runHead(file, run),
    formatNumber(run.throughput?.samplesPerS ?? null),
    formatRelativeCi(run.throughput?.samplesPerS ?? null, run.throughput?.ci95 ?? null),
    formatNumber(run.latency?.p50Ms ?? null),
    formatNumber(run.latency?.p99Ms ?? null),
    h100eCellText(doc.h100e.get(run)),
    warningCodes(run),
  ]);
  return { header, rows };
}

/**
 * One row per server-scenario run, or null without any: images/s means little at a set arrival
 * rate, so these show the target and achieved QPS, the confirmed peak (only when some run searched
 * for one), p50 and p99 and whether the p99 met its bound, as compare's server table does.
 */
function serverRunsTable(doc: ReportDocument): TextTable | null {
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
    'warnings',
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
      warningCodes(run),
    ];
  });
  return { header, rows };
}

/**
 * A runs table with its heading, the sentence under it and the warnings of its runs listed once
 * (null when none has any); plain text: exporters escape.
 */
export interface RunsTable {
  kind: 'runs' | 'server';
  title: string;
  caption: string | null;
  table: TextTable;
  notes: TableNotes | null;
}

/**
 * The report's runs tables in print order: offline and single-stream runs (when there are any, or
 * no server run either), then server-scenario runs.
 */
export function runsTables(doc: ReportDocument): RunsTable[] {
  const tables: RunsTable[] = [];
  const server = serverRunsTable(doc);
  if (!server || eachRun(doc, false).length > 0) {
    tables.push({
      kind: 'runs',
      title: 'Runs',
      caption:
        'img/s with its 95 % CI as \u00b1 percent of the figure (half the interval, as bench run prints it); ' +
        'p50 and p99 of the per-iteration latency; H100e as bench run prints it: capacity (over the best an H100 ' +
        'or H200 in results/reference reached on the model and precision, at any batch), else measured (over a ' +
        'reference of the same workload), else the device\u2019s spec figure (bench estimate gives every method).',
      table: runsTable(doc),
      notes: runsNotes(eachRun(doc, false)),
    });
  }
  if (server) {
    tables.push({
      kind: 'server',
      title: 'Server-scenario runs',
      caption:
        'Server scenario (MLPerf LoadGen style): queries arrive at random (Poisson) at the target QPS; ' +
        'achieved QPS = completed queries per second; p99 bound = whether the p99 latency met the run\u2019s bound.',
      table: server,
      notes: runsNotes(eachRun(doc, true)),
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

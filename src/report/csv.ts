/**
 * CSV for spreadsheets, unrounded. `bench report`: one row per run of every file, each column named
 * after the run field it holds (results/README.md documents them). `bench compare`: one row per
 * configuration and later file, each column named after the comparison field it holds (the JSON's,
 * src/compare/compare.ts). So a sheet and the JSON cannot disagree.
 */
import { stringify } from 'csv-stringify/sync';
import type { CellComparison, Comparison, ComparisonRow, UnmatchedKey } from '../compare/compare.js';
import type { H100eCell } from '../estimate/estimate.js';
import { environmentOf } from '../results/environment.js';
import type { LoadedFile } from '../results/load.js';
import type { ResultFile, RunResult } from '../results/schema.js';
import type { Exporter, ReportDocument } from './exporter.js';

/** A cell: numbers stay numbers so a spreadsheet can sum them; absent values are empty cells. */
export type CsvCell = string | number | boolean | null | undefined;

/** RFC 4180 text of a header and rows, for any command that writes CSV. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return stringify([header, ...rows], {
    // A model or host named "=HYPERLINK(...)" must not run as a formula in a spreadsheet.
    escape_formulas: true,
    // csv-stringify writes true as 1 and false as an empty cell; a sheet should read the words.
    cast: { boolean: (value) => String(value) },
  });
}

/** A column: its header and how a run of a file fills it. */
interface Column {
  header: string;
  /** `h100e` is the run's H100e, estimated before rendering (ReportDocument.h100e). */
  cell: (run: RunResult, file: LoadedFile, h100e: H100eCell | undefined) => CsvCell;
}

/** The driver of the GPU a run used: none for a CPU or software-device run, which names no GPU. */
function gpuDriver(data: ResultFile, run: RunResult): string | undefined {
  if (run.device.gpuIndex === undefined) return undefined;
  return environmentOf(data, run).gpus.find((g) => g.index === run.device.gpuIndex)?.driverVersion;
}

/**
 * The columns, in order. Those not named after a run field: `file` (the report's label for it),
 * `host` (the machine that measured the run, its merge source's for a merged file),
 * `gpu.driverVersion` (from the environment), `h100e` and `h100e.method` (the figure `bench run`'s
 * table shows: capacity, else measured over an H100 reference, else spec) and `warnings` (the codes,
 * `; `-separated).
 */
export const CSV_COLUMNS: readonly Column[] = [
  { header: 'file', cell: (_, f) => f.label },
  { header: 'host', cell: (r, f) => environmentOf(f.data, r).hostname },
  { header: 'startedAt', cell: (r) => r.startedAt },
  { header: 'key', cell: (r) => r.key },
  { header: 'status', cell: (r) => r.status },
  { header: 'error', cell: (r) => r.error },
  { header: 'model.name', cell: (r) => r.model.name },
  { header: 'model.source', cell: (r) => r.model.source },
  { header: 'model.sha256', cell: (r) => r.model.sha256 },
  { header: 'model.params', cell: (r) => r.model.params },
  { header: 'model.macsPerImage', cell: (r) => r.model.macsPerImage ?? undefined },
  { header: 'model.precision', cell: (r) => r.model.precision },
  { header: 'engine.name', cell: (r) => r.engine.name },
  { header: 'engine.version', cell: (r) => r.engine.version },
  { header: 'engine.provider', cell: (r) => r.engine.provider },
  { header: 'device.requested', cell: (r) => r.device.requested },
  { header: 'device.actual', cell: (r) => r.device.actual },
  { header: 'device.name', cell: (r) => r.device.name },
  { header: 'device.software', cell: (r) => r.device.software ?? false },
  { header: 'device.gpuIndex', cell: (r) => r.device.gpuIndex },
  { header: 'device.fallbackReason', cell: (r) => r.device.fallbackReason },
  { header: 'gpu.driverVersion', cell: (r, f) => gpuDriver(f.data, r) },
  { header: 'config.scenario', cell: (r) => r.config.scenario },
  { header: 'config.batch', cell: (r) => r.config.batch },
  { header: 'config.concurrency', cell: (r) => r.config.concurrency },
  { header: 'config.threads', cell: (r) => r.config.threads },
  { header: 'config.transfer', cell: (r) => r.config.transfer },
  { header: 'throughput.samplesPerS', cell: (r) => r.throughput?.samplesPerS },
  { header: 'throughput.ci95.low', cell: (r) => r.throughput?.ci95[0] },
  { header: 'throughput.ci95.high', cell: (r) => r.throughput?.ci95[1] },
  { header: 'throughput.method', cell: (r) => r.throughput?.method },
  { header: 'throughput.wallClockSamplesPerS', cell: (r) => r.throughput?.wallClockSamplesPerS },
  { header: 'latency.medianMs', cell: (r) => r.latency?.medianMs },
  { header: 'latency.p90Ms', cell: (r) => r.latency?.p90Ms },
  { header: 'latency.p99Ms', cell: (r) => r.latency?.p99Ms },
  { header: 'latency.meanMs', cell: (r) => r.latency?.meanMs },
  { header: 'latency.cv', cell: (r) => r.latency?.cv },
  { header: 'latency.outliers', cell: (r) => r.latency?.outliers },
  { header: 'iterations', cell: (r) => r.iterations },
  { header: 'measuredDurationS', cell: (r) => r.measuredDurationS },
  { header: 'coldStart.sessionCreateMs', cell: (r) => r.coldStart?.sessionCreateMs },
  { header: 'coldStart.firstInferenceMs', cell: (r) => r.coldStart?.firstInferenceMs },
  { header: 'power.avgW', cell: (r) => r.power?.avgW },
  { header: 'power.samplesPerJoule', cell: (r) => r.power?.samplesPerJoule },
  { header: 'memory.rssMiB', cell: (r) => r.memory?.rssMiB },
  { header: 'memory.gpuUsedMiB', cell: (r) => r.memory?.gpuUsedMiB },
  { header: 'server.targetQps', cell: (r) => r.server?.targetQps },
  { header: 'server.achievedQps', cell: (r) => r.server?.achievedQps },
  { header: 'server.p99Ms', cell: (r) => r.server?.p99Ms },
  { header: 'server.latencyBoundMs', cell: (r) => r.server?.latencyBoundMs },
  { header: 'server.met', cell: (r) => r.server?.met },
  { header: 'h100e', cell: (_r, _f, h) => h?.h100e ?? undefined },
  { header: 'h100e.method', cell: (_r, _f, h) => (h && h.h100e !== null ? h.method : undefined) },
  { header: 'warnings', cell: (r) => r.warnings.map((w) => w.code).join('; ') || undefined },
];

/** A column of the comparison CSV: its header and how a row's cell for one later file fills it. */
interface ComparisonColumn {
  header: string;
  cell: (row: ComparisonRow, cell: CellComparison, comparison: Comparison) => CsvCell;
}

const codes = (warnings: readonly string[] | undefined): string | undefined =>
  warnings?.join('; ') || undefined;

/**
 * The comparison's columns, in order: the configuration, the two files (`file` is the later one,
 * compared with `baseFile`), each side's img/s and warning codes, then the cell's fields.
 */
export const COMPARISON_CSV_COLUMNS: readonly ComparisonColumn[] = [
  { header: 'key', cell: (row) => row.key },
  { header: 'host', cell: (row) => row.host },
  { header: 'model', cell: (row) => row.model },
  { header: 'batch', cell: (row) => row.batch },
  { header: 'scenario', cell: (row) => row.scenario },
  { header: 'baseFile', cell: (_, __, c) => c.files[0]?.label },
  { header: 'file', cell: (_, cell, c) => c.files[cell.fileIndex]?.label },
  { header: 'base.throughputPerS', cell: (row) => row.runs[0]?.throughputPerS },
  { header: 'throughputPerS', cell: (row, cell) => row.runs[cell.fileIndex]?.throughputPerS },
  { header: 'verdict', cell: (_, cell) => cell.verdict },
  { header: 'reason', cell: (_, cell) => cell.reason },
  { header: 'ratio', cell: (_, cell) => cell.ratio },
  { header: 'ratioBasis', cell: (_, cell) => cell.ratioBasis },
  { header: 'ci.low', cell: (_, cell) => cell.ci?.[0] },
  { header: 'ci.high', cell: (_, cell) => cell.ci?.[1] },
  { header: 'pValue', cell: (_, cell) => cell.pValue },
  { header: 'pMethod', cell: (_, cell) => cell.pMethod },
  { header: 'p50ChangePct', cell: (_, cell) => cell.p50ChangePct },
  { header: 'p99ChangePct', cell: (_, cell) => cell.p99ChangePct },
  { header: 'server.basis', cell: (_, cell) => cell.server?.basis },
  { header: 'server.baseMet', cell: (_, cell) => cell.server?.baseMet },
  { header: 'server.met', cell: (_, cell) => cell.server?.met },
  { header: 'server.achievedQpsChangePct', cell: (_, cell) => cell.server?.achievedQpsChangePct },
  { header: 'server.peakQpsChangePct', cell: (_, cell) => cell.server?.peakQpsChangePct },
  { header: 'server.p99Ratio', cell: (_, cell) => cell.server?.p99Ratio },
  { header: 'server.p99Ci.low', cell: (_, cell) => cell.server?.p99Ci?.[0] },
  { header: 'server.p99Ci.high', cell: (_, cell) => cell.server?.p99Ci?.[1] },
  { header: 'base.warnings', cell: (row) => codes(row.runs[0]?.warnings) },
  { header: 'warnings', cell: (row, cell) => codes(row.runs[cell.fileIndex]?.warnings) },
];

/**
 * The row of a configuration that not every file holds: its key, `verdict` unmatched, `reason` the
 * files that have it, `file` those of them after the base; every measured column stays empty.
 */
function unmatchedRecord(u: UnmatchedKey, c: Comparison): CsvCell[] {
  const base = c.files[0]?.label;
  const cells: Partial<Record<string, CsvCell>> = {
    key: u.key,
    baseFile: base,
    file: u.files.filter((f) => f !== base).join(', '),
    verdict: 'unmatched',
    reason: `only in ${u.files.join(', ')}`,
  };
  return COMPARISON_CSV_COLUMNS.map((col) => cells[col.header]);
}

/**
 * The comparison as CSV: a row per configuration and later file, then a row per configuration that
 * not every file holds (verdict `unmatched`).
 */
function comparisonCsv(c: Comparison): string {
  const records = [
    ...c.rows.flatMap((row) =>
      row.cells.map((cell) => COMPARISON_CSV_COLUMNS.map((col) => col.cell(row, cell, c))),
    ),
    ...c.unmatched.map((u) => unmatchedRecord(u, c)),
  ];
  return toCsv(
    COMPARISON_CSV_COLUMNS.map((col) => col.header),
    records,
  );
}

/**
 * The CSV exporter: `bench report`'s document (sections.runs) gives the runs of every file;
 * `bench compare`'s gives the comparison.
 */
export const csvExporter: Exporter = {
  format: 'csv',
  extension: 'csv',
  render(doc: ReportDocument): Promise<string> {
    if (!doc.sections.runs && doc.comparison) return Promise.resolve(comparisonCsv(doc.comparison));
    const records = doc.files.flatMap((file) =>
      file.data.runs.map((run) => CSV_COLUMNS.map((c) => c.cell(run, file, doc.h100e.get(run)))),
    );
    return Promise.resolve(
      toCsv(
        CSV_COLUMNS.map((c) => c.header),
        records,
      ),
    );
  },
};

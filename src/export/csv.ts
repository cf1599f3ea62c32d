/**
 * CSV for spreadsheets: one row per run of every file, unrounded, each column named after the run
 * field it holds (results/README.md documents them), so a sheet and the JSON cannot disagree.
 */
import { stringify } from 'csv-stringify/sync';
import { environmentOf } from '../compare/environment.js';
import type { LoadedFile } from '../compare/load.js';
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
  cell: (run: RunResult, file: LoadedFile) => CsvCell;
}

/** The driver of the GPU a run used (by index; the only GPU when the run names none). */
function gpuDriver(data: ResultFile, run: RunResult): string | undefined {
  if (run.device.actual !== 'cuda' && run.device.actual !== 'tensorrt' && run.device.actual !== 'webgpu')
    return undefined;
  const gpus = environmentOf(data, run).gpus;
  const gpu =
    run.device.gpuIndex === undefined
      ? gpus.length === 1
        ? gpus[0]
        : undefined
      : gpus.find((g) => g.index === run.device.gpuIndex);
  return gpu?.driverVersion;
}

/**
 * The columns, in order. Those not named after a run field: `file` (the report's label for it),
 * `host` (the machine that measured the run, its merge source's for a merged file),
 * `gpu.driverVersion` (from the environment) and `warnings` (the codes, `; `-separated).
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
  { header: 'warnings', cell: (r) => r.warnings.map((w) => w.code).join('; ') || undefined },
];

/** The CSV exporter: the runs of every file (a comparison is in the JSON and Markdown exports). */
export const csvExporter: Exporter = {
  format: 'csv',
  extension: 'csv',
  render(doc: ReportDocument): Promise<string> {
    const records = doc.files.flatMap((file) =>
      file.data.runs.map((run) => CSV_COLUMNS.map((c) => c.cell(run, file))),
    );
    return Promise.resolve(
      toCsv(
        CSV_COLUMNS.map((c) => c.header),
        records,
      ),
    );
  },
};

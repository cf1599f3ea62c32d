/** What `bench run` prints after a sweep: the table with its H100e column, then the file's state. */
import type { H100eCell } from '../estimate/estimate.js';
import type { ResultFile, RunResult } from '../results/schema.js';
import { h100eCellText } from './estimate-method.js';
import { formatRunTable, formatWarningNotes, type ExtraColumn } from './run-table.js';

/** A finished sweep as the summary needs it. */
export interface RunSummaryInput {
  file: ResultFile;
  path: string;
  /** The runs this command measured, and how many --resume kept. */
  measured: readonly RunResult[];
  kept: number;
  /** Each run's H100e, estimated before rendering. */
  h100e: ReadonlyMap<RunResult, H100eCell>;
}

/** The table, what --resume kept or still misses, the warnings' meanings, and --gpus totals. */
export function formatRunSummary({ file, path, measured, kept, h100e }: RunSummaryInput): string {
  const h100eColumn: ExtraColumn = { header: 'H100e', value: (run) => h100eCellText(h100e.get(run)) };
  let out = formatRunTable(file.runs, file.environment, [h100eColumn]);
  // A resumed file may hold rows this command did not measure, and still miss some it planned earlier.
  const others = file.runs.length - kept - measured.length;
  if (kept > 0 || others > 0) {
    out += `--resume: ${kept} configuration(s) kept from ${path} as measured before (see their startedAt), ${measured.length} measured now${others > 0 ? `; ${others} more row(s) from earlier commands outside this one` : ''}\n`;
  }
  const missing = file.interrupted?.unfinishedKeys?.length ?? 0;
  if (missing > 0) {
    out += `${path} is still incomplete: ${missing} configuration(s) of an earlier sweep missing (interrupted.unfinishedKeys); resume with that sweep's --model and --batch\n`;
  }
  out += formatWarningNotes(file.runs);
  for (const a of file.aggregates ?? []) {
    out += `total over GPUs ${a.gpuIndices.join(',')}: ${a.totalSamplesPerS.toFixed(1)} img/s  (${a.key})\n`;
  }
  return out;
}

/** Table rows shared by the text exporters, so terminal, Markdown and HTML agree cell for cell. */
import { VERDICT_TEXT, type Comparison } from '../compare/compare.js';
import { environmentOf } from '../compare/environment.js';
import { runKey } from '../compare/key.js';
import type { ReportDocument } from './exporter.js';
import { formatChange, formatInterval, formatNumber, formatP, formatRatio } from './format.js';

/** A plain table: header and rows of unescaped cell text (each exporter escapes for its medium). */
export interface TextTable {
  header: string[];
  rows: string[][];
}

/** The comparison table: one row per key, a group of columns per file after the first. */
export function comparisonTable(comparison: Comparison): TextTable {
  const base = comparison.files[0]?.label ?? 'base';
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
  const rows = comparison.rows.map((row) => {
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
      `${col.faster} faster, ${col.slower} slower, ${col.noChange} unchanged, ${col.notComparable} not comparable`,
    );
  }
  rows.push(summary);
  return { header, rows };
}

/** One row per run of every file: what was measured, where, and the figures. */
export function runsTable(doc: ReportDocument): TextTable {
  const header = [
    'file',
    'configuration',
    'status',
    'device',
    'host',
    'samples',
    'img/s',
    'p50 ms',
    'p99 ms',
  ];
  const rows = doc.files.flatMap((file) =>
    file.data.runs.map((run) => [
      file.label,
      runKey(run),
      run.status + (run.error ? `: ${run.error}` : ''),
      `${run.device.actual}: ${run.device.name}`,
      environmentOf(file.data, run).hostname,
      String(run.samplesMs.length),
      formatNumber(run.throughput?.samplesPerS ?? null),
      formatNumber(run.latency?.p50Ms ?? null),
      formatNumber(run.latency?.p99Ms ?? null),
    ]),
  );
  return { header, rows };
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

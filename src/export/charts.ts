/**
 * The report's charts as Vega-Lite specs with inline data: throughput against batch size, latency
 * distributions and comparison bars with confidence intervals. Device kind and provider are part of
 * every series label, so a CPU figure can never read as a GPU one.
 */
import type { TopLevelSpec } from 'vega-lite';
import { VERDICT_TEXT, type Comparison } from '../compare/compare.js';
import type { LoadedFile } from '../compare/load.js';
import type { RunResult } from '../results/schema.js';

/** A chart with the caption the page prints under it. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 720;

/** Who measured a run, for legends: model, device kind and name, provider, threads, file. */
function seriesLabel(run: RunResult, file: LoadedFile): string {
  return `${run.model.name} ${run.model.precision} · ${run.device.actual} ${run.device.name} (${run.engine.name}/${run.engine.provider}, t${run.config.threads}) · ${file.label}`;
}

function okRuns(files: readonly LoadedFile[]): { run: RunResult; file: LoadedFile }[] {
  return files.flatMap((file) =>
    file.data.runs.filter((r) => r.status === 'ok').map((run) => ({ run, file })),
  );
}

/** Throughput (with its CI as error bars) against batch size, one line per model and device. */
export function throughputChart(files: readonly LoadedFile[]): ChartSpec | null {
  const values = okRuns(files).flatMap(({ run, file }) =>
    run.throughput
      ? [
          {
            series: seriesLabel(run, file),
            batch: run.config.batch,
            throughput: run.throughput.samplesPerS,
            lo: run.throughput.ci95[0],
            hi: run.throughput.ci95[1],
          },
        ]
      : [],
  );
  if (values.length === 0) return null;
  const batches = [...new Set(values.map((v) => v.batch))].sort((a, b) => a - b);
  const x = {
    field: 'batch',
    type: 'quantitative',
    title: 'batch size',
    scale: { type: 'log', base: 2 },
    axis: { values: batches, format: 'd' },
  } as const;
  return {
    id: 'throughput',
    title: 'Throughput against batch size',
    caption:
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model, device and file.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: 320,
      data: { values },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: { field: 'throughput', type: 'quantitative', title: 'images / s' },
            color: {
              field: 'series',
              type: 'nominal',
              title: null,
              legend: { orient: 'bottom', columns: 1, labelLimit: 700 },
            },
          },
        },
        {
          mark: { type: 'rule' },
          encoding: {
            x,
            y: { field: 'lo', type: 'quantitative' },
            y2: { field: 'hi' },
            color: { field: 'series', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/** Box plots (min, quartiles, max) of per-iteration latency, one per run. */
export function latencyChart(files: readonly LoadedFile[]): ChartSpec | null {
  const values = okRuns(files).flatMap(({ run, file }) => {
    const label = `${seriesLabel(run, file)} · b${run.config.batch}`;
    return run.samplesMs.map((ms) => ({ run: label, latency: ms }));
  });
  if (values.length === 0) return null;
  const runs = new Set(values.map((v) => v.run)).size;
  return {
    id: 'latency',
    title: 'Latency distributions',
    caption:
      'Per-iteration latency in ms from each run\u2019s recorded samples: whiskers at min and max, box at the quartiles, tick at the median.',
    spec: {
      $schema: SCHEMA,
      width: WIDTH,
      height: Math.max(60, runs * 26),
      data: { values },
      mark: { type: 'boxplot', extent: 'min-max' },
      encoding: {
        y: { field: 'run', type: 'nominal', title: null, axis: { labelLimit: 520 } },
        x: { field: 'latency', type: 'quantitative', title: 'latency (ms)', scale: { zero: false } },
      },
    },
  };
}

/** Throughput change per key with its bootstrap CI, one bar per file after the first. */
export function comparisonChart(comparison: Comparison): ChartSpec | null {
  const values = comparison.rows.flatMap((row) =>
    row.cells.flatMap((cell) =>
      cell.ratio === null || cell.ci === null
        ? []
        : [
            {
              row:
                comparison.files.length > 2
                  ? `${row.key} · ${comparison.files[cell.fileIndex]?.label ?? ''}`
                  : row.key,
              change: (cell.ratio - 1) * 100,
              lo: (cell.ci[0] - 1) * 100,
              hi: (cell.ci[1] - 1) * 100,
              verdict: VERDICT_TEXT[cell.verdict],
            },
          ],
    ),
  );
  if (values.length === 0) return null;
  const base = comparison.files[0]?.label ?? 'the first file';
  // One band per key and file (not yOffset: rules ignore offsets, and the CI must sit on its bar).
  const y = { field: 'row', type: 'nominal', title: null, sort: null, axis: { labelLimit: 520 } } as const;
  return {
    id: 'comparison',
    title: `Throughput change against ${base}`,
    caption: `Median throughput ratio minus 1, in percent, with its ${Math.round(comparison.confidence * 100)} % bootstrap CI; colour is the verdict (Mann-Whitney p < ${comparison.alpha} and a CI excluding 0).`,
    spec: {
      $schema: SCHEMA,
      width: WIDTH - 200,
      height: { step: 22 },
      data: { values },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y,
            x: { field: 'change', type: 'quantitative', title: 'throughput change (%)' },
            color: {
              field: 'verdict',
              type: 'nominal',
              title: 'verdict',
              legend: { labelLimit: 300 },
              scale: {
                domain: [VERDICT_TEXT.faster, VERDICT_TEXT.slower, VERDICT_TEXT['no-change']],
                range: ['#2e7d32', '#c62828', '#9e9e9e'],
              },
            },
          },
        },
        {
          mark: { type: 'rule', color: 'black' },
          encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
        },
        { mark: { type: 'rule', color: '#555', strokeDash: [4, 3] }, encoding: { x: { datum: 0 } } },
      ],
    },
  };
}

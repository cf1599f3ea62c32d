/**
 * The report's charts as Vega-Lite specs with inline data: throughput against batch size, latency
 * distributions and comparison bars with confidence intervals. Device kind and provider are part of
 * every series label, so a CPU figure can never read as a GPU one.
 *
 * Every chart fits {@link CONTENT_WIDTH}: single views through `autosize: fit-x` (axes and legends
 * included), the latency chart's stacked panels through widths computed here. Node has no canvas,
 * so Vega estimates text at 0.8 × font size per character, wider than any browser font: what fits
 * here fits on the page. Long labels wrap ({@link wrapLabel}) instead of widening the chart.
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

/** Width of the page's content box in px (html.ts sets it); no chart's SVG is wider. */
export const CONTENT_WIDTH = 1100;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Vega's text width estimate without a canvas: this × font size per character. */
const EM_ESTIMATE = 0.8;
/** Vega's default view padding, on each side. */
const PADDING = 5;
/** Whole-chart width (SVG width) for single views: Vega fits plot, axes and legends into it. */
const FIT_X = { type: 'fit-x', contains: 'padding' } as const;
/** Throughput legend: label width, the page less padding and the symbol. */
const LEGEND_LABELS = CONTENT_WIDTH - 4 * PADDING - 30;
/** Vega expression: a label with newlines (from {@link wrapLabel}) as lines. */
const SPLIT_LINES = 'split(datum.label, "\\n")';
/** Latency chart: room for each panel's y labels ("b32 single-stream c4") left of the plot. */
const LATENCY_Y_LABELS = 150;
/** Latency chart: the y axis' fixed extent (labels and ticks), inside LATENCY_Y_LABELS. */
const Y_EXTENT = LATENCY_Y_LABELS - 10;
/** Comparison chart: width of the key labels (estimated px, about 1.4 × a browser's). */
const KEY_LABELS = Math.round(CONTENT_WIDTH * 0.6);
/** Latency spread (max / min) beyond which the latency axis turns logarithmic. */
const LOG_SPREAD = 20;

/** One view of a vertical concatenation, as the public TopLevelSpec type spells it. */
type ConcatChild = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];

/** "4 threads", or "default threads" for 0 (the engine picks; results record what it picked). */
function threadsLabel(threads: number): string {
  return threads === 0 ? 'default threads' : `${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Who measured a run, for legends: model, device kind and name, provider, threads, file. */
function seriesLabel(run: RunResult, file: LoadedFile): string {
  return `${run.model.name} ${run.model.precision} · ${run.device.actual} ${run.device.name} (${run.engine.name}/${run.engine.provider}, ${threadsLabel(run.config.threads)}) · ${file.label}`;
}

/**
 * `label` broken after " · " or "|" into lines that fit `limitPx` at `fontSize` by Vega's own
 * estimate, so a long label wraps instead of being cut (losing, say, the file it came from). Only a
 * single piece longer than a line is still cut, by the mark's limit.
 */
export function wrapLabel(label: string, fontSize: number, limitPx: number): string[] {
  const perLine = Math.max(1, Math.floor(limitPx / (EM_ESTIMATE * fontSize)));
  const lines: string[] = [];
  let line = '';
  for (const piece of label.split(/(?<= · |\|)/)) {
    if (line && (line + piece).trimEnd().length > perLine) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += piece;
  }
  lines.push(line.trimEnd());
  return lines;
}

/** What tells a series' runs apart: batch, then scenario and concurrency where not the default. */
function configLabel(run: RunResult): string {
  const { batch, scenario, concurrency } = run.config;
  return [`b${batch}`, scenario === 'offline' ? '' : scenario, concurrency > 1 ? `c${concurrency}` : '']
    .filter(Boolean)
    .join(' ');
}

function okRuns(files: readonly LoadedFile[]): { run: RunResult; file: LoadedFile }[] {
  return files.flatMap((file) =>
    file.data.runs.filter((r) => r.status === 'ok').map((run) => ({ run, file })),
  );
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * Throughput (with its CI as error bars) against batch size, one line per model and device. Server
 * runs are left out (images/s under Poisson arrivals is the offered load, not a capacity) and the
 * caption says how many.
 */
export function throughputChart(files: readonly LoadedFile[]): ChartSpec | null {
  const runs = okRuns(files);
  const server = runs.filter(({ run }) => run.config.scenario === 'server').length;
  const values = runs.flatMap(({ run, file }) =>
    run.throughput && run.config.scenario !== 'server'
      ? [
          {
            series: wrapLabel(seriesLabel(run, file), 10, LEGEND_LABELS).join('\n'),
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
  const left =
    server > 0
      ? ` ${plural(server, 'server-scenario run is', 'server-scenario runs are')} left out (images/s at a set arrival rate is the offered load, not a capacity): see the server runs table.`
      : '';
  return {
    id: 'throughput',
    title: 'Throughput against batch size',
    caption: `Images per second as each run reported it (error bars: its 95 % CI); one line per model, device and file.${left}`,
    spec: {
      $schema: SCHEMA,
      width: CONTENT_WIDTH,
      height: 320,
      autosize: FIT_X,
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
              legend: {
                orient: 'bottom',
                columns: 1,
                labelLimit: LEGEND_LABELS,
                labelExpr: SPLIT_LINES,
              },
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

/**
 * Box plots (min, quartiles, max) of per-iteration latency: one panel per model, device and file
 * with its label above it, one box per batch (and scenario) inside, all on one latency axis.
 */
export function latencyChart(files: readonly LoadedFile[]): ChartSpec | null {
  const values = okRuns(files).flatMap(({ run, file }) => {
    const series = seriesLabel(run, file);
    const config = configLabel(run);
    return run.samplesMs.map((ms) => ({ series, config, latency: ms }));
  });
  if (values.length === 0) return null;
  const latencies = values.map((v) => v.latency);
  const min = Math.min(...latencies);
  const log = min > 0 && Math.max(...latencies) / min > LOG_SPREAD;
  // Panel width: the page less the y labels and padding; the panel's title sits above, within it.
  const width = CONTENT_WIDTH - 2 * PADDING - LATENCY_Y_LABELS;
  const series = [...new Set(values.map((v) => v.series))];
  // Concatenated panels, not a facet: each panel lists only its own batches (an independent y
  // scale) without Vega-Lite's warning about faceted independent composite-mark scales.
  const panel = (label: string, last: boolean): ConcatChild => ({
    // Left edge of the panel (frame: bounds), so the label may use the y-label column too.
    title: {
      text: wrapLabel(label, 11, width + LATENCY_Y_LABELS - 10),
      anchor: 'start',
      frame: 'bounds',
      fontSize: 11,
      limit: width + LATENCY_Y_LABELS - 10,
      offset: 4,
    },
    transform: [{ filter: { field: 'series', equal: label } }],
    width,
    height: { step: 20 },
    mark: { type: 'boxplot', extent: 'min-max' },
    encoding: {
      y: {
        field: 'config',
        type: 'nominal',
        title: null,
        sort: null,
        // A fixed extent lines the panels' plots up whatever their labels.
        axis: { labelLimit: LATENCY_Y_LABELS - 20, minExtent: Y_EXTENT, maxExtent: Y_EXTENT },
      },
      x: {
        field: 'latency',
        type: 'quantitative',
        title: last ? 'latency (ms)' : null,
        axis: { labelFlush: true },
        scale: log ? { type: 'log' } : { zero: false },
      },
    },
  });
  return {
    id: 'latency',
    title: 'Latency distributions',
    caption:
      'Per-iteration latency in ms from each run\u2019s recorded samples: whiskers at min and max, box at the quartiles, tick at the median; one panel per model, device and file' +
      (log ? ', on a logarithmic axis (the latencies span more than a factor of 20).' : '.'),
    spec: {
      $schema: SCHEMA,
      data: { values },
      spacing: 16,
      resolve: { scale: { x: 'shared', y: 'independent' } },
      vconcat: series.map((label, i) => panel(label, i === series.length - 1)),
    },
  };
}

/**
 * Throughput change per key with its bootstrap CI, one bar per file after the first. Server keys
 * have no throughput ratio (compare judges them on bound, peak QPS and p99), so they are not bars;
 * the caption points to their table instead of leaving them silently missing.
 */
export function comparisonChart(comparison: Comparison): ChartSpec | null {
  const values = comparison.rows.flatMap((row) =>
    row.cells.flatMap((cell) =>
      row.scenario === 'server' || cell.ratio === null || cell.ci === null
        ? []
        : [
            {
              row: wrapLabel(
                comparison.files.length > 2
                  ? `${row.key} · ${comparison.files[cell.fileIndex]?.label ?? ''}`
                  : row.key,
                10,
                KEY_LABELS,
              ).join('\n'),
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
  const server = comparison.rows.filter((r) => r.scenario === 'server').length;
  const serverNote =
    server > 0
      ? ` ${plural(server, 'server-scenario key is', 'server-scenario keys are')} not in this chart (no throughput ratio: compare judges them on the latency bound, peak QPS and p99); see the server table of the comparison.`
      : '';
  // One band per key and file (not yOffset: rules ignore offsets, and the CI must sit on its bar).
  // Keys are long: up to 60 % of the page for labels, the rest for the bars (legend below, not
  // beside); longer labels wrap, and each band grows by a line height per extra line.
  const lines = Math.max(...values.map((v) => v.row.split('\n').length));
  const y = {
    field: 'row',
    type: 'nominal',
    title: null,
    sort: null,
    axis: { labelLimit: KEY_LABELS, labelExpr: SPLIT_LINES },
  } as const;
  return {
    id: 'comparison',
    title: `Throughput change against ${base}`,
    caption: `Median throughput ratio minus 1, in percent, with its ${Math.round(comparison.confidence * 100)} % bootstrap CI; colour is the verdict (Mann-Whitney p < ${comparison.alpha} and a CI excluding 0).${serverNote}`,
    spec: {
      $schema: SCHEMA,
      width: CONTENT_WIDTH,
      // Px per band, as a number: a step height makes Vega-Lite warn about fit-x.
      height: (22 + 12 * (lines - 1)) * values.length,
      autosize: FIT_X,
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
              legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 300 },
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

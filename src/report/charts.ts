/**
 * The report's charts as Vega-Lite specs with inline data: throughput against batch size, latency
 * distributions and comparison bars with confidence intervals. Device kind and provider are part of
 * every series label, so a CPU figure can never read as a GPU one.
 *
 * Every chart fits {@link CHART_WIDTH}: single views through `autosize: fit-x` (axes and legends
 * included), the latency chart's stacked panels through widths computed here. Node has no canvas,
 * so Vega estimates text at 0.8 × font size per character, wider than any browser font: what fits
 * here fits on the page. Long labels wrap ({@link wrapLabel}) instead of widening the chart.
 *
 * The SVG is static and scales with the page: charts are laid out for an 800 px window (the width a
 * laptop's half screen or a narrow browser gives) with {@link FONT} px text, so text stays at about
 * that size there and is never scaled down on wider screens.
 */
import type { TopLevelSpec } from 'vega-lite';
import { VERDICT_TEXT, type Comparison } from '../compare/compare.js';
import { environmentOf } from '../results/environment.js';
import { keyFieldValue } from '../results/key.js';
import type { LoadedFile } from '../results/load.js';
import type { RunResult } from '../results/schema.js';

/** A chart with the caption the page prints under it. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

/** Width of the page's content box in px (html.ts sets it): wide tables use it. */
export const CONTENT_WIDTH = 1100;

/**
 * Width of every chart's SVG in px: what an 800 px window leaves for the page's content (less its
 * padding and a scrollbar), so charts are drawn there at their own size, text included.
 */
export const CHART_WIDTH = 740;

/** Font size in px of every label, legend and axis title: readable at {@link CHART_WIDTH}. */
export const FONT = 12;

/** Vega-Lite config giving every text of a chart {@link FONT} px (Vega's defaults are 10 and 11). */
const TEXT_CONFIG = {
  axis: { labelFontSize: FONT, titleFontSize: FONT },
  legend: { labelFontSize: FONT, titleFontSize: FONT },
  title: { fontSize: FONT + 1 },
} as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Vega's text width estimate without a canvas: this × font size per character. */
const EM_ESTIMATE = 0.8;
/** Vega's default view padding, on each side. */
const PADDING = 5;
/** Whole-chart width (SVG width) for single views: Vega fits plot, axes and legends into it. */
const FIT_X = { type: 'fit-x', contains: 'padding' } as const;
/** Throughput legend: label width, the chart less padding and the symbol. */
const LEGEND_LABELS = CHART_WIDTH - 4 * PADDING - 30;
/** Vega expression: a label with newlines (from {@link wrapLabel}) as lines. */
const SPLIT_LINES = 'split(datum.label, "\\n")';
/** Comparison chart: width of the key labels (estimated px, about 1.4 × a browser's). */
const KEY_LABELS = Math.round(CHART_WIDTH * 0.55);
/** Spread (max / min) beyond which a latency or throughput axis turns logarithmic. */
const LOG_SPREAD = 20;

/** Whether `values` (all positive) span more than {@link LOG_SPREAD}: then a linear axis flattens the small ones. */
function wantsLog(values: readonly number[]): boolean {
  const min = Math.min(...values);
  return values.length > 0 && min > 0 && Math.max(...values) / min > LOG_SPREAD;
}

/** One view of a vertical concatenation, as the public TopLevelSpec type spells it. */
type ConcatChild = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];

/** "4 threads", or "default threads" for 0 (the engine picks; results record what it picked). */
function threadsLabel(threads: number): string {
  return threads === 0 ? 'default threads' : `${threads} thread${threads === 1 ? '' : 's'}`;
}

/** What the runs of one file need in their labels to stay apart (see {@link seriesLabeller}). */
interface FileParts {
  /** The file holds runs from several hosts (`bench merge`): every label names its host. */
  hosts: boolean;
  /** Model names the file holds several model files (sha256) of: their labels name a short sha. */
  shaModels: Set<string>;
}

/** Whether `file` holds runs of several hosts, and which model names it holds several shas of. */
function fileParts(file: LoadedFile): FileParts {
  const runs = file.data.runs;
  const shas = new Map<string, Set<string>>();
  for (const run of runs) {
    shas.set(run.model.name, (shas.get(run.model.name) ?? new Set()).add(run.model.sha256));
  }
  return {
    hosts: new Set(runs.map((r) => environmentOf(file.data, r).hostname)).size > 1,
    shaModels: new Set([...shas].flatMap(([name, set]) => (set.size > 1 ? [name] : []))),
  };
}

/**
 * Who measured a run, for legends: model, device kind and name, provider, threads, file. Runs of one
 * label are one series (a line, a box per batch), so a label also names what else tells a file's runs
 * apart: the host where the file holds several (merged from several machines), and the model file's
 * short sha where it holds several versions of one model name (two zoo builds with other --seed);
 * otherwise their figures would be pooled. Both only when needed, to keep labels short.
 */
function seriesLabeller(files: readonly LoadedFile[]): {
  label: (run: RunResult, file: LoadedFile) => string;
  /** The captions' "one line per ...": model (version: labels name a sha), device, host (labels name one), file. */
  per: string;
} {
  const parts = new Map(files.map((f) => [f, fileParts(f)]));
  const hosts = [...parts.values()].some((p) => p.hosts);
  const shas = [...parts.values()].some((p) => p.shaModels.size > 0);
  return {
    label: (run, file) => {
      const known = parts.get(file) ?? fileParts(file);
      const sha = known.shaModels.has(run.model.name) ? `@${keyFieldValue(run, 'sha256')}` : '';
      const host = known.hosts ? ` · host ${environmentOf(file.data, run).hostname}` : '';
      return `${run.model.name}${sha} ${run.model.precision} · ${run.device.actual} ${run.device.name} (${run.engine.name}/${run.engine.provider}, ${threadsLabel(run.config.threads)})${host} · ${file.label}`;
    },
    per: `model${shas ? ' version' : ''}, device${hosts ? ', host' : ''} and file`,
  };
}

/**
 * `label` broken after " · ", "|" or "@" into lines that fit `limitPx` at `fontSize` by Vega's own
 * estimate, so a long label wraps instead of being cut (losing, say, the file it came from). A piece
 * longer than a line (a long GPU name) starts a line of its own and breaks at its spaces, and a word
 * longer than a line (a long model name) is split wherever the line ends: no label is ever cut.
 */
export function wrapLabel(label: string, fontSize: number, limitPx: number): string[] {
  const perLine = Math.max(1, Math.floor(limitPx / (EM_ESTIMATE * fontSize)));
  /** `word` in chunks of at most perLine characters (a trailing space does not count). */
  const chunks = (word: string): string[] =>
    word.trimEnd().length <= perLine
      ? [word]
      : Array.from({ length: Math.ceil(word.length / perLine) }, (_, i) =>
          word.slice(i * perLine, (i + 1) * perLine),
        );
  const lines: string[] = [];
  let line = '';
  for (const piece of label.split(/(?<= · |\||@)/)) {
    // An oversized piece starts a line of its own and breaks at spaces (never before a "·").
    const words = piece.trimEnd().length > perLine ? piece.split(/(?<= )(?!· )/).flatMap(chunks) : [piece];
    if (words.length > 1 && line) {
      lines.push(line.trimEnd());
      line = '';
    }
    for (const word of words) {
      if (line && (line + word).trimEnd().length > perLine) {
        lines.push(line.trimEnd());
        line = '';
      }
      line += word;
    }
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
 * Throughput (with its CI as error bars) against batch size, one line per model and device, for
 * offline runs only. Server runs are left out (images/s under Poisson arrivals is the offered load,
 * not a capacity), and so are single-stream runs (judged on their p90 latency, one query at a time:
 * their images/s is not the capacity an offline line shows); the caption says how many. The y axis
 * turns logarithmic when throughputs span more than a factor of 20, so a small model's line is not
 * flattened against the axis by a big one's.
 */
export function throughputChart(files: readonly LoadedFile[]): ChartSpec | null {
  const runs = okRuns(files);
  const { label: seriesLabel, per } = seriesLabeller(files);
  const count = (scenario: string): number =>
    runs.filter(({ run }) => run.config.scenario === scenario).length;
  const values = runs.flatMap(({ run, file }) =>
    run.throughput && run.config.scenario === 'offline'
      ? [
          {
            series: wrapLabel(seriesLabel(run, file), FONT, LEGEND_LABELS).join('\n'),
            batch: run.config.batch,
            throughput: run.throughput.samplesPerS,
            lo: run.throughput.ci95[0],
            hi: run.throughput.ci95[1],
          },
        ]
      : [],
  );
  if (values.length === 0) return null;
  const log = wantsLog(values.flatMap((v) => [v.throughput, v.lo, v.hi]));
  const batches = [...new Set(values.map((v) => v.batch))].sort((a, b) => a - b);
  const x = {
    field: 'batch',
    type: 'quantitative',
    title: 'batch size',
    scale: { type: 'log', base: 2 },
    axis: { values: batches, format: 'd' },
  } as const;
  const yScale = log ? ({ type: 'log' } as const) : {};
  const server = count('server');
  const single = count('single-stream');
  const left = [
    server > 0
      ? ` ${plural(server, 'server-scenario run is', 'server-scenario runs are')} left out (images/s at a set arrival rate is the offered load, not a capacity): see the server runs table.`
      : '',
    single > 0
      ? ` ${plural(single, 'single-stream run is', 'single-stream runs are')} left out (single-stream is judged on its p90 latency, one query at a time): see the latency chart.`
      : '',
  ].join('');
  return {
    id: 'throughput',
    title: 'Throughput against batch size (offline runs)',
    caption:
      `Images per second as each run reported it (error bars: its 95 % CI); one line per ${per}` +
      (log ? ', on a logarithmic axis (the throughputs span more than a factor of 20).' : '.') +
      left,
    spec: {
      $schema: SCHEMA,
      config: TEXT_CONFIG,
      width: CHART_WIDTH,
      height: 300,
      autosize: FIT_X,
      data: { values },
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x,
            y: {
              field: 'throughput',
              type: 'quantitative',
              title: log ? 'images / s (log scale)' : 'images / s',
              scale: yScale,
            },
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
            y: { field: 'lo', type: 'quantitative', scale: yScale },
            y2: { field: 'hi' },
            color: { field: 'series', type: 'nominal' },
          },
        },
      ],
    },
  };
}

/** Latency chart: panel titles, a little larger than the other text and bold. */
const PANEL_TITLE = FONT;

/**
 * Box plots (min, quartiles, max) of per-iteration latency: one panel per model, device and file
 * with its label above it, one box per batch (and scenario) inside, all on one latency axis. A
 * server run's box also gets a black tick at its p99 and a red one at its latency bound, what the
 * server scenario is judged on.
 */
export function latencyChart(files: readonly LoadedFile[]): ChartSpec | null {
  const runs = okRuns(files);
  const { label: seriesLabel, per } = seriesLabeller(files);
  const samples = runs.flatMap(({ run, file }) => {
    const series = seriesLabel(run, file);
    const config = configLabel(run);
    return run.samplesMs.map((ms) => ({ series, config, kind: 'sample', latency: ms }));
  });
  if (samples.length === 0) return null;
  const markers = runs.flatMap(({ run, file }) =>
    run.server && run.config.scenario === 'server' && run.samplesMs.length > 0
      ? (['p99', 'bound'] as const).map((kind) => ({
          series: seriesLabel(run, file),
          config: configLabel(run),
          kind,
          latency: kind === 'p99' ? (run.server?.p99Ms ?? 0) : (run.server?.latencyBoundMs ?? 0),
        }))
      : [],
  );
  const values = [...samples, ...markers];
  const log = wantsLog(values.map((v) => v.latency));
  // Room for the longest y label ("b32 single-stream c4") by Vega's estimate, plus the ticks.
  const yLabels = Math.ceil(Math.max(...values.map((v) => v.config.length)) * EM_ESTIMATE * FONT) + 20;
  const yExtent = yLabels - 10;
  // Panel width: the chart less the y labels and padding; the panel's title sits above, within it.
  const width = CHART_WIDTH - 2 * PADDING - yLabels;
  const series = [...new Set(values.map((v) => v.series))];
  const withMarkers = new Set(markers.map((m) => m.series));
  const kind = (k: string): { filter: { field: string; equal: string } } => ({
    filter: { field: 'kind', equal: k },
  });
  // Concatenated panels, not a facet: each panel lists only its own batches (an independent y
  // scale) without Vega-Lite's warning about faceted independent composite-mark scales.
  const panel = (label: string, last: boolean): ConcatChild => {
    const y = {
      field: 'config',
      type: 'nominal',
      title: null,
      sort: null,
      // A fixed extent lines the panels' plots up whatever their labels.
      axis: { labelLimit: yLabels - 20, minExtent: yExtent, maxExtent: yExtent },
    } as const;
    const x = {
      field: 'latency',
      type: 'quantitative',
      title: last ? (log ? 'latency (ms, log scale)' : 'latency (ms)') : null,
      axis: { labelFlush: true },
      scale: log ? ({ type: 'log' } as const) : { zero: false },
    } as const;
    const box = { mark: { type: 'boxplot', extent: 'min-max' }, encoding: { y, x } } as const;
    const tick = (k: 'p99' | 'bound', color: string) => ({
      transform: [kind(k)],
      mark: { type: 'tick', color, thickness: 2, size: 16 } as const,
      encoding: { y, x },
    });
    const head = {
      // Left edge of the panel (frame: bounds), so the label may use the y-label column too.
      title: {
        text: wrapLabel(label, PANEL_TITLE, width + yLabels - 10),
        anchor: 'start',
        frame: 'bounds',
        fontSize: PANEL_TITLE,
        limit: width + yLabels - 10,
        offset: 4,
      },
      width,
      height: { step: 22 },
    } as const;
    const inPanel = { filter: { field: 'series', equal: label } };
    return withMarkers.has(label)
      ? {
          ...head,
          transform: [inPanel],
          layer: [{ ...box, transform: [kind('sample')] }, tick('p99', 'black'), tick('bound', '#c62828')],
        }
      : { ...head, ...box, transform: [inPanel, kind('sample')] };
  };
  const marked = markers.length
    ? ' Server runs: a black tick at the p99 latency, a red one at the latency bound it is judged against.'
    : '';
  return {
    id: 'latency',
    title: 'Latency distributions',
    caption:
      `Per-iteration latency in ms from each run\u2019s recorded samples: whiskers at min and max, box at the quartiles, tick at the median; one panel per ${per}` +
      (log ? ', on a logarithmic axis (the latencies span more than a factor of 20).' : '.') +
      marked,
    spec: {
      $schema: SCHEMA,
      config: TEXT_CONFIG,
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
                  ? `${row.label} · ${comparison.files[cell.fileIndex]?.label ?? ''}`
                  : row.label,
                FONT,
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
    caption: `Median throughput ratio minus 1 (single-stream keys: p90 latency ratio, base over new), in percent, with its ${Math.round(comparison.confidence * 100)} % bootstrap CI; colour is the verdict (Mann-Whitney p < ${comparison.alpha} and a CI excluding 0; p90 keys: the CI alone).${serverNote}`,
    spec: {
      $schema: SCHEMA,
      config: TEXT_CONFIG,
      width: CHART_WIDTH,
      // Px per band, as a number: a step height makes Vega-Lite warn about fit-x.
      height: (24 + (FONT + 2) * (lines - 1)) * values.length,
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

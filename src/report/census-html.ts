/**
 * The census as a self-contained HTML page: the report's sections (census-format.ts) as tables, and
 * per configuration a strip chart of every device's throughput by device model, the group median
 * marked and the outliers drawn apart. Static inline SVG rendered in Node, no scripts, no network,
 * like the `bench report` page (src/report/html.ts).
 */
import type { TopLevelSpec } from 'vega-lite';
import { CHART_WIDTH, FONT, type ChartSpec } from './charts.js';
import { escapeHtml } from './escape.js';
import { htmlPage } from './html-page.js';
import type { TextTable } from './rows.js';
import { renderSvg } from './svg.js';
import { configurationLabel, type Census, type ConfigurationCensus } from '../cluster/census.js';
import { censusBlocks, deviceWhere } from './census-text.js';

/** Above this many devices a chart draws ticks rather than circles: 8,000 circles hide each other. */
const DENSE = 400;

/** The strip chart of one configuration, or null when it has no successful device. */
function censusChart(c: ConfigurationCensus, index: number, outlierPct: number): ChartSpec | null {
  if (c.devices.length === 0) return null;
  const outliers = new Set(c.outliers.map((o) => `${o.node}\u0000${o.gpuIndex}`));
  const values = c.devices.map((d) => ({
    group: d.device,
    samplesPerS: d.samplesPerS,
    status: outliers.has(`${d.node}\u0000${d.gpuIndex}`)
      ? `outlier (> ${outlierPct} % below median)`
      : 'within',
    where: deviceWhere(d),
  }));
  const medians = c.groups.map((g) => ({ group: g.device, median: g.medianSamplesPerS }));
  const y = { field: 'group', type: 'nominal', title: null, axis: { labelLimit: 260 } } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: {
      axis: { labelFontSize: FONT, titleFontSize: FONT },
      legend: { labelFontSize: FONT, titleFontSize: FONT },
    },
    width: CHART_WIDTH,
    height: 50 * c.groups.length,
    autosize: { type: 'fit-x', contains: 'padding' },
    layer: [
      {
        data: { values },
        mark:
          c.devices.length > DENSE
            ? { type: 'tick', thickness: 1 }
            : { type: 'point', filled: true, size: 40, opacity: 0.8 },
        encoding: {
          x: {
            field: 'samplesPerS',
            type: 'quantitative',
            title: 'images / s per device',
            scale: { zero: false, padding: 12 },
          },
          y,
          color: {
            field: 'status',
            type: 'nominal',
            title: null,
            scale: {
              domain: ['within', `outlier (> ${outlierPct} % below median)`],
              range: ['#4c78a8', '#e45756'],
            },
            legend: { orient: 'bottom', labelLimit: 400 },
          },
        },
      },
      {
        data: { values: medians },
        mark: { type: 'tick', color: 'black', thickness: 2, size: 36 },
        encoding: { x: { field: 'median', type: 'quantitative' }, y },
      },
    ],
  };
  return {
    id: `census-${index}`,
    title: `${configurationLabel(c)}: throughput per device`,
    caption: `One mark per ${c.devices.some((d) => d.gpuIndex !== null) ? 'GPU' : 'node'} (${c.devices.length}), grouped by device model; black tick: the group median; red: more than ${outlierPct} % below it (${c.outliers.length} outlier${c.outliers.length === 1 ? '' : 's'}, named in the table below).`,
    spec,
  };
}

function table(t: TextTable): string {
  const head = `<tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>\n${head}\n${body}\n</table></div>`;
}

const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; font-size: 1.2em; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .scroll { overflow-x: auto; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 12px; } figure svg { max-width: 100%; height: auto; }
.partial { background: #fff4e5; border-left: 4px solid #f0a030; padding: 0.5em 1em; }
`;

/** The census HTML page. */
export async function censusHtml(census: Census): Promise<string> {
  const sections: string[] = [];
  for (const b of censusBlocks(census)) {
    const lines = b.lines ?? [];
    const cls = b.kind === 'summary' && census.partial ? ' class="partial"' : '';
    sections.push(
      `<h2>${escapeHtml(b.title)}</h2>`,
      ...(b.table ? [table(b.table)] : []),
      ...(lines.length ? [`<ul${cls}>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`] : []),
    );
    if (b.kind === 'fleet') {
      const charts = census.configurations
        .map((c, i) => censusChart(c, i, census.outlierPct))
        .filter((c): c is ChartSpec => c !== null);
      if (charts.length > 0) sections.push('<h2>Census charts</h2>');
      for (const chart of charts) {
        const svg = await renderSvg(chart.spec);
        sections.push(
          `<figure id="chart-${chart.id}" class="chart">\n<h3>${escapeHtml(chart.title)}</h3>\n${svg}\n<figcaption>${escapeHtml(chart.caption)}</figcaption>\n</figure>`,
        );
      }
    }
  }
  const title = `Cluster census ${census.censusId}`;
  return htmlPage(
    title,
    CSS,
    `<p>Generated ${escapeHtml(census.createdAt)} by bench cluster collect from ${escapeHtml(census.dir)}.</p>\n${sections.join('\n')}`,
  );
}

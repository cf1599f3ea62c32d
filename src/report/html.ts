/**
 * A self-contained HTML page: inline CSS, charts as inline SVG rendered in Node, no scripts, no
 * network. A Content-Security-Policy that forbids scripts backs up the escaping of every string.
 */
import { warningText } from './warning-text.js';
import { comparisonChart, CONTENT_WIDTH, latencyChart, throughputChart, type ChartSpec } from './charts.js';
import { captions } from './captions.js';
import { escapeHtml } from './escape.js';
import { htmlPage } from './html-page.js';
import type { Exporter, ReportDocument } from './exporter.js';
import { comparisonTables, environmentTable, runsTables, type TableNotes, type TextTable } from './rows.js';
import { renderSvg } from './svg.js';

// Tables may use CONTENT_WIDTH (wider ones scroll); charts are CHART_WIDTH wide (charts.ts), drawn
// at their own size from an 800 px window up, and scaled down, never scrolled, below that.
const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: ${CONTENT_WIDTH}px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 12px; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } table.summary tr:last-child td { font-weight: 600; }
.scroll { overflow-x: auto; }
.warnings { background: #fff4e5; border-left: 4px solid #f0a030; padding: 0.5em 1em; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: 12px; }
figure svg { max-width: 100%; height: auto; }
.meta { color: #666; font-size: 12px; }
.notes { font-size: 12px; color: #444; } .notes ul { margin-top: 0; padding-left: 1.5em; }
`;

/**
 * A cell's text escaped, with a line-break opportunity (`<wbr>`) after each `|`: a configuration key
 * has no space, so without one it sets the width of its column and pushes the figures off screen.
 */
function cellHtml(text: string): string {
  return escapeHtml(text).replaceAll('|', '|<wbr>');
}

/** An HTML table with every cell escaped. `lastRowIsSummary` keeps the bold last row for summaries. */
function htmlTable(table: TextTable, lastRowIsSummary = false): string {
  const head = `<tr>${table.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = table.rows
    .map((r) => `<tr>${r.map((c) => `<td>${cellHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table class="${lastRowIsSummary ? 'summary' : 'plain'}">\n${head}\n${body}\n</table></div>`;
}

/** Notes under a table: a paragraph and a list, every item escaped; '' without notes. */
function htmlNotes(notes: TableNotes | null): string {
  if (!notes) return '';
  const item = ({ text, details }: TableNotes['items'][number]): string =>
    `<li>${escapeHtml(text)}${details.length ? `<ul>${details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : ''}</li>`;
  const list = notes.items.length ? `<ul>${notes.items.map(item).join('')}</ul>` : '';
  return `<div class="notes"><p>${escapeHtml(notes.intro)}</p>${list}</div>`;
}

async function figure(chart: ChartSpec): Promise<string> {
  const svg = await renderSvg(chart.spec);
  return `<figure id="chart-${chart.id}" class="chart">\n<h3>${escapeHtml(chart.title)}</h3>\n${svg}\n<figcaption>${escapeHtml(chart.caption)}</figcaption>\n</figure>`;
}

/** Charts the document has data for, in page order. */
function chartsFor(doc: ReportDocument): ChartSpec[] {
  return [
    doc.comparison ? comparisonChart(doc.comparison) : null,
    throughputChart(doc.files),
    latencyChart(doc.files),
  ].filter((c): c is ChartSpec => c !== null);
}

/** The HTML exporter. */
export const htmlExporter: Exporter = {
  format: 'html',
  extension: 'html',
  async render(doc: ReportDocument): Promise<string> {
    const sections: string[] = [];
    if (doc.warnings.length) {
      sections.push(
        `<div class="warnings"><strong>Warnings</strong><ul>${doc.warnings.map((w) => `<li>${escapeHtml(warningText(w))}</li>`).join('')}</ul></div>`,
      );
    }
    const c = doc.comparison;
    if (c) {
      const base = `<code>${escapeHtml(c.files[0]?.label ?? '')}</code>`;
      sections.push(`<h2>Comparison</h2>\n<p>Relative to ${base}.</p>`);
      for (const { kind, table, notes } of comparisonTables(c, !doc.sections.runs)) {
        sections.push(`<p>${captions(base, c, '&lt;')[kind]}</p>`, htmlTable(table, true), htmlNotes(notes));
      }
      if (c.unmatched.length) {
        sections.push(
          `<p><strong>Unmatched configurations</strong> (in one file only):</p><ul>${c.unmatched.map((u) => `<li><code>${escapeHtml(u.key)}</code> (${u.files.map(escapeHtml).join(', ')})</li>`).join('')}</ul>`,
        );
      }
    }
    const charts = chartsFor(doc);
    if (charts.length) {
      sections.push('<h2>Charts</h2>');
      for (const chart of charts) sections.push(await figure(chart));
    }
    if (doc.sections.runs) {
      for (const { kind, title, caption, table, notes } of runsTables(doc)) {
        sections.push(
          `<h2 id="runs-${kind}">${escapeHtml(title)}</h2>`,
          ...(caption ? [`<p>${escapeHtml(caption)}</p>`] : []),
          htmlTable(table),
          htmlNotes(notes),
        );
      }
    }
    if (doc.sections.environments) sections.push('<h2>Environments</h2>', htmlTable(environmentTable(doc)));
    const sources = doc.files
      .map(
        (f) =>
          `<code>${escapeHtml(f.path)}</code> (${escapeHtml(f.data.command)}, ${escapeHtml(f.data.createdAt)})`,
      )
      .join('; ');
    return htmlPage(
      doc.title,
      CSS,
      `<p class="meta">Generated ${escapeHtml(doc.generatedAt)} from measured result files: ${sources}.</p>\n${sections.join('\n')}`,
    );
  },
};

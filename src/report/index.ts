/** The exporters by format. */
import { csvExporter } from './csv.js';
import type { ExportFormat, Exporter } from './exporter.js';
import { htmlExporter } from './html.js';
import { jsonExporter } from './json.js';
import { markdownExporter } from './markdown.js';
import { tableExporter } from './table.js';

export type { ExportFormat, Exporter, ReportDocument } from './exporter.js';

const EXPORTERS: Record<ExportFormat, Exporter> = {
  table: tableExporter,
  markdown: markdownExporter,
  json: jsonExporter,
  html: htmlExporter,
  csv: csvExporter,
};

/** The exporter of `format`. */
export function exporterFor(format: ExportFormat): Exporter {
  return EXPORTERS[format];
}

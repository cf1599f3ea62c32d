/** Machine-readable output: the comparison as computed (bootstrap replicates left out). */
import type { Exporter, ReportDocument } from './exporter.js';

/** Version of the JSON document shape, bumped on incompatible changes. */
export const COMPARE_JSON_VERSION = 1;

/** The JSON exporter. */
export const jsonExporter: Exporter = {
  format: 'json',
  extension: 'json',
  render(doc: ReportDocument): Promise<string> {
    const out = {
      compareJsonVersion: COMPARE_JSON_VERSION,
      generatedAt: doc.generatedAt,
      warnings: doc.warnings,
      comparison: doc.comparison,
      ...(doc.sections.runs
        ? { files: doc.files.map((f) => ({ path: f.path, label: f.label, data: f.data })) }
        : {}),
    };
    return Promise.resolve(JSON.stringify(out, null, 2) + '\n');
  },
};

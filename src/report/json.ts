/** Machine-readable output: the comparison as computed (bootstrap replicates left out). */
import type { Exporter, ReportDocument } from './exporter.js';

/**
 * Version of the JSON document shape, bumped on incompatible changes. 2: the comparison's own
 * `warnings` (a copy of the top-level `warnings`) is gone; read the top-level one.
 */
const COMPARE_JSON_VERSION = 2;

/** The JSON exporter. */
export const jsonExporter: Exporter = {
  format: 'json',
  extension: 'json',
  render(doc: ReportDocument): Promise<string> {
    // The top-level warnings hold the comparison's and any about the inputs: one list, not two.
    const comparison = doc.comparison ? { ...doc.comparison, warnings: undefined } : null;
    const out = {
      compareJsonVersion: COMPARE_JSON_VERSION,
      generatedAt: doc.generatedAt,
      warnings: doc.warnings,
      comparison,
      ...(doc.sections.runs
        ? { files: doc.files.map((f) => ({ path: f.path, label: f.label, data: f.data })) }
        : {}),
    };
    return Promise.resolve(JSON.stringify(out, null, 2) + '\n');
  },
};

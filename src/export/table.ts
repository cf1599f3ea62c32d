/** Plain-text tables for terminals. Warnings are not part of it: the CLI prints those to stderr. */
import type { Exporter, ReportDocument } from './exporter.js';
import { comparisonTable, environmentTable, runsTable, type TextTable } from './rows.js';

/** Display width of a string in code points (×, Δ and − are one column each). */
const width = (s: string): number => [...s].length;

/** Column-aligned text with a rule under the header; numbers are left as formatted. */
export function renderTextTable(table: TextTable): string {
  const widths = table.header.map((h, i) => Math.max(width(h), ...table.rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c)))
      .join('  ')
      .trimEnd();
  return (
    [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n') +
    '\n'
  );
}

/** The terminal exporter. */
export const tableExporter: Exporter = {
  format: 'table',
  extension: 'txt',
  render(doc: ReportDocument): Promise<string> {
    const parts: string[] = [];
    if (doc.comparison) {
      parts.push(renderTextTable(comparisonTable(doc.comparison)));
      if (doc.comparison.unmatched.length) {
        parts.push(
          'Unmatched configurations (in one file only):\n' +
            doc.comparison.unmatched.map((u) => `  ${u.key}  [${u.files.join(', ')}]`).join('\n') +
            '\n',
        );
      }
    }
    if (doc.sections.runs) parts.push(renderTextTable(runsTable(doc)));
    if (doc.sections.environments) parts.push(renderTextTable(environmentTable(doc)));
    return Promise.resolve(parts.join('\n'));
  },
};

/** Plain-text tables for terminals. Warnings are not part of it: the CLI prints those to stderr. */
import { alignColumns } from '../columns.js';
import type { Exporter, ReportDocument } from './exporter.js';
import { comparisonTables, environmentTable, runsTables, type TextTable } from './rows.js';

/** Column-aligned text with a rule under the header; numbers are left as formatted. */
export function renderTextTable(table: TextTable): string {
  return alignColumns([table.header, ...table.rows], { rule: true }).join('\n') + '\n';
}

/** The terminal exporter. */
export const tableExporter: Exporter = {
  format: 'table',
  extension: 'txt',
  render(doc: ReportDocument): Promise<string> {
    const parts: string[] = [];
    if (doc.comparison) {
      parts.push(...comparisonTables(doc.comparison).map(({ table }) => renderTextTable(table)));
      if (doc.comparison.unmatched.length) {
        parts.push(
          'Unmatched configurations (in one file only):\n' +
            doc.comparison.unmatched.map((u) => `  ${u.key}  [${u.files.join(', ')}]`).join('\n') +
            '\n',
        );
      }
    }
    if (doc.sections.runs) parts.push(...runsTables(doc).map(({ table }) => renderTextTable(table)));
    if (doc.sections.environments) parts.push(renderTextTable(environmentTable(doc)));
    return Promise.resolve(parts.join('\n'));
  },
};

/** Plain-text tables for terminals. Warnings are not part of it: the CLI prints those to stderr. */
import { alignColumns } from './columns.js';
import { captions } from './captions.js';
import type { Exporter, ReportDocument } from './exporter.js';
import { comparisonTables, environmentTable, runsTables, type TableNotes, type TextTable } from './rows.js';

/** Column-aligned text with a rule under the header; numbers are left as formatted. */
export function renderTextTable(table: TextTable): string {
  return alignColumns([table.header, ...table.rows], { rule: true }).join('\n') + '\n';
}

/** Notes under a table: the intro, then one indented "- " line per item and its details below it. */
function renderTextNotes(notes: TableNotes | null): string {
  if (!notes) return '';
  const lines = notes.items.flatMap(({ text, details }) => [
    `  - ${text}`,
    ...details.map((d) => `      ${d}`),
  ]);
  return [notes.intro, ...lines].join('\n') + '\n';
}

/** The terminal exporter. */
export const tableExporter: Exporter = {
  format: 'table',
  extension: 'txt',
  render(doc: ReportDocument): Promise<string> {
    const parts: string[] = [];
    const c = doc.comparison;
    if (c) {
      // The caption is the table's legend (what ratio, Δ, CI, p and verdict mean), as in Markdown.
      const text = captions(c.files[0]?.label ?? 'the first file', c);
      for (const { kind, table, notes } of comparisonTables(c, !doc.sections.runs))
        parts.push(`${text[kind]}\n\n${renderTextTable(table)}${renderTextNotes(notes)}`);
      if (c.unmatched.length) {
        parts.push(
          'Unmatched configurations (in one file only):\n' +
            c.unmatched.map((u) => `  ${u.key}  [${u.files.join(', ')}]`).join('\n') +
            '\n',
        );
      }
    }
    if (doc.sections.runs) {
      for (const { caption, table, notes } of runsTables(doc))
        parts.push(`${caption ? `${caption}\n\n` : ''}${renderTextTable(table)}${renderTextNotes(notes)}`);
    }
    if (doc.sections.environments) parts.push(renderTextTable(environmentTable(doc)));
    return Promise.resolve(parts.join('\n'));
  },
};

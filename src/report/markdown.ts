/** GitHub-flavoured Markdown, e.g. for a pull-request comment; every string from a file is escaped. */
import { warningText } from './warning-text.js';
import { escapeMarkdown } from './escape.js';
import type { Exporter, ReportDocument } from './exporter.js';
import { captions } from './captions.js';
import { comparisonTables, environmentTable, runsTables, type TableNotes, type TextTable } from './rows.js';

/** A Markdown table with every cell escaped. */
export function renderMarkdownTable(table: TextTable): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  return (
    [line(table.header), `|${table.header.map(() => ' --- |').join('')}`, ...table.rows.map(line)].join(
      '\n',
    ) + '\n'
  );
}

/** Notes under a table as a paragraph and a list, every item escaped; '' without notes. */
function renderMarkdownNotes(notes: TableNotes | null): string {
  if (!notes) return '';
  const lines = notes.items.flatMap(({ text, details }) => [
    `- ${escapeMarkdown(text)}`,
    ...details.map((d) => `  - ${escapeMarkdown(d)}`),
  ]);
  return [escapeMarkdown(notes.intro), ...(lines.length ? ['', ...lines] : [])].join('\n') + '\n';
}

/** The Markdown exporter. */
export const markdownExporter: Exporter = {
  format: 'markdown',
  extension: 'md',
  render(doc: ReportDocument): Promise<string> {
    const parts = [`## ${escapeMarkdown(doc.title)}\n`];
    if (doc.warnings.length) {
      parts.push(
        doc.warnings.map((w) => `> **Warning:** ${escapeMarkdown(warningText(w))}`).join('\n>\n') + '\n',
      );
    }
    const c = doc.comparison;
    if (c) {
      const base = escapeMarkdown(c.files[0]?.label ?? 'the first file');
      for (const { kind, table, notes } of comparisonTables(c, !doc.sections.runs)) {
        parts.push(`${captions(base, c)[kind]}\n`);
        parts.push(renderMarkdownTable(table));
        if (notes) parts.push(renderMarkdownNotes(notes));
      }
      if (c.unmatched.length) {
        parts.push(
          '**Unmatched configurations** (in one file only):\n\n' +
            c.unmatched
              .map((u) => `- ${escapeMarkdown(u.key)} (${u.files.map(escapeMarkdown).join(', ')})`)
              .join('\n') +
            '\n',
        );
      }
    }
    if (doc.sections.runs) {
      for (const { title, caption, table, notes } of runsTables(doc)) {
        parts.push(`### ${escapeMarkdown(title)}\n`);
        if (caption) parts.push(`${escapeMarkdown(caption)}\n`);
        parts.push(renderMarkdownTable(table));
        if (notes) parts.push(renderMarkdownNotes(notes));
      }
    }
    if (doc.sections.environments)
      parts.push('### Environments\n', renderMarkdownTable(environmentTable(doc)));
    parts.push(
      `<sub>Sources: ${doc.files.map((f) => escapeMarkdown(f.path)).join(', ')}; generated ${escapeMarkdown(doc.generatedAt)}.</sub>\n`,
    );
    return Promise.resolve(parts.join('\n'));
  },
};

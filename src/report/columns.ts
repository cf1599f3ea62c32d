/** Column alignment for every plain-text table the CLI prints, so they all line up the same way. */

/** Display width in code points (×, Δ and − are one column each). */
function displayWidth(s: string): number {
  return [...s].length;
}

/**
 * Pads each cell to its column's widest cell, two spaces between columns, no trailing blanks. With
 * `rule`, a dashed line follows the first row (the header).
 */
export function alignColumns(
  rows: readonly (readonly string[])[],
  opts: { rightAligned?: ReadonlySet<number>; rule?: boolean } = {},
): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(c))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - displayWidth(c));
        return opts.rightAligned?.has(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  const lines = rows.map(line);
  if (opts.rule && lines.length > 0) lines.splice(1, 0, line(widths.map((w) => '-'.repeat(w))));
  return lines;
}

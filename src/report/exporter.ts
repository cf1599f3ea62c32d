/**
 * One output format per file behind a small interface (hyperfine's export/ layout): the commands
 * build a {@link ReportDocument} once and hand it to the exporter of the format the user chose.
 */
import type { Comparison } from '../compare/compare.js';
import type { H100eCell } from '../estimate/estimate.js';
import type { RunResult, RunWarning } from '../results/schema.js';
import type { LoadedFile } from '../results/load.js';

/**
 * Output formats. `table` is for terminals; `html` is a self-contained page with charts; `csv` holds
 * the runs for a spreadsheet.
 */
export type ExportFormat = 'table' | 'markdown' | 'json' | 'html' | 'csv';

/** Everything an exporter may show. */
export interface ReportDocument {
  title: string;
  files: readonly LoadedFile[];
  /** Present when two or more files share configurations. */
  comparison: Comparison | null;
  /** Shown above everything else (environment differences, skipped inputs). */
  warnings: readonly RunWarning[];
  /** `bench compare` shows the comparison only; `bench report` shows runs and environments too. */
  sections: { runs: boolean; environments: boolean };
  /** When the document was produced (ISO 8601). */
  generatedAt: string;
  /** The H100e each successful run gets in run tables (estimated before rendering; none for compare). */
  h100e: ReadonlyMap<RunResult, H100eCell>;
}

/** Renders a document in one format. */
export interface Exporter {
  readonly format: ExportFormat;
  /** File extension of the format, without the dot. */
  readonly extension: string;
  render(doc: ReportDocument): Promise<string>;
}

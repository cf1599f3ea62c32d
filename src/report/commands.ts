/**
 * The programmatic side of `bench compare`, `bench merge` and `bench report`: the CLI files only parse
 * options and print; tests call these directly.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { BenchError, isBenchError } from '../core/errors.js';
import { h100eCells } from '../estimate/estimate.js';
import type { RunWarning } from '../results/schema.js';
import { exporterFor, type ExportFormat, type ReportDocument } from './index.js';
import { checkOutFile, writeFileAtomic, writeResultFile } from '../results/io.js';
import { lockResultFile } from '../results/lock.js';
import { compareFiles, type CompareOptions, type Comparison } from '../compare/compare.js';
import { findRegressions, regressionError } from '../compare/gate.js';
import type { KeyField } from '../results/key.js';
import { loadResultFiles, type LoadedFile } from '../results/load.js';
import { mergeFiles } from '../results/merge.js';

/** Options of {@link compareCommand}. */
export interface CompareCommandOptions extends CompareOptions {
  format: Exclude<ExportFormat, 'html'>;
  /**
   * Fail (E_REGRESSION, exit 1) when a key is significantly slower by more than this many percent, or
   * when a configuration the base measured failed or is missing in a later file.
   */
  failOnRegressionPct?: number;
  /** With the gate: configurations missing from a later file do not trip it (a subset on purpose). */
  allowMissing?: boolean;
}

/** What a command produced: text for stdout, lines for stderr, and an error to raise after printing. */
export interface CommandOutput {
  stdout: string;
  warnings: RunWarning[];
  /** Set when the regression gate tripped: print stdout first, then throw it. */
  error: BenchError | null;
}

function documentFor(
  title: string,
  files: LoadedFile[],
  comparison: Comparison | null,
  warnings: RunWarning[],
  full: boolean,
): ReportDocument {
  return {
    title,
    files,
    comparison,
    warnings,
    sections: { runs: full, environments: full },
    generatedAt: new Date().toISOString(),
    // The runs table's H100e column: estimated here, so rendering reads no reference file.
    h100e: full ? new Map(files.flatMap((f) => [...h100eCells(f.data)])) : new Map(),
  };
}

/** `bench compare BASE NEW [MORE...]`: compares, renders, and applies the regression gate. */
export async function compareCommand(
  paths: readonly string[],
  options: CompareCommandOptions,
): Promise<CommandOutput> {
  if (paths.length < 2) {
    throw new BenchError('E_USAGE', 'compare needs at least two result files (BASE NEW)', {
      hint: 'bench compare base.json new.json',
    });
  }
  const { files, warnings: loadWarnings } = loadResultFiles(paths, { emptyIs: 'error' });
  const comparison = compareFiles(files, options);
  const warnings = [...loadWarnings, ...comparison.warnings];
  const title = `Comparison against ${files[0]?.label ?? 'base'}`;
  const stdout = await exporterFor(options.format).render(
    documentFor(title, files, comparison, warnings, false),
  );
  const threshold = options.failOnRegressionPct;
  const error =
    threshold === undefined
      ? null
      : regressionError(
          findRegressions(comparison, threshold, { allowMissing: options.allowMissing ?? false }),
          threshold,
        );
  return { stdout, warnings, error };
}

/** The path a name refers to, through symlinks when it exists, so `./a.json` and a link to it match. */
function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Refuses an output path that is one of the input files: with --force it would replace the data
 * the command reads (a result file overwritten by its own HTML report).
 */
function refuseInputAsOutput(out: string, flag: string, inputs: readonly string[]): void {
  const target = canonicalPath(out);
  const input = inputs.find((p) => canonicalPath(p) === target);
  if (input !== undefined) {
    throw new BenchError('E_USAGE', `${flag} ${out} is the input file ${input}`, {
      hint: `give ${flag} a new file name; the command would overwrite its own input`,
    });
  }
}

/** `-` as an output path: write to stdout instead of a file (like most Unix tools). */
const STDOUT_PATH = '-';

/** `bench merge FILES... --out FILE`: writes the merged file; returns what it did. */
export function mergeCommand(
  paths: readonly string[],
  out: string,
  command: string,
  options: { force?: boolean } = {},
): { runs: number; sources: number; warnings: RunWarning[] } {
  if (paths.length === 0)
    throw new BenchError('E_USAGE', 'merge needs at least one result file', {
      hint: 'bench merge a.json b.json --out all.json',
    });
  refuseInputAsOutput(out, '--out', paths);
  checkOutFile(out, { force: options.force ?? false });
  // One writer per result file (results/lock.ts): a run or another merge into --out is refused.
  const unlock = lockResultFile(out, command);
  let merged: ReturnType<typeof mergeFiles>;
  let warnings: RunWarning[];
  try {
    const loaded = loadResultFiles(paths, { emptyIs: 'warning' });
    warnings = loaded.warnings;
    merged = mergeFiles(loaded.files, command);
    writeResultFile(out, merged.file);
  } finally {
    unlock();
  }
  return {
    runs: merged.file.runs.length,
    sources: merged.file.sources?.length ?? 0,
    warnings: [...warnings, ...merged.warnings],
  };
}

/** Options of {@link reportCommand}. */
export interface ReportCommandOptions {
  /** File for the HTML report; `-` for stdout. */
  html?: string;
  /** File for the Markdown report; `-` for stdout. */
  markdown?: string;
  /** File for the runs as CSV; `-` for stdout. */
  csv?: string;
  ignore?: readonly KeyField[];
  seed?: number;
  title?: string;
  /** Replace existing --html / --markdown / --csv files. */
  force?: boolean;
}

/**
 * `bench report FILES... --html out.html [--markdown out.md] [--csv runs.csv]`: runs, environments
 * and charts of every file, plus a comparison against the first file when files share
 * configurations; the CSV holds the runs alone.
 */
export async function reportCommand(
  paths: readonly string[],
  options: ReportCommandOptions,
): Promise<{ written: string[]; warnings: RunWarning[]; stdout: string }> {
  if (paths.length === 0)
    throw new BenchError('E_USAGE', 'report needs at least one result file', {
      hint: 'bench report results.json --html report.html',
    });
  const asked: { flag: string; format: ExportFormat; path: string | undefined }[] = [
    { flag: '--html', format: 'html', path: options.html },
    { flag: '--markdown', format: 'markdown', path: options.markdown },
    { flag: '--csv', format: 'csv', path: options.csv },
  ];
  const targets = asked.flatMap(({ path, ...t }) => (path === undefined ? [] : [{ ...t, path }]));
  if (targets.length === 0) {
    throw new BenchError('E_USAGE', 'report needs --html FILE, --markdown FILE and/or --csv FILE', {
      hint: 'bench report results.json --html report.html',
    });
  }
  // One file for two would leave only the last report, with --force silently eating the others;
  // compared through symlinks like the input check, so a link to another target is caught too.
  for (const [i, a] of targets.entries()) {
    const b = targets.slice(i + 1).find((t) => canonicalPath(t.path) === canonicalPath(a.path));
    if (b) {
      throw new BenchError('E_USAGE', `${a.flag} and ${b.flag} both name ${b.path}`, {
        hint: 'give each report its own file, e.g. --html report.html --markdown report.md',
      });
    }
  }
  // Check every target before the (slow) rendering, so a typo in --markdown does not cost the HTML.
  const force = options.force ?? false;
  for (const { flag, path } of targets) {
    if (path === STDOUT_PATH) continue;
    refuseInputAsOutput(path, flag, paths);
    checkOutFile(path, { flag, force });
  }
  const { files, warnings } = loadResultFiles(paths, { emptyIs: 'warning' });
  if (files.every((f) => f.data.runs.length === 0)) {
    throw new BenchError(
      'E_BAD_INPUT',
      `report: ${paths.length === 1 ? paths[0] : 'every file'} has zero runs`,
      {
        hint: 'pass a file written by a `bench run` that measured at least one configuration',
      },
    );
  }
  let comparison: Comparison | null = null;
  const withRuns = files.filter((f) => f.data.runs.length > 0);
  if (withRuns.length >= 2) {
    try {
      comparison = compareFiles(withRuns, { ignore: options.ignore ?? [], seed: options.seed ?? 1 });
      warnings.push(...comparison.warnings);
    } catch (e) {
      // Files with nothing in common still make a report; say why there is no comparison.
      if (!isBenchError(e) || e.code !== 'E_BAD_INPUT') throw e;
      warnings.push({
        code: 'W_NO_COMPARISON',
        message: `no comparison: ${e.message}`,
        ...(e.hint ? { advice: e.hint } : {}),
      });
    }
  }
  const doc = documentFor(options.title ?? 'h100e benchmark report', files, comparison, warnings, true);
  const written: string[] = [];
  let stdout = '';
  for (const { format, path } of targets) {
    const text = await exporterFor(format).render(doc);
    if (path === STDOUT_PATH) {
      stdout += text;
      continue;
    }
    const unlock = lockResultFile(path, `bench report --${format} ${path}`);
    try {
      writeFileAtomic(path, text);
    } finally {
      unlock();
    }
    written.push(path);
  }
  return { written, warnings, stdout };
}

/** Loading the result files a command was given, with the checks every comparing command shares. */
import { basename } from 'node:path';
import { BenchError } from '../core/errors.js';
import { readResultFile } from './io.js';
import type { ResultFile, RunWarning } from './schema.js';

/** A result file as read, with the short label tables and charts show for it. */
export interface LoadedFile {
  path: string;
  /** Base name, or the path as given when two files share a base name. */
  label: string;
  data: ResultFile;
}

/** Short, unique display labels for `paths`: base names unless two collide. */
function fileLabels(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p));
  return names.map((name, i) => (names.filter((n) => n === name).length > 1 ? (paths[i] as string) : name));
}

/**
 * Reads every file (each failure is a one-line BenchError naming the file). Files with zero runs are
 * an error when `emptyIs` is 'error' and are returned with a warning otherwise.
 * A file cut short by a signal (its `interrupted` field) is returned with a warning saying so.
 */
export function loadResultFiles(
  paths: readonly string[],
  options: { emptyIs: 'error' | 'warning' },
): { files: LoadedFile[]; warnings: RunWarning[] } {
  const labels = fileLabels(paths);
  const warnings: RunWarning[] = [];
  const files = paths.map((path, i): LoadedFile => {
    const data = readResultFile(path);
    if (data.runs.length === 0) {
      const message = `${path}: the result file has zero runs`;
      if (options.emptyIs === 'error') {
        throw new BenchError('E_BAD_INPUT', message, {
          hint: 'pass a file written by a `bench run` that measured at least one configuration',
        });
      }
      warnings.push({ code: 'W_EMPTY_FILE', message, advice: 'it is left out' });
    }
    // A run stopped by a signal measured only part of its sweep: missing rows are not missing models.
    // A merged file says so of each source that was.
    const marks = [
      ...(data.interrupted ? [{ of: path, cut: data.interrupted }] : []),
      ...(data.sources ?? []).flatMap((s) =>
        s.interrupted ? [{ of: `${path} (merged from ${s.file})`, cut: s.interrupted }] : [],
      ),
    ];
    for (const { of, cut } of marks) {
      warnings.push({
        code: 'W_INTERRUPTED_FILE',
        message: `${of} was interrupted: ${cut.finishedConfigurations} of ${cut.plannedConfigurations} configurations measured`,
      });
    }
    return { path, label: labels[i] as string, data };
  });
  return { files, warnings };
}

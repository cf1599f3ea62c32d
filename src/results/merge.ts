/**
 * `bench merge`: runs from several machines in one file. Each run keeps the environment it was
 * measured in, through `sources[run.sourceIndex]`, so fleet totals and reports can still tell machines
 * apart. Merging an already merged file flattens its sources.
 */
import { BenchError } from '../core/errors.js';
import { SCHEMA_VERSION, type ResultFile, type RunResult, type RunWarning } from './schema.js';
import { environmentOf } from './environment.js';
import type { LoadedFile } from './load.js';

/** A merged result file and what was noticed while merging. */
export interface MergeResult {
  file: ResultFile;
  warnings: RunWarning[];
}

/** Identity of a measurement: the same run merged twice is recognised by key, host and start time. */
function identity(run: RunResult, hostname: string): string {
  return `${run.key}\u0000${hostname}\u0000${run.startedAt}`;
}

/**
 * Merges `files` in order. The merged file's top-level environment is the first source's (the schema
 * needs one); each run's own environment is in `sources`. Throws E_BAD_INPUT when no file has a run.
 */
export function mergeFiles(files: readonly LoadedFile[], command: string, now = new Date()): MergeResult {
  const warnings: RunWarning[] = [];
  const sources: NonNullable<ResultFile['sources']> = [];
  const runs: RunResult[] = [];
  const seen = new Set<string>();
  for (const loaded of files) {
    const d = loaded.data;
    // A merged file's sources carry their own provenance; a file from `bench run` becomes one.
    const fileSources: NonNullable<ResultFile['sources']> = d.sources?.length
      ? d.sources
      : [
          {
            file: loaded.path,
            environment: d.environment,
            command: d.command,
            createdAt: d.createdAt,
            ...(d.resumed ? { resumed: d.resumed } : {}),
            ...(d.interrupted ? { interrupted: d.interrupted } : {}),
          },
        ];
    const offset = sources.length;
    sources.push(...fileSources);
    for (const run of loaded.data.runs) {
      const env = environmentOf(loaded.data, run);
      const id = identity(run, env.hostname);
      if (seen.has(id)) {
        warnings.push({
          code: 'W_ALREADY_MERGED',
          message: `${loaded.label}: run ${run.key} from ${env.hostname} at ${run.startedAt} is already merged`,
          advice: 'skipped',
        });
        continue;
      }
      seen.add(id);
      runs.push({ ...run, sourceIndex: offset + (run.sourceIndex ?? 0) });
    }
  }
  const first = sources[0];
  if (!first || runs.length === 0) {
    throw new BenchError('E_BAD_INPUT', `merge: none of the ${files.length} files has a run`, {
      hint: 'pass result files written by `bench run --out`',
    });
  }
  return {
    file: {
      schemaVersion: SCHEMA_VERSION,
      createdAt: now.toISOString(),
      command,
      environment: first.environment,
      runs,
      sources,
    },
    warnings,
  };
}

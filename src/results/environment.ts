/** Which machine and software each run of a result file was measured with. */
import type { Environment, ResultFile, RunResult } from './schema.js';

/** The environment `run` was measured in: its merge source's when the file came from `bench merge`. */
export function environmentOf(file: ResultFile, run: RunResult): Environment {
  const source = run.sourceIndex === undefined ? undefined : file.sources?.[run.sourceIndex];
  return source?.environment ?? file.environment;
}

/** Every environment a file's runs were measured in (one, unless the file was merged). */
export function environmentsOf(file: ResultFile): Environment[] {
  return file.sources && file.sources.length > 0
    ? file.sources.map((s) => s.environment)
    : [file.environment];
}

/** Which machine and software each run was measured with, and how two files differ in that. */
import type { Environment, ResultFile, RunResult } from '../results/schema.js';
import type { LoadedFile } from './load.js';

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

/** A property compared across files; `read` gives one display value per file. */
interface EnvironmentAspect {
  name: string;
  read: (file: ResultFile) => string[];
}

const none = (values: string[]): string[] => (values.length === 0 ? ['none'] : values);

const ASPECTS: readonly EnvironmentAspect[] = [
  { name: 'host', read: (f) => environmentsOf(f).map((e) => e.hostname) },
  { name: 'CPU', read: (f) => environmentsOf(f).map((e) => e.cpu.model) },
  { name: 'GPU', read: (f) => none(environmentsOf(f).flatMap((e) => e.gpus.map((g) => g.name))) },
  {
    name: 'GPU driver',
    read: (f) => none(environmentsOf(f).flatMap((e) => e.gpus.map((g) => g.driverVersion ?? 'unknown'))),
  },
  {
    name: 'GPU power limit',
    read: (f) =>
      none(
        environmentsOf(f).flatMap((e) =>
          e.gpus.map((g) => (g.powerLimitW === undefined ? 'unknown' : `${g.powerLimitW} W`)),
        ),
      ),
  },
  { name: 'engine version', read: (f) => f.runs.map((r) => `${r.engine.name} ${r.engine.version}`) },
  { name: 'provider', read: (f) => f.runs.map((r) => r.engine.provider) },
  { name: 'device', read: (f) => f.runs.map((r) => r.device.name) },
  { name: 'threads', read: (f) => f.runs.map((r) => String(r.config.threads)) },
  { name: 'Node.js', read: (f) => environmentsOf(f).map((e) => e.node) },
  { name: 'tool version', read: (f) => environmentsOf(f).map((e) => `${e.tool.name} ${e.tool.version}`) },
];

/** Sorted distinct values joined for display. */
function distinct(values: string[]): string {
  return [...new Set(values)].sort().join(', ');
}

/**
 * One line per property that differs between the first file and any other, e.g.
 * `GPU differs: base.json "NVIDIA H100 80GB HBM3" vs new.json "none"`. Listed above comparison tables
 * because a "slower" verdict on different hardware is a statement about the hardware.
 */
export function environmentWarnings(files: readonly LoadedFile[]): string[] {
  const [base, ...others] = files;
  if (!base) return [];
  const warnings: string[] = [];
  for (const aspect of ASPECTS) {
    const baseValue = distinct(aspect.read(base.data));
    for (const other of others) {
      const otherValue = distinct(aspect.read(other.data));
      if (otherValue !== baseValue && otherValue !== '' && baseValue !== '') {
        warnings.push(
          `${aspect.name} differs: ${base.label} ${JSON.stringify(baseValue)} vs ${other.label} ${JSON.stringify(otherValue)}`,
        );
      }
    }
  }
  return warnings;
}

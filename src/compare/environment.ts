/** Which machine and software each run was measured with, and how two files differ in that. */
import type { Environment, ResultFile, RunResult } from '../results/schema.js';
import { KEY_FIELDS, keyFieldValue, type KeyField } from './key.js';
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

/** A property compared across files; `read` gives the file's display values. */
interface EnvironmentAspect {
  name: string;
  read: (file: ResultFile) => string[];
  /**
   * Where a file may hold several kinds (two engines, a CPU and a GPU), the kind of a value: values
   * are compared only within kinds both files have, so a file with ort and tfjs runs does not "differ"
   * from one with ort runs alone.
   */
  kindOf?: (value: string) => string;
}

/** The text before the first `sep`: the kind part of "ort 1.30.0" or "cpu: AMD EPYC". */
const before =
  (sep: string) =>
  (value: string): string =>
    value.slice(0, Math.max(0, value.indexOf(sep)));

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
  {
    name: 'engine version',
    read: (f) => f.runs.map((r) => `${r.engine.name} ${r.engine.version}`),
    kindOf: before(' '),
  },
  // Provider, threads and the other key fields: keyFieldWarnings, from the runs actually matched.
  {
    name: 'device',
    read: (f) => f.runs.map((r) => `${r.device.actual}: ${r.device.name}`),
    kindOf: before(': '),
  },
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
    const baseValues = aspect.read(base.data);
    for (const other of others) {
      let mine = baseValues;
      let theirs = aspect.read(other.data);
      if (aspect.kindOf) {
        const kind = aspect.kindOf;
        const shared = new Set(mine.map(kind).filter((k) => theirs.some((v) => kind(v) === k)));
        mine = mine.filter((v) => shared.has(kind(v)));
        theirs = theirs.filter((v) => shared.has(kind(v)));
      }
      const baseValue = distinct(mine);
      const otherValue = distinct(theirs);
      if (otherValue !== baseValue && otherValue !== '' && baseValue !== '') {
        warnings.push(
          `${aspect.name} differs: ${base.label} ${JSON.stringify(baseValue)} vs ${other.label} ${JSON.stringify(otherValue)}`,
        );
      }
    }
  }
  return warnings;
}

/** How a key field is named in a warning; the sha256 is the model file's identity. */
const FIELD_NAMES: Record<KeyField, string> = {
  model: 'model',
  sha256: 'model file',
  engine: 'engine',
  provider: 'provider',
  precision: 'precision',
  batch: 'batch',
  scenario: 'scenario',
  concurrency: 'concurrency',
  threads: 'threads',
};

/** A field's value as a warning shows it: a model file as `name@sha12`, so values of several models line up. */
function fieldText(run: RunResult, field: KeyField): string {
  return field === 'sha256' ? `${run.model.name}@${keyFieldValue(run, field)}` : keyFieldValue(run, field);
}

/**
 * One line per --ignore-key field whose values differ between matched runs of the first file and
 * another, e.g. `precision differs: t1.json "fp32" vs fp16.json "fp16"` or `model file differs:
 * a.json "resnet18@0123456789ab" vs b.json "resnet18@ba9876543210"`. Matching across a field makes
 * the comparison about that field: the reader must see it, not a `*`. `matched` holds each matched
 * key's runs, one per file (undefined where a file lacks it); `labels` the files' labels.
 */
export function keyFieldWarnings(
  labels: readonly string[],
  matched: readonly (readonly (RunResult | undefined)[])[],
  ignore: readonly KeyField[],
): string[] {
  const warnings: string[] = [];
  for (const field of KEY_FIELDS.filter((f) => ignore.includes(f))) {
    for (let i = 1; i < labels.length; i++) {
      const differing = matched.flatMap(([base, ...rest]) => {
        const other = rest[i - 1];
        return base && other && keyFieldValue(base, field) !== keyFieldValue(other, field)
          ? [[base, other] as const]
          : [];
      });
      if (differing.length === 0) continue;
      const baseValue = distinct(differing.map(([base]) => fieldText(base, field)));
      const otherValue = distinct(differing.map(([, other]) => fieldText(other, field)));
      warnings.push(
        `${FIELD_NAMES[field]} differs: ${labels[0] ?? ''} ${JSON.stringify(baseValue)} vs ${labels[i] ?? ''} ${JSON.stringify(otherValue)}`,
      );
    }
  }
  return warnings;
}

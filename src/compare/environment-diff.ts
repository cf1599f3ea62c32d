/** How two files differ in the machine and software their runs were measured with: compare's warnings. */
import { ORT_OPTION_NAMES, recordedSettings } from '../engines/ort-options.js';
import type { Environment, ResultFile, RunResult, RunWarning } from '../results/schema.js';
import { environmentOf, environmentsOf } from '../results/environment.js';
import { KEY_FIELDS, keyFieldValue, type KeyField } from '../results/key.js';
import type { LoadedFile } from '../results/load.js';

/** A property compared across files; `read` gives the file's display values. */
interface EnvironmentAspect {
  name: string;
  read: (file: ResultFile) => string[];
  /**
   * The property's values for one run of `file` (a machine property: of the environment that run was
   * measured in). With the matched runs known, the property is compared run pair by run pair, so a
   * merged file of two hosts does not "differ" from one host's file when only that host's runs were
   * compared with it.
   */
  ofRun: (file: ResultFile, run: RunResult) => string[];
  /**
   * Where a file may hold several kinds (two engines, a CPU and a GPU), the kind of a value: values
   * are compared only within kinds both files have, so a file with ort and tfjs runs does not "differ"
   * from one with ort runs alone.
   */
  kindOf?: (value: string) => string;
  /**
   * For display only: the two sides' values (kinds already shared) cut to the parts that differ, so a
   * warning names the setting that changed, not every setting both sides share.
   */
  narrow?: (mine: string[], theirs: string[]) => [string[], string[]];
}

/** The text before the first `sep`: the kind part of "ort 1.30.0" or "cpu: AMD EPYC". */
const before =
  (sep: string) =>
  (value: string): string =>
    value.slice(0, Math.max(0, value.indexOf(sep)));

const none = (values: string[]): string[] => (values.length === 0 ? ['none'] : values);

/** A property of the machine: read per environment, and for a file over all its environments. */
function machine(name: string, of: (env: Environment) => string[]): EnvironmentAspect {
  return {
    name,
    read: (f) => none(environmentsOf(f).flatMap(of)),
    ofRun: (f, r) => none(of(environmentOf(f, r))),
  };
}

/** A property each run records itself (engine version, device), compared within `kindOf`'s kinds. */
function perRun(
  name: string,
  of: (run: RunResult) => string,
  kindOf: (value: string) => string,
  narrow?: EnvironmentAspect['narrow'],
): EnvironmentAspect {
  return {
    name,
    read: (f) => f.runs.map(of),
    ofRun: (_, r) => [of(r)],
    kindOf,
    ...(narrow ? { narrow } : {}),
  };
}

/**
 * A run's onnxruntime settings (`--ep-option` names) after its kind, engine and device, e.g.
 * `ort webgpu: session.graphOptimizationLevel=all webgpu.preferredLayout=NHWC`; `-` for other engines.
 * The device is part of the kind: a WebGPU run has settings (and defaults) a CPU run has not, so a CPU
 * run matched with a WebGPU one under --ignore-key provider does not "differ" in them.
 */
function engineSettings(run: RunResult): string {
  const kind = `${run.engine.name} ${run.device.actual}`;
  if (run.engine.name !== 'ort') return `${kind}: -`;
  const settings = recordedSettings(run.engine.providerOptions, run.device.actual);
  const pairs = Object.entries(settings).map(([name, value]) => `${name}=${value}`);
  return `${kind}: ${pairs.join(' ')}`;
}

/** The settings of an {@link engineSettings} value by name. */
function settingsOf(value: string): Map<string, string> {
  const pairs = value.slice(value.indexOf(': ') + 2).split(' ');
  return new Map(
    pairs.flatMap((p) => {
      const eq = p.indexOf('=');
      return eq > 0 ? [[p.slice(0, eq), p.slice(eq + 1)] as const] : [];
    }),
  );
}

/** Option names in the order help lists them (names it does not know last). */
const byOptionOrder = (a: string, b: string): number => {
  const rank = (n: string): number => {
    const i = (ORT_OPTION_NAMES as readonly string[]).indexOf(n);
    return i < 0 ? ORT_OPTION_NAMES.length : i;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
};

/**
 * {@link engineSettings} values of two sides cut to the settings whose values differ between them,
 * per kind (a setting a run did not record shows as `default`); kinds that do not differ are left out,
 * and the kind is shown only when more than one is left. A kind whose settings differ only in
 * combination keeps its values whole.
 */
function narrowSettings(mine: string[], theirs: string[]): [string[], string[]] {
  const kindOf = before(': ');
  const ofKind = (values: string[], kind: string) => values.filter((v) => kindOf(v) === kind);
  const kinds = [...new Set([...mine, ...theirs].map(kindOf))].filter(
    (k) => distinct(ofKind(mine, k)) !== distinct(ofKind(theirs, k)),
  );
  const kept = new Map<string, string[] | null>();
  for (const kind of kinds) {
    const [a, b] = [ofKind(mine, kind).map(settingsOf), ofKind(theirs, kind).map(settingsOf)];
    const names = [...new Set([...a, ...b].flatMap((m) => [...m.keys()]))].sort(byOptionOrder);
    const taken = (maps: Map<string, string>[], name: string) =>
      distinct(maps.map((m) => m.get(name) ?? 'default'));
    const differing = names.filter((n) => taken(a, n) !== taken(b, n));
    kept.set(kind, differing.length > 0 ? differing : null);
  }
  const show = (value: string): string => {
    const kind = kindOf(value);
    const names = kept.get(kind);
    const settings = settingsOf(value);
    const text = names
      ? names.map((n) => `${n}=${settings.get(n) ?? 'default'}`).join(' ')
      : value.slice(kind.length + 2);
    return kinds.length > 1 ? `${kind}: ${text}` : text;
  };
  const shown = (values: string[]) => values.filter((v) => kept.has(kindOf(v))).map(show);
  return [shown(mine), shown(theirs)];
}

const ASPECTS: readonly EnvironmentAspect[] = [
  machine('host', (e) => [e.hostname]),
  machine('CPU', (e) => [e.cpu.model]),
  machine('GPU', (e) => e.gpus.map((g) => g.name)),
  machine('GPU driver', (e) => e.gpus.map((g) => g.driverVersion ?? 'unknown')),
  machine('GPU power limit', (e) =>
    e.gpus.map((g) => (g.powerLimitW === undefined ? 'unknown' : `${g.powerLimitW} W`)),
  ),
  perRun('engine version', (r) => `${r.engine.name} ${r.engine.version}`, before(' ')),
  // --ep-option settings (onnxruntime only; a tfjs run has none to differ in).
  perRun('--ep-option', engineSettings, before(': '), narrowSettings),
  // Provider, threads and the other key fields: keyFieldWarnings, from the runs actually matched.
  perRun('device', (r) => `${r.device.actual}: ${r.device.name}`, before(': ')),
  machine('Node.js', (e) => [e.node]),
  machine('tool version', (e) => [`${e.tool.name} ${e.tool.version}`]),
];

/** Sorted distinct values joined for display. */
function distinct(values: string[]): string {
  return [...new Set(values)].sort().join(', ');
}

/** `mine` and `theirs` kept to the kinds both have (all of them without `kindOf`). */
function sharedKinds(
  mine: string[],
  theirs: string[],
  kindOf: ((value: string) => string) | undefined,
): [string[], string[]] {
  if (!kindOf) return [mine, theirs];
  const shared = new Set(mine.map(kindOf).filter((k) => theirs.some((v) => kindOf(v) === k)));
  return [mine.filter((v) => shared.has(kindOf(v))), theirs.filter((v) => shared.has(kindOf(v)))];
}

/** The two sides' display values when they differ (neither empty), else null. */
function differ(mine: string[], theirs: string[]): [string, string] | null {
  const a = distinct(mine);
  const b = distinct(theirs);
  return a !== b && a !== '' && b !== '' ? [a, b] : null;
}

/**
 * How `aspect`'s values on two sides differ, as the two display values, or null when they do not:
 * compared within the kinds both sides have, on the whole values; shown cut to what differs where
 * the aspect says how.
 */
function compareValues(aspect: EnvironmentAspect, mine: string[], theirs: string[]): [string, string] | null {
  const [a, b] = sharedKinds(mine, theirs, aspect.kindOf);
  const whole = differ(a, b);
  return whole && aspect.narrow ? (differ(...aspect.narrow(a, b)) ?? whole) : whole;
}

/**
 * The distinct value pairs in which `aspect` differs between runs of `base` and `other` that were
 * compared with each other (`pairs`), in the order first met; empty when no pair differs. Kept pair by
 * pair, not pooled: base host-a/host-b matched with host-b/host-a differs in both pairs, though
 * both files hold both hosts.
 */
function differingPairs(
  aspect: EnvironmentAspect,
  base: ResultFile,
  other: ResultFile,
  pairs: readonly (readonly [RunResult, RunResult])[],
): [string, string][] {
  const found = new Map<string, [string, string]>();
  for (const [b, o] of pairs) {
    const differing = compareValues(aspect, aspect.ofRun(base, b), aspect.ofRun(other, o));
    if (differing) found.set(JSON.stringify(differing), differing);
  }
  return [...found.values()];
}

/**
 * One line per property that differs between the first file and any other, e.g.
 * `GPU differs: base.json "NVIDIA H100 80GB HBM3" vs new.json "none"`. Listed above comparison tables
 * because a "slower" verdict on different hardware is a statement about the hardware. With `matched`
 * (each matched key's runs, one per file, undefined where a file lacks it) each property is compared
 * only between runs that were compared with each other: a merged file of hosts a and b, compared host
 * to host with host a's file, does not "differ in host"; where the compared pairs differ in several
 * ways each is listed (`host differs: m.json "host-a" vs n.json "host-b"; m.json "host-b" vs n.json
 * "host-a"`); and a file none of whose runs was matched gets no line (compare says it has nothing in
 * common). Without `matched` every file is compared as a whole.
 */
export function environmentWarnings(
  files: readonly LoadedFile[],
  matched?: readonly (readonly (RunResult | undefined)[])[],
): RunWarning[] {
  const [base, ...others] = files;
  if (!base) return [];
  const warnings: RunWarning[] = [];
  for (const aspect of ASPECTS) {
    const baseValues = aspect.read(base.data);
    for (const [i, other] of others.entries()) {
      let differing: [string, string][];
      if (matched) {
        const pairs = matched.flatMap(([b, ...rest]) => {
          const o = rest[i];
          return b && o ? [[b, o] as const] : [];
        });
        differing = differingPairs(aspect, base.data, other.data, pairs);
      } else {
        const whole = compareValues(aspect, baseValues, aspect.read(other.data));
        differing = whole ? [whole] : [];
      }
      if (differing.length > 0) {
        const shown = differing.map(
          ([mine, theirs]) =>
            `${base.label} ${JSON.stringify(mine)} vs ${other.label} ${JSON.stringify(theirs)}`,
        );
        warnings.push({
          code: 'W_ENVIRONMENT_DIFFERS',
          message: `${aspect.name} differs: ${shown.join('; ')}`,
        });
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
): RunWarning[] {
  const warnings: RunWarning[] = [];
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
      warnings.push({
        code: 'W_KEY_FIELD_DIFFERS',
        message: `${FIELD_NAMES[field]} differs: ${labels[0] ?? ''} ${JSON.stringify(baseValue)} vs ${labels[i] ?? ''} ${JSON.stringify(otherValue)}`,
      });
    }
  }
  return warnings;
}

/**
 * The matching key of a run: which measurements describe "the same configuration" across files.
 * `bench run` writes the same string into `run.key`; compare recomputes it from the fields so files
 * from older tool versions (or with a hand-edited key) still match, and so fields can be left out.
 */
import type { RunResult } from './schema.js';

/** The fields a key is made of, in key order. */
export const KEY_FIELDS = [
  'model',
  'sha256',
  'engine',
  'provider',
  'precision',
  'batch',
  'scenario',
  'concurrency',
  'threads',
] as const;

/** What a key is computed from: a run, or the parts of one that exist before it is measured. */
export interface KeyedRun {
  model: Pick<RunResult['model'], 'name' | 'sha256' | 'precision'>;
  engine: Pick<RunResult['engine'], 'name' | 'provider'>;
  config: Pick<RunResult['config'], 'batch' | 'scenario' | 'concurrency' | 'threads'>;
  /** The key as stored, which may carry an extension such as `|gpu1`. */
  key?: string;
}

/** One field of the matching key. */
export type KeyField = (typeof KEY_FIELDS)[number];

/** Characters of the model's sha256 kept in the key: enough to tell versions apart, short to read. */
const SHA_PREFIX = 12;

/** The value of one key field of `run`, as a string. */
export function keyFieldValue(run: KeyedRun, field: KeyField): string {
  switch (field) {
    case 'model':
      return run.model.name;
    case 'sha256':
      return run.model.sha256.slice(0, SHA_PREFIX);
    case 'engine':
      return run.engine.name;
    case 'provider':
      return run.engine.provider;
    case 'precision':
      return run.model.precision;
    case 'batch':
      return String(run.config.batch);
    case 'scenario':
      return run.config.scenario;
    case 'concurrency':
      return String(run.config.concurrency);
    case 'threads':
      return String(run.config.threads);
  }
}

/**
 * Matching key `model@sha12|engine|provider|precision|bN|scenario|cN|tN`, e.g.
 * `resnet18@0123456789ab|ort|cpu|fp32|b8|offline|c1|t2` (the format `bench run` writes). Fields in
 * `ignore` are written as `*` so the shape of the key stays the same.
 */
export function runKey(run: KeyedRun, ignore: readonly KeyField[] = []): string {
  const build = (skip: readonly KeyField[]): string => {
    const v = (field: KeyField, prefix = ''): string =>
      skip.includes(field) ? '*' : `${prefix}${keyFieldValue(run, field)}`;
    return [
      `${v('model')}@${v('sha256')}`,
      v('engine'),
      v('provider'),
      v('precision'),
      v('batch', 'b'),
      v('scenario'),
      v('concurrency', 'c'),
      v('threads', 't'),
    ].join('|');
  };
  // `bench run` may extend the stored key (e.g. `|gpu1` for one GPU of a --gpus run); keep that
  // extension so such runs stay apart. A key in another format (older tools) is rebuilt from fields.
  const full = build([]);
  const extension = run.key?.startsWith(full) ? run.key.slice(full.length) : '';
  return build(ignore) + extension;
}

/** What a host-qualified key appends to the matching key: `...|t2|@host-a` (see {@link hostQualifiedKey}). */
export const HOST_KEY_PREFIX = '|@';

/**
 * `key` qualified by the host a run was measured on, after any extension such as `|gpu1`. Compare
 * uses it only when a merged file holds runs of one key from different hosts: then host A's run must
 * match host A's, not whichever came first.
 */
export function hostQualifiedKey(key: string, hostname: string): string {
  return `${key}${HOST_KEY_PREFIX}${hostname}`;
}

/**
 * Key fields whose sets of values differ between two groups of runs: used to explain why two files
 * have no key in common (e.g. ['threads'] when one file ran with 1 thread and the other with 2).
 */
export function differingKeyFields(a: readonly RunResult[], b: readonly RunResult[]): KeyField[] {
  return KEY_FIELDS.filter((field) => {
    const va = new Set(a.map((r) => keyFieldValue(r, field)));
    const vb = new Set(b.map((r) => keyFieldValue(r, field)));
    return va.size !== vb.size || [...va].some((x) => !vb.has(x));
  });
}

/** The workload a run measured, whatever ran it: model (by hash), precision, batch, scenario, concurrency. */
export function workloadKey(run: RunResult): string {
  return `${run.model.name}@${run.model.sha256.slice(0, 12)}|${run.model.precision}|b${run.config.batch}|${run.config.scenario}|c${run.config.concurrency}`;
}

/**
 * The key of a like-for-like pairing: model (by hash), engine, provider, precision, batch, scenario,
 * concurrency and where the host-device copies were timed.
 */
export function matchKey(run: RunResult): string {
  return `${run.model.name}@${run.model.sha256.slice(0, 12)}|${run.engine.name}|${run.engine.provider}|${run.model.precision}|b${run.config.batch}|${run.config.scenario}|c${run.config.concurrency}|${run.config.transfer}`;
}

/**
 * A configuration's identity before its engine has loaded: its key without the provider (tfjs names
 * its backend only once loaded) and the device it runs on.
 */
export function planKey(run: KeyedRun, device: string): string {
  return `${runKey(run, ['provider'])} on ${device}`;
}

/** Flag value parsers for commander that fail with one-line usage errors naming the flag. */
import type { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { nearestName } from '../core/suggest.js';
import { unique } from '../core/unique.js';

/**
 * Refuses more than one of the output-format flags `names` that `options` set: E_USAGE naming those
 * given (`--json and --csv are exclusive`), with `hint`.
 */
export function exclusiveFlags<K extends string>(
  options: Partial<Record<K, boolean>>,
  names: readonly K[],
  hint: string,
): void {
  const given = names.filter((name) => options[name] === true);
  if (given.length > 1) {
    throw new BenchError('E_USAGE', `${given.map((name) => `--${name}`).join(' and ')} are exclusive`, {
      hint,
    });
  }
}

/** Parses "1,8,32" into positive integers (with `allowZero`, "0,1,2" into non-negative ones). */
export function intList(
  flag: string,
  opts: { allowZero?: boolean } = {},
): (value: string, previous?: number[]) => number[] {
  const [kind, example] = opts.allowZero ? ['non-negative', '0,1,2'] : ['positive', '1,8,32'];
  return (value) => {
    const parts = value.split(',').map((s) => s.trim());
    // Digits only: Number() would also take 0x10, 1e1 or '' (as 0) for a batch size.
    const bad = (p: string): boolean =>
      !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)) || (!opts.allowZero && Number(p) <= 0);
    if (parts.some(bad)) {
      throw new BenchError(
        'E_USAGE',
        `${flag} '${value}': expected ${kind} integers separated by commas, e.g. ${example}`,
      );
    }
    // Repeats are dropped by the run options' schema, which also sees suites and API callers.
    return parts.map(Number);
  };
}

/**
 * Plain decimal notation, optionally signed and with an exponent (3, 0.5, .5, 1e3). Number() alone
 * would also read hex (0x10 = 16), binary, 'Infinity' and padded strings (' 1'), none of which a
 * user means when typing a duration or a count.
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** True when `value` is a number in plain decimal notation (see {@link DECIMAL}). */
function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** Parses a number that must be positive (or, with `allowZero`, non-negative). */
export function positiveNumber(
  flag: string,
  opts: { integer?: boolean; allowZero?: boolean } = {},
): (value: string) => number {
  return boundedNumber(flag, { min: 0, minExclusive: !opts.allowZero, integer: opts.integer ?? false });
}

/** Bounds of {@link boundedNumber}; a missing bound is open. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** `min` itself is not allowed (e.g. a significance level above 0). */
  minExclusive?: boolean;
  /** `max` itself is not allowed. */
  maxExclusive?: boolean;
  integer?: boolean;
}

/** "an integer from 100 to 1000000", "a number above 0 and below 1": the words of an error message. */
export function describeBounds(b: NumberBounds): string {
  const kind = b.integer ? 'an integer' : 'a number';
  // The common half-open ranges in the words `positiveNumber` uses, so every command reads alike.
  if (b.min === 0 && b.max === undefined) {
    return `${b.minExclusive ? 'a positive' : 'a non-negative'} ${b.integer ? 'integer' : 'number'}`;
  }
  const lower = b.min === undefined ? undefined : b.minExclusive ? `above ${b.min}` : `at least ${b.min}`;
  const upper = b.max === undefined ? undefined : b.maxExclusive ? `below ${b.max}` : `at most ${b.max}`;
  if (b.min !== undefined && b.max !== undefined && !b.minExclusive && !b.maxExclusive) {
    return `${kind} from ${b.min} to ${b.max}`;
  }
  return [kind, [lower, upper].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

/** Parses a number within bounds; the error echoes the value and states the range. */
export function boundedNumber(flag: string, bounds: NumberBounds): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!isDecimal(value)) {
      // Number() would read it (0x10, ' 1', 0b1): say why it is refused all the same.
      const readable = value.trim() !== '' && Number.isFinite(n);
      throw new BenchError(
        'E_USAGE',
        `${flag} '${value}': expected ${describeBounds(bounds)}`,
        readable
          ? { hint: `write ${flag} in plain decimal, e.g. ${bounds.integer ? '4' : '2.5 or 1e3'}` }
          : {},
      );
    }
    const ok =
      Number.isFinite(n) &&
      (!bounds.integer || Number.isInteger(n)) &&
      (bounds.min === undefined || (bounds.minExclusive ? n > bounds.min : n >= bounds.min)) &&
      (bounds.max === undefined || (bounds.maxExclusive ? n < bounds.max : n <= bounds.max));
    if (!ok) throw new BenchError('E_USAGE', `${flag} '${value}': expected ${describeBounds(bounds)}`);
    return n;
  };
}

/** Parses a comma-separated list whose every entry is one of `allowed` (e.g. --ignore-key threads,provider). */
export function choiceList<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = parts.find((p) => !(allowed as readonly string[]).includes(p));
    if (parts.length === 0 || bad !== undefined) {
      const what = bad === undefined ? 'empty list' : `'${bad}' is not one of them`;
      throw new BenchError(
        'E_USAGE',
        `${flag} '${value}': expected a comma-separated list of ${allowed.join(', ')} (${what})`,
        bad !== undefined && nearestName(bad, allowed) !== undefined
          ? { hint: `did you mean ${nearestName(bad, allowed)}?` }
          : {},
      );
    }
    return unique(parts) as T[];
  };
}

/**
 * Parses --gpus: 'all' or GPU indices like 0,1. Only the form is checked here, so a typo is a usage
 * error (exit 2) even on a machine without a GPU; which indices exist is checked against nvidia-smi later.
 */
export function gpuList(flag: string): (value: string) => string {
  return (value) => {
    const v = value.trim();
    if (v === 'all' || /^\d+(\s*,\s*\d+)*$/.test(v)) return v;
    throw new BenchError('E_USAGE', `${flag} '${value}': expected 'all' or GPU indices like 0,1`);
  };
}

/**
 * The usage error for a word that is no command: `bench cmopare` (no `under`) or `bench models exprot`
 * (`under` = 'models'). The hint suggests the closest name when it is a plausible typo, else lists them.
 */
export function unknownCommandError(word: string, names: readonly string[], under?: string): BenchError {
  const near = nearestName(word, names);
  const prefix = under === undefined ? '' : `${under} `;
  const list = `bench ${prefix}--help lists them: ${names.join(', ')}`;
  return new BenchError('E_USAGE', `unknown command '${prefix}${word}'`, {
    hint: near ? `did you mean ${prefix}${near}? (${list})` : list,
  });
}

/** Collects a repeatable string flag. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a choice from a fixed list. */
export function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const near = nearestName(value, allowed);
    throw new BenchError(
      'E_USAGE',
      `${flag} '${value}': expected one of ${allowed.join(', ')}`,
      near === undefined ? {} : { hint: `did you mean ${flag} ${near}?` },
    );
  };
}

/** The flag a zod issue is about, as typed on the command line: `ignoreKey` -> `--ignore-key`. */
export function flagOfIssue(issue: z.core.$ZodIssue | undefined, names: Record<string, string> = {}): string {
  const key = String(issue?.path[0] ?? '');
  return names[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Validates commander's raw options with `schema`; the first problem becomes a one-line E_USAGE error
 * `--flag: what is wrong`, so every command reports bad flags the same way.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  hint: string | ((flag: string) => string),
): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = flagOfIssue(issue);
  throw new BenchError('E_USAGE', `${flag}: ${issue?.message ?? 'invalid value'}`, {
    hint: typeof hint === 'string' ? hint : hint(flag),
  });
}

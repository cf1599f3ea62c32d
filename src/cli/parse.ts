/** Flag value parsers for commander that fail with one-line usage errors naming the flag. */
import type { z } from 'zod';
import { BenchError } from '../errors.js';

/** Parses "1,8,32" into positive integers. */
export function intList(flag: string): (value: string, previous?: number[]) => number[] {
  return (value) => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n) || n <= 0)) {
      throw new BenchError(
        'E_USAGE',
        `${flag} '${value}': expected positive integers separated by commas, e.g. 1,8,32`,
      );
    }
    return nums;
  };
}

/** Parses a number that must be positive (or, with `allowZero`, non-negative). */
export function positiveNumber(
  flag: string,
  opts: { integer?: boolean; allowZero?: boolean } = {},
): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const ok =
      value.trim() !== '' &&
      Number.isFinite(n) &&
      (opts.allowZero ? n >= 0 : n > 0) &&
      (!opts.integer || Number.isInteger(n));
    if (!ok) {
      const what = `${opts.allowZero ? 'non-negative' : 'positive'} ${opts.integer ? 'integer' : 'number'}`;
      throw new BenchError('E_USAGE', `${flag} '${value}': expected a ${what}`);
    }
    return n;
  };
}

/** Collects a repeatable string flag. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a choice from a fixed list. */
export function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw new BenchError('E_USAGE', `${flag} '${value}': expected one of ${allowed.join(', ')}`);
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

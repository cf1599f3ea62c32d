/** Test helpers for the one-line BenchError contract. */
import { expect } from 'vitest';
import { BenchError } from '../src/core/errors.js';

/** Runs `fn`, which must throw a BenchError with a one-line message, and returns that error. */
export function thrownBenchError(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).not.toContain('\n');
    return e as BenchError;
  }
  throw new Error('expected a BenchError');
}

/** Asserts `fn` throws a one-line BenchError with this code and a message matching `pattern`. */
export function expectBenchError(fn: () => unknown, code: string, pattern: RegExp): void {
  const e = thrownBenchError(fn);
  expect(e.code).toBe(code);
  expect(e.message).toMatch(pattern);
}

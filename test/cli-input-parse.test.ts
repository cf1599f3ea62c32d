/** The flag parsers of src/cli/parse.ts: every message echoes the value typed and says what is expected. */
import { describe, expect, it } from 'vitest';
import { boundedNumber, choiceList, describeBounds, gpuList, unknownCommandError } from '../src/cli/parse.js';
import { BenchError } from '../src/core/errors.js';
import { nearestName } from '../src/core/suggest.js';

/** The BenchError `fn` throws. */
function thrown(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    return e as BenchError;
  }
  throw new Error('expected a BenchError');
}

describe('boundedNumber', () => {
  it('accepts values in range and rejects the rest, echoing the value', () => {
    const alpha = boundedNumber('--alpha', { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    expect(alpha('0.05')).toBe(0.05);
    for (const bad of ['0', '1', 'abc', '', ' ', 'NaN', 'Infinity']) {
      const e = thrown(() => alpha(bad));
      expect(e.code).toBe('E_USAGE');
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(`--alpha '${bad}': expected a number above 0 and below 1`);
    }
    const boot = boundedNumber('--bootstrap', { integer: true, min: 100, max: 1_000_000 });
    expect(boot('2000')).toBe(2000);
    expect(thrown(() => boot('5.5')).message).toBe(
      "--bootstrap '5.5': expected an integer from 100 to 1000000",
    );
    const seed = boundedNumber('--seed', { integer: true, min: 0 });
    expect(seed('0')).toBe(0);
    expect(thrown(() => seed('-1')).message).toBe("--seed '-1': expected a non-negative integer");
  });

  it('words every kind of range', () => {
    expect(describeBounds({ min: 0, minExclusive: true })).toBe('a positive number');
    expect(describeBounds({ min: 0, max: 100 })).toBe('a number from 0 to 100');
    expect(describeBounds({ min: 1, integer: true })).toBe('an integer at least 1');
    expect(describeBounds({ max: 5, maxExclusive: true })).toBe('a number below 5');
    expect(describeBounds({})).toBe('a number');
  });
});

describe('choiceList', () => {
  const parse = choiceList('--ignore-key', ['model', 'threads', 'provider'] as const);

  it('splits and trims a comma list', () => {
    expect(parse('threads, provider')).toEqual(['threads', 'provider']);
  });

  it('names the bad entry and suggests only a close one', () => {
    const typo = thrown(() => parse('threds'));
    expect(typo.message).toBe(
      "--ignore-key 'threds': expected a comma-separated list of model, threads, provider ('threds' is not one of them)",
    );
    expect(typo.hint).toBe('did you mean threads?');
    expect(thrown(() => parse('colour')).hint).toBeUndefined();
    expect(thrown(() => parse(',')).message).toBe(
      "--ignore-key ',': expected a comma-separated list of model, threads, provider (empty list)",
    );
  });
});

describe('gpuList', () => {
  it("checks the form only: 'all' or indices", () => {
    const parse = gpuList('--gpus');
    expect(parse('all')).toBe('all');
    expect(parse('0, 1')).toBe('0, 1');
    for (const bad of ['abc', '0,', '-1', '1.5', '']) {
      expect(thrown(() => parse(bad)).message).toBe(
        `--gpus '${bad}': expected 'all' or GPU indices like 0,1`,
      );
    }
  });
});

describe('unknownCommandError', () => {
  const names = ['run', 'compare', 'models'];

  it('suggests a close command and lists them all', () => {
    const e = unknownCommandError('cmopare', names);
    expect(e.message).toBe("unknown command 'cmopare'");
    expect(e.hint).toBe('did you mean compare? (bench --help lists them: run, compare, models)');
    expect(e.exitCode).toBe(2);
  });

  it('lists without guessing when nothing is close, and names the parent of a subcommand', () => {
    expect(unknownCommandError('bogus', names).hint).toBe('bench --help lists them: run, compare, models');
    const sub = unknownCommandError('exprot', ['export', 'inspect'], 'models');
    expect(sub.message).toBe("unknown command 'models exprot'");
    expect(sub.hint).toBe('did you mean models export? (bench models --help lists them: export, inspect)');
    expect(nearestName('xyz', [])).toBeUndefined();
  });
});

import { join } from 'node:path';
import { warningText } from '../src/report/warning-text.js';
import { describe, expect, it } from 'vitest';
import { compareFiles, type Comparison } from '../src/compare/compare.js';
import { findRegressions, regressionError, type Regression } from '../src/compare/gate.js';
import { runKey } from '../src/results/key.js';
import { loadResultFiles, type LoadedFile } from '../src/results/load.js';
import { BenchError } from '../src/core/errors.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

// Synthetic fixtures (see test/fixtures/results/README.md): hand-picked samples, not measurements.
const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
const load = (...names: string[]) => loadResultFiles(names.map(fx), { emptyIs: 'error' }).files;
const TINY = 'tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32';

function row(c: Comparison, key: string) {
  const r = c.rows.find((x) => x.key === key);
  if (!r) throw new Error(`no row ${key}`);
  return r;
}

describe('compareFiles', () => {
  const c = compareFiles(load('base.json', 'new.json'), { bootstrapIterations: 500 });

  it('faster: 10 ms → 8 ms at batch 1 is a 1.25× throughput ratio', () => {
    const r = row(c, `${TINY}|b1|offline|c1|t2`);
    expect(r.runs[0]?.throughputPerS).toBe(100); // 1·1000/10
    expect(r.runs[1]?.throughputPerS).toBe(125); // 1·1000/8
    const cell = r.cells[0];
    expect(cell?.verdict).toBe('faster');
    expect(cell?.ratio).toBe(1.25);
    expect(cell?.ci).toEqual([1.25, 1.25]); // constant samples: every replicate is 1.25
    expect(cell?.p50ChangePct).toBeCloseTo(-20, 12); // 8/10 - 1
    expect(cell?.p99ChangePct).toBeCloseTo(-20, 12);
    expect(cell?.pValue).toBeCloseTo(1.5938e-5, 8); // worked in significance-tests.test.ts
  });

  it('slower: 20 ms → 25 ms at batch 4 is 0.8× (200 → 160 img/s)', () => {
    const cell = row(c, `${TINY}|b4|offline|c1|t2`).cells[0];
    expect(cell?.verdict).toBe('slower');
    expect(cell?.ratio).toBeCloseTo(0.8, 12); // 4000/25 ÷ 4000/20
    expect(cell?.p50ChangePct).toBeCloseTo(25, 12);
  });

  it('the same samples in another order: no significant change, p = 1', () => {
    const cell = row(c, 'mobile@bbbbbbbbbbbb|ort|cpu|fp32|b1|offline|c1|t2').cells[0];
    expect(cell?.verdict).toBe('no-change');
    expect(cell?.ratio).toBe(1);
    expect(cell?.pValue).toBe(1);
    expect(cell?.ci?.[0]).toBeLessThan(1);
    expect(cell?.ci?.[1]).toBeGreaterThan(1);
  });

  it('a failed run is not comparable, with the reason', () => {
    const cell = row(c, `${TINY}|b8|offline|c1|t2`).cells[0];
    expect(cell?.verdict).toBe('not-comparable');
    expect(cell?.reason).toBe('failed in new.json');
  });

  it('geometric mean over comparable keys and counts', () => {
    // (1.25 · 0.8 · 1)^(1/3) = 1
    expect(c.summary[0]?.geomeanRatio).toBeCloseTo(1, 12);
    expect(c.summary[0]).toMatchObject({ faster: 1, slower: 1, noChange: 1, notComparable: 1 });
  });

  it('lists unmatched keys instead of dropping them', () => {
    expect(c.unmatched).toEqual([
      {
        key: 'only_in_base@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2',
        files: ['base.json'],
        baseStatus: 'ok',
      },
      { key: 'only_in_new@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2', files: ['new.json'] },
    ]);
  });

  it('lists environment differences', () => {
    expect(c.warnings.map(warningText)).toContain('host differs: base.json "host-a" vs new.json "host-b"');
    expect(c.warnings.map(warningText)).toContain(
      'engine version differs: base.json "ort 1.29.0" vs new.json "ort 1.30.0"',
    );
  });

  it('is deterministic for a seed', () => {
    const again = compareFiles(load('base.json', 'new.json'), { bootstrapIterations: 500 });
    expect(again.rows).toEqual(c.rows);
  });

  it('more than two files: one column per file, relative to the first', () => {
    const multi = compareFiles(load('base.json', 'new.json', 'same.json'), { bootstrapIterations: 200 });
    const r = row(multi, `${TINY}|b4|offline|c1|t2`);
    expect(r.cells.map((x) => x.verdict)).toEqual(['slower', 'no-change']);
    expect(r.cells.map((x) => x.fileIndex)).toEqual([1, 2]);
    expect(multi.summary.map((s) => s.fileIndex)).toEqual([1, 2]);
  });
});

describe('regression gate', () => {
  const c = compareFiles(load('base.json', 'new.json'), { bootstrapIterations: 200 });

  it('trips only when significantly slower by more than the limit', () => {
    // The b4 key is 20 % slower (1 - 0.8): over a 10 % limit, not over 20 % (strictly more) or 25 %.
    // b8 failed in new.json and only_in_base is gone: lost at any limit.
    const slowdowns = (pct: number) => findRegressions(c, pct).filter((r) => r.metric === 'throughput');
    const found = slowdowns(10);
    expect(found.map((r) => r.key)).toEqual([`${TINY}|b4|offline|c1|t2`]);
    expect(found[0]?.slowdownPct).toBeCloseTo(20, 9);
    expect(slowdowns(20)).toEqual([]);
    expect(findRegressions(c, 25).map((r) => [r.key, r.what])).toEqual([
      [`${TINY}|b8|offline|c1|t2`, 'failed where the base ran'],
      ['only_in_base@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2', 'is missing where the base ran'],
    ]);
    expect(findRegressions(c, 25, { allowMissing: true }).map((r) => r.key)).toEqual([
      `${TINY}|b8|offline|c1|t2`,
    ]);
    const error = regressionError(found, 10);
    expect(error).toBeInstanceOf(BenchError);
    expect(error?.code).toBe('E_REGRESSION');
    expect(error?.exitCode).toBe(1);
    expect(error?.message).toMatch(/20\.0 % slower.*--fail-on-regression 10 %/);
    expect(regressionError([], 10)).toBeNull();
  });

  it('lists the most severe first: failed runs, then measured slowdowns, then missing configurations', () => {
    expect(findRegressions(c, 10).map((r) => [r.key, r.metric, r.lost ?? null, r.what])).toEqual([
      [`${TINY}|b8|offline|c1|t2`, 'lost', 'failed', 'failed where the base ran'],
      [
        `${TINY}|b4|offline|c1|t2`,
        'throughput',
        null,
        'is 20.0 % slower (throughput ratio 0.800, significant)',
      ],
      [
        'only_in_base@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2',
        'lost',
        'missing',
        'is missing where the base ran',
      ],
    ]);
    expect(regressionError(findRegressions(c, 10), 10)?.message).toBe(
      `regression: ${TINY}|b8|offline|c1|t2 in new.json failed where the base ran, which fails --fail-on-regression at any limit (10 % given) and 2 more`,
    );
    // A missed latency bound comes first, then a failed run, then a larger slowdown before a smaller one.
    const r = (
      key: string,
      metric: Regression['metric'],
      slowdownPct: number,
      what: string,
      lost?: Regression['lost'],
    ): Regression => ({
      key,
      file: 'new.json',
      metric,
      slowdownPct,
      ratio: 1 - slowdownPct / 100,
      ci: null,
      what,
      ...(lost ? { lost } : {}),
    });
    const mixed = [
      r('missing', 'lost', 100, 'is missing where the base ran', 'missing'),
      r('failed', 'lost', 100, 'failed where the base ran', 'failed'),
      r('tput', 'throughput', 10, 'is 10.0 % slower'),
      r('p99', 'p99', 30, 'has a 30.0 % higher p99 latency'),
      r('bound', 'latency-bound', 5, 'missed the 50 ms p99 bound'),
    ];
    const worst = (list: Regression[]): string | undefined =>
      /^regression: (\S+) in /.exec(regressionError(list, 5)?.message ?? '')?.[1];
    expect(worst(mixed)).toBe('bound');
    expect(worst(mixed.slice(0, 4))).toBe('failed');
    expect(worst([mixed[0]!, mixed[2]!, mixed[3]!])).toBe('p99');
    expect(worst(mixed.slice(0, 1))).toBe('missing');
    // The rank follows the typed field, not the wording: a skipped run ranks with a failed one.
    const skipped = r('skipped', 'lost', 100, 'worded otherwise', 'skipped');
    expect(worst([mixed[0]!, mixed[2]!, skipped])).toBe('skipped');
    expect(worst([r('gone', 'lost', 100, 'worded otherwise', 'missing'), mixed[2]!])).toBe('tput');
  });

  it('trips at any limit when a configuration the base ran failed or is gone in the new file', () => {
    // Copies of base.json itself: every other configuration is identical, so only the edits count.
    const [base] = load('base.json') as [LoadedFile];
    const [first, ...rest] = base.data.runs;
    const failed: LoadedFile = {
      ...base,
      label: 'broken.json',
      data: { ...base.data, runs: [{ ...first!, status: 'failed', error: 'boom' }, ...rest] },
    };
    const dropped: LoadedFile = { ...base, label: 'short.json', data: { ...base.data, runs: rest } };
    const found = findRegressions(compareFiles([base, failed, dropped], { bootstrapIterations: 50 }), 50);
    const key = runKey(first!);
    expect(found.map((r) => [r.key, r.file, r.metric, r.what])).toEqual([
      [key, 'broken.json', 'lost', 'failed where the base ran'],
      [key, 'short.json', 'lost', 'is missing where the base ran'],
    ]);
    expect(regressionError(found, 50)?.message).toBe(
      `regression: ${key} in broken.json failed where the base ran, which fails --fail-on-regression at any limit (50 % given) and 1 more`,
    );
    expect(regressionError(found, 50)?.hint).toMatch(/failed or was not measured; pass --allow-missing/);
    // Only in the base and gone from the one new file: listed as unmatched, still lost.
    const alone = findRegressions(compareFiles([base, dropped], { bootstrapIterations: 50 }), 50);
    expect(alone.map((r) => [r.key, r.file, r.metric])).toEqual([[key, 'short.json', 'lost']]);
  });

  it('identical configurations never trip it', () => {
    const same = compareFiles(load('base.json', 'same.json'), { bootstrapIterations: 200 });
    expect(same.rows.every((r) => r.cells[0]?.verdict === 'no-change')).toBe(true);
    // same.json measured a subset of base.json: only the two configurations it lacks trip the gate.
    expect(findRegressions(same, 0).map((r) => r.metric)).toEqual(['lost', 'lost']);
    expect(findRegressions(same, 0, { allowMissing: true })).toEqual([]);
  });
});

describe('matching keys', () => {
  it('two files with nothing in common: one-line error naming the differing field and the fix', () => {
    try {
      compareFiles(load('threads-2.json', 'threads-1.json'));
      throw new Error('expected a BenchError');
    } catch (e) {
      expect((e as BenchError).code).toBe('E_BAD_INPUT');
      expect((e as BenchError).message).toBe(
        'threads-2.json and threads-1.json have no configuration in common (they differ in threads)',
      );
      expect((e as BenchError).hint).toContain('--ignore-key threads');
    }
  });

  it('--ignore-key threads: the 1-thread run is significantly slower', () => {
    const c = compareFiles(load('threads-2.json', 'threads-1.json'), { ignore: ['threads'] });
    const cell = row(c, `${TINY}|b1|offline|c1|*`).cells[0];
    // Medians 5.5 ms (2 threads) and 9.5 ms (1 thread), 11 samples each: ratio 5.5/9.5 = 0.578947;
    // fully separated, so the exact p is 2/C(22,11) = 2/705432.
    expect(cell?.verdict).toBe('slower');
    expect(cell?.ratio).toBeCloseTo(5.5 / 9.5, 12);
    expect(cell?.pValue).toBeCloseTo(2 / 705432, 15);
    expect(c.warnings.map(warningText)).toContain(
      'threads differs: threads-2.json "2" vs threads-1.json "1"',
    );
    expect(findRegressions(c, 5).map((r) => r.metric)).toEqual(['throughput']);
  });

  it('reads a file from an older tool version and rebuilds its key from the fields', () => {
    const c = compareFiles(load('old-tool.json', 'new.json'), { bootstrapIterations: 200 });
    const r = row(c, `${TINY}|b1|offline|c1|t2`);
    expect(r.runs[0]?.throughputPerS).toBe(100); // no throughput summary in the file: 1000/median 10 ms
    expect(r.cells[0]?.ratio).toBe(1.25);
    expect(c.warnings.map(warningText)).toContain(
      'tool version differs: old-tool.json "h100e 0.0.1" vs new.json "h100e 0.1.0"',
    );
  });

  it('runKey matches the format bench run writes and keeps key extensions', () => {
    const [file] = load('base.json');
    const run = file?.data.runs[0];
    if (!run) throw new Error('fixture has no run');
    expect(runKey(run)).toBe(run.key);
    expect(runKey(run, ['threads', 'sha256'])).toBe('tiny_cnn@*|ort|cpu|fp32|b1|offline|c1|*');
    expect(runKey({ ...run, key: `${run.key}|gpu1` })).toBe(`${run.key}|gpu1`);
  });
});

describe('compareFiles: the ratio is the ratio of the img/s shown', () => {
  it('for an even sample count too (images over the median latency, not the median of per-iteration img/s)', () => {
    // Base: five 1 ms and five 3 ms batches of 4: median latency 2 ms, 4·1000/2 = 2000 img/s shown. The
    // median of its per-iteration img/s would be (4000 + 1333.3)/2 = 2666.7 and the ratio 0.75.
    const base = syntheticRun({ model: 'm', batch: 4, samplesMs: [1, 3, 1, 3, 1, 3, 1, 3, 1, 3] });
    const other = syntheticRun({ model: 'm', batch: 4, samplesMs: Array<number>(10).fill(2) });
    const c = compareFiles([syntheticFile('a.json', [base]), syntheticFile('b.json', [other])], {
      bootstrapIterations: 200,
    });
    const r = c.rows[0];
    expect(r?.runs.map((s) => s?.throughputPerS)).toEqual([2000, 2000]);
    expect(r?.cells[0]?.ratio).toBe(1);
    expect(r?.cells[0]?.ratioBasis).toBe('median-throughput');
  });
});

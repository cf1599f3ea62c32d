/**
 * `bench compare` of files merged from several hosts (`bench merge`): when one file holds runs of a
 * key from different hosts, that key is host-qualified, so host A is compared with host A and host B
 * with host B instead of host B's run being dropped as a duplicate; every other key matches as
 * before, whatever its hosts. Synthetic runs (test/synthetic.ts).
 */
import { warningText } from '../src/report/warning-text.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFiles, HOST_KEY_FORMAT, KEY_FORMAT } from '../src/compare/compare.js';
import { findRegressions, regressionError } from '../src/compare/gate.js';
import { runKey } from '../src/results/key.js';
import { loadResultFiles, type LoadedFile } from '../src/results/load.js';
import { mergeFiles } from '../src/results/merge.js';
import type { RunResult } from '../src/results/schema.js';
import { thrownBenchError } from './bench-error.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

/** Ten constant samples: every bootstrap replicate of a ratio is the ratio itself. */
const constant = (ms: number): number[] => Array.from({ length: 10 }, () => ms);

/** A tiny_cnn batch-1 run at a constant latency (threads 2 unless given). */
function run(ms: number, o: { threads?: number; model?: string; startedAt?: string } = {}): RunResult {
  const r = syntheticRun({
    model: o.model ?? 'tiny_cnn',
    batch: 1,
    samplesMs: constant(ms),
    threads: o.threads ?? 2,
  });
  return o.startedAt ? { ...r, startedAt: o.startedAt } : r;
}

/** A result file measured on `host`. */
const hostFile = (label: string, host: string, runs: RunResult[]): LoadedFile =>
  syntheticFile(label, runs, host);

/** What `bench merge FILES --out label` writes, as compare loads it. */
function merged(label: string, files: LoadedFile[]): LoadedFile {
  return { path: label, label, data: mergeFiles(files, 'bench merge').file };
}

const K = 'tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32|b1|offline|c1|t2';
const OPTS = { bootstrapIterations: 200 };

function row(c: ReturnType<typeof compareFiles>, key: string) {
  const r = c.rows.find((x) => x.key === key);
  if (!r) throw new Error(`no row ${key}; rows: ${c.rows.map((x) => x.key).join(', ')}`);
  return r;
}

// Before: host A at 10 ms (100 img/s), host B at 20 ms (50 img/s). After: A 8 ms, B 25 ms.
const a1 = hostFile('a1.json', 'host-a', [run(10)]);
const b1 = hostFile('b1.json', 'host-b', [run(20)]);
const a2 = hostFile('a2.json', 'host-a', [run(8)]);
const b2 = hostFile('b2.json', 'host-b', [run(25)]);
const m1 = merged('m1.json', [a1, b1]);
const m2 = merged('m2.json', [a2, b2]);

/** The warning that some keys are host-qualified, naming the first collision (`more`: how many others). */
const qualifiedWarning = (file: string, key: string, more = ''): string =>
  `matching is host-qualified for keys that a file holds from several hosts (only they end in |@host) because ${file} holds runs of key ${key} from hosts host-a and host-b${more}: their runs match only runs from the same host, so a host that one file lacks shows as only in the other; other keys match whatever their hosts`;

const QUALIFIED_WARNING = qualifiedWarning('m1.json', K);

describe('compare: merged files with runs of one key from two hosts', () => {
  const c = compareFiles([m1, m2], OPTS);

  it('compares host A with host A and host B with host B, each with its own ratio', () => {
    expect(c.rows.map((r) => [r.key, r.host])).toEqual([
      [`${K}|@host-a`, 'host-a'],
      [`${K}|@host-b`, 'host-b'],
    ]);
    const a = row(c, `${K}|@host-a`);
    expect(a.label).toBe(`${K}|@host-a`);
    expect(a.runs.map((r) => r?.key)).toEqual([`${K}|@host-a`, `${K}|@host-a`]);
    expect(a.runs.map((r) => r?.throughputPerS)).toEqual([100, 125]);
    expect(a.cells[0]).toMatchObject({ verdict: 'faster', ratio: 1.25, ci: [1.25, 1.25] });
    const b = row(c, `${K}|@host-b`);
    expect(b.label).toBe(`${K}|@host-b`);
    expect(b.runs.map((r) => r?.throughputPerS)).toEqual([50, 40]);
    expect(b.cells[0]?.verdict).toBe('slower');
    expect(b.cells[0]?.ratio).toBeCloseTo(0.8, 12); // 40 / 50
    expect(c.unmatched).toEqual([]);
    // (1.25 · 0.8)^(1/2) = 1
    expect(c.summary[0]?.geomeanRatio).toBeCloseTo(1, 12);
    expect(c.summary[0]).toMatchObject({ faster: 1, slower: 1, noChange: 0, notComparable: 0 });
  });

  it('says in one warning that matching was host-qualified, naming the file and key; no duplicate warning', () => {
    // Both merged files collide on K: named once (the first file), no "more such keys".
    expect(c.warnings.map(warningText).filter((w) => w.includes('host-qualified'))).toEqual([
      QUALIFIED_WARNING,
    ]);
    expect(c.warnings.map(warningText).some((w) => w.includes('more than one run'))).toBe(false);
    expect(c.keyFormat).toBe(KEY_FORMAT + HOST_KEY_FORMAT);
    expect(HOST_KEY_FORMAT).toContain('ends in |@host');
  });

  it('the regression gate names the host of the slower run', () => {
    const found = findRegressions(c, 10);
    expect(found.map((r) => [r.key, r.file, r.metric])).toEqual([[`${K}|@host-b`, 'm2.json', 'throughput']]);
    expect(regressionError(found, 10)?.message).toBe(
      `regression: ${K}|@host-b in m2.json is 20.0 % slower (throughput ratio 0.800, significant), over the --fail-on-regression 10 % limit`,
    );
  });

  it('each host row bootstraps with its own seed (independent replicates)', () => {
    // Noisy samples, identical for both hosts: the same seed would give the same interval.
    const noisy = (shift: number): number[] =>
      [10, 11, 9, 12, 10.5, 9.5, 11.5, 10, 9.8, 10.2].map((x) => x + shift);
    const at = (host: string, shift: number): LoadedFile =>
      hostFile(`${host}.json`, host, [{ ...run(10), samplesMs: noisy(shift) }]);
    const x1 = merged('x1.json', [at('host-a', 0), at('host-b', 0)]);
    const x2 = merged('x2.json', [at('host-a', 1), at('host-b', 1)]);
    const cx = compareFiles([x1, x2], OPTS);
    expect(cx.rows).toHaveLength(2);
    expect(cx.rows[0]?.cells[0]?.ratio).toBe(cx.rows[1]?.cells[0]?.ratio);
    expect(cx.rows[0]?.cells[0]?.ci).not.toEqual(cx.rows[1]?.cells[0]?.ci);
  });
});

describe('compare: a single-host base against a merged two-host file', () => {
  const c = compareFiles([a1, m2], OPTS);

  it("host A is compared; host B's run is listed as only in the merged file, and the warning says why", () => {
    expect(c.rows.map((r) => r.key)).toEqual([`${K}|@host-a`]);
    expect(c.rows[0]?.cells[0]).toMatchObject({ verdict: 'faster', ratio: 1.25 });
    expect(c.unmatched).toEqual([{ key: `${K}|@host-b`, files: ['m2.json'] }]);
    // Only host A's runs were compared: no "host differs" (m2.json also holds host-b).
    expect(c.warnings.map(warningText)).toEqual([qualifiedWarning('m2.json', K)]);
    // Host B was never in the base: not a lost configuration for the gate.
    expect(findRegressions(c, 10)).toEqual([]);
  });

  it('a base from other hosts: the no-configuration error names the host and why', () => {
    const c1 = hostFile('c1.json', 'host-c', [run(10)]);
    const e = thrownBenchError(() => compareFiles([c1, m2], OPTS));
    expect([e.code, e.message, e.hint]).toEqual([
      'E_BAD_INPUT',
      `c1.json and m2.json have no configuration in common (they differ in host); matching is host-qualified because m2.json holds runs of key ${K} from hosts host-a and host-b`,
      "compare files measured on the same hosts, or compare each host's own result file (a file before bench merge)",
    ]);
  });
});

describe('compare: the committed fixtures of two hosts merged', () => {
  it('base.json (host-a) against base.json + new.json merged: host-a rows match, host-b rows are listed', () => {
    const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
    const [base, next] = loadResultFiles([fx('base.json'), fx('new.json')], { emptyIs: 'error' }).files as [
      LoadedFile,
      LoadedFile,
    ];
    const c = compareFiles([base, merged('m.json', [base, next])], OPTS);
    // The four keys both hosts measured are host-qualified; the key only host-a measured is not.
    const shared = [
      K,
      'tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32|b4|offline|c1|t2',
      'mobile@bbbbbbbbbbbb|ort|cpu|fp32|b1|offline|c1|t2',
      'tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32|b8|offline|c1|t2',
    ];
    expect(c.rows.map((r) => [r.key, r.host, r.cells[0]?.verdict])).toEqual([
      ...shared.map((k) => [`${k}|@host-a`, 'host-a', 'no-change']),
      ['only_in_base@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2', undefined, 'no-change'],
    ]);
    expect(c.unmatched.map((u) => [u.key, u.files])).toEqual([
      ...shared.map((k) => [`${k}|@host-b`, ['m.json']]),
      ['only_in_new@cccccccccccc|ort|cpu|fp32|b1|offline|c1|t2', ['m.json']],
    ]);
    // Every compared pair ran on host-a with ort 1.29.0: no host or engine version warning for the
    // host-b runs (ort 1.30.0) that nothing was compared with.
    expect(c.warnings.map(warningText)).toEqual([qualifiedWarning('m.json', K, ' (and 3 more such keys)')]);
  });
});

describe('compare: duplicates from the same host', () => {
  it('without a cross-host collision: the warning of today, the first run compared, keys unchanged', () => {
    const again = hostFile('a1b.json', 'host-a', [run(30, { startedAt: '2026-01-02T00:00:00.000Z' })]);
    const dup = merged('dup.json', [a1, again]);
    const c = compareFiles([dup, a2], OPTS);
    expect(c.warnings.map(warningText)).toContain(
      `dup.json: more than one run has key ${K}; comparing the first`,
    );
    expect(c.warnings.map(warningText).some((w) => w.includes('host-qualified'))).toBe(false);
    expect(c.keyFormat).toBe(KEY_FORMAT);
    expect(c.rows.map((r) => [r.key, r.label, r.runs[0]?.key])).toEqual([[K, K, K]]);
    expect(c.rows[0]?.cells[0]?.ratio).toBe(1.25); // the first run (10 ms), not the duplicate (30 ms)
  });

  it('with a cross-host collision: still warned, with the host-qualified key', () => {
    const again = hostFile('a1b.json', 'host-a', [run(30, { startedAt: '2026-01-02T00:00:00.000Z' })]);
    const three = merged('three.json', [a1, again, b1]);
    const c = compareFiles([three, m2], OPTS);
    expect(c.warnings.map(warningText)).toContain(
      `three.json: more than one run has key ${K}|@host-a; comparing the first`,
    );
    expect(row(c, `${K}|@host-a`).cells[0]?.ratio).toBe(1.25);
    expect(row(c, `${K}|@host-b`).cells[0]?.ratio).toBeCloseTo(0.8, 12);
  });
});

describe('compare: no cross-host collision, no change', () => {
  it('merged files whose hosts measured different configurations keep plain keys', () => {
    const mob = (ms: number, host: string, label: string): LoadedFile =>
      hostFile(label, host, [run(ms, { model: 'mobile' })]);
    const x1 = merged('x1.json', [a1, mob(20, 'host-b', 'mb1.json')]);
    const x2 = merged('x2.json', [a2, mob(25, 'host-b', 'mb2.json')]);
    const c = compareFiles([x1, x2], OPTS);
    const M = 'mobile@aaaaaaaaaaaa|ort|cpu|fp32|b1|offline|c1|t2';
    expect(c.rows.map((r) => [r.key, r.label, r.runs[0]?.key, r.runs[1]?.key])).toEqual([
      [K, K, K, K],
      [M, M, M, M],
    ]);
    expect(c.keyFormat).toBe(KEY_FORMAT);
    expect(
      c.warnings
        .map(warningText)
        .some((w) => w.includes('host-qualified') || w.includes('more than one run')),
    ).toBe(false);
    expect(c.runWarnings).toEqual([]);
  });

  it('two plain files from different hosts: no suffix (the host differs only across files)', () => {
    const c = compareFiles([a1, b2], OPTS);
    expect(c.rows.map((r) => r.key)).toEqual([K]);
    expect(c.rows[0]?.cells[0]?.ratio).toBe(0.4); // 40 / 100
    expect(c.keyFormat).toBe(KEY_FORMAT);
    expect(c.warnings.map(warningText)).toEqual(['host differs: a1.json "host-a" vs b2.json "host-b"']);
  });
});

describe('compare: host-qualified keys with --ignore-key and key extensions', () => {
  it('--ignore-key threads: hosts that ran different threads collide, and match host to host', () => {
    const t1 = 'tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32|b1|offline|c1';
    const x1 = merged('x1.json', [
      hostFile('a.json', 'host-a', [run(10, { threads: 1 })]),
      hostFile('b.json', 'host-b', [run(20, { threads: 2 })]),
    ]);
    const x2 = merged('x2.json', [
      hostFile('a.json', 'host-a', [run(8, { threads: 1 })]),
      hostFile('b.json', 'host-b', [run(25, { threads: 2 })]),
    ]);
    // Without --ignore-key the keys differ in threads: no collision, plain keys.
    expect(compareFiles([x1, x2], OPTS).rows.map((r) => r.key)).toEqual([`${t1}|t1`, `${t1}|t2`]);
    const c = compareFiles([x1, x2], { ...OPTS, ignore: ['threads'] });
    expect(c.rows.map((r) => [r.key, r.label, r.runs[0]?.key, r.cells[0]?.ratio])).toEqual([
      [`${t1}|*|@host-a`, `${t1}|t1|@host-a`, `${t1}|t1|@host-a`, 1.25],
      [`${t1}|*|@host-b`, `${t1}|t2|@host-b`, `${t1}|t2|@host-b`, expect.closeTo(0.8, 12)],
    ]);
    expect(c.warnings.map(warningText).filter((w) => w.includes('host-qualified'))).toEqual([
      qualifiedWarning('x1.json', `${t1}|*`),
    ]);
  });

  it('the host suffix follows a stored key extension (|gpu1)', () => {
    const gpu = (ms: number): RunResult => {
      const r = run(ms);
      return { ...r, key: `${runKey(r)}|gpu1` };
    };
    const x1 = merged('x1.json', [
      hostFile('a.json', 'host-a', [gpu(10)]),
      hostFile('b.json', 'host-b', [gpu(20)]),
    ]);
    const x2 = merged('x2.json', [
      hostFile('a.json', 'host-a', [gpu(8)]),
      hostFile('b.json', 'host-b', [gpu(25)]),
    ]);
    const c = compareFiles([x1, x2], OPTS);
    expect(c.rows.map((r) => [r.key, r.label])).toEqual([
      [`${K}|gpu1|@host-a`, `${K}|gpu1|@host-a`],
      [`${K}|gpu1|@host-b`, `${K}|gpu1|@host-b`],
    ]);
  });

  it('run warnings are told apart by host', () => {
    const warned = (ms: number, cv: string): RunResult => ({
      ...run(ms),
      warnings: [{ code: 'W_HIGH_CV', message: `cv ${cv}` }],
    });
    const x1 = merged('x1.json', [
      hostFile('a.json', 'host-a', [warned(10, 'a')]),
      hostFile('b.json', 'host-b', [warned(20, 'b')]),
    ]);
    const c = compareFiles([x1, m2], OPTS);
    expect(c.runWarnings).toEqual([
      { code: 'W_HIGH_CV', message: 'cv a', runs: [{ file: 'x1.json', key: `${K}|@host-a` }] },
      { code: 'W_HIGH_CV', message: 'cv b', runs: [{ file: 'x1.json', key: `${K}|@host-b` }] },
    ]);
  });
});

describe('compare: only the keys that collide are host-qualified', () => {
  // A1 on host-a and C on host-c measured K and M; M1 merges host-a's and host-b's runs of K alone.
  const M = 'mobile@aaaaaaaaaaaa|ort|cpu|fp32|b1|offline|c1|t2';
  const A1 = hostFile('A1.json', 'host-a', [run(10), run(20, { model: 'mobile' })]);
  const C = hostFile('C.json', 'host-c', [run(12.5), run(25, { model: 'mobile' })]);
  const M1 = merged('M1.json', [
    hostFile('a.json', 'host-a', [run(8)]),
    hostFile('b.json', 'host-b', [run(16)]),
  ]);

  it('A1 and C alone: every key plain, compared across hosts', () => {
    const c = compareFiles([A1, C], OPTS);
    expect(c.rows.map((r) => [r.key, r.host, r.cells[0]?.ratio])).toEqual([
      [K, undefined, 0.8],
      [M, undefined, 0.8],
    ]);
    expect(c.keyFormat).toBe(KEY_FORMAT);
  });

  it('A1, C and M1: K is host-qualified, yet A1 and C (one host each) still match on it as without M1', () => {
    const c = compareFiles([A1, C, M1], OPTS);
    expect(c.rows.map((r) => [r.key, r.host, r.label, r.runs.map((x) => x?.key ?? null)])).toEqual([
      [`${K}|@host-a`, 'host-a', `${K}|@host-a`, [`${K}|@host-a`, `${K}|@host-c`, `${K}|@host-a`]],
      [M, undefined, M, [M, M, null]],
    ]);
    // The A1/C column is what `compare A1 C` gives alone: 10 -> 12.5 ms is 0.8x.
    const alone = compareFiles([A1, C], OPTS).rows.map((r) => r.cells[0]?.ratio);
    expect(c.rows.map((r) => r.cells[0]?.ratio)).toEqual(alone);
    expect(c.rows.map((r) => r.cells.map((x) => [x.verdict, x.ratio, x.reason ?? null]))).toEqual([
      [
        ['slower', 0.8, null],
        ['faster', 1.25, null],
      ],
      [
        ['slower', 0.8, null],
        ['not-comparable', null, 'missing in M1.json'],
      ],
    ]);
    expect(c.unmatched).toEqual([{ key: `${K}|@host-b`, files: ['M1.json'] }]);
    // C was compared host-a against host-c; M1 only host-a against host-a.
    expect(c.warnings.map(warningText)).toEqual([
      'host differs: A1.json "host-a" vs C.json "host-c"',
      qualifiedWarning('M1.json', K),
    ]);
    expect(c.keyFormat).toBe(KEY_FORMAT + HOST_KEY_FORMAT);
  });

  it('a merged file whose other key came from the other host: that key matches across hosts, and the host warning says so', () => {
    // m1 holds K from host-a and host-b, and M from host-b only; a2m.json ran both on host-a.
    const withMobile = merged('m1m.json', [
      hostFile('a.json', 'host-a', [run(10)]),
      hostFile('b.json', 'host-b', [run(20), run(20, { model: 'mobile' })]),
    ]);
    const a2m = hostFile('a2m.json', 'host-a', [run(8), run(25, { model: 'mobile' })]);
    const c = compareFiles([withMobile, a2m], OPTS);
    expect(c.rows.map((r) => [r.key, r.host, r.cells[0]?.ratio])).toEqual([
      [`${K}|@host-a`, 'host-a', 1.25],
      [M, undefined, 0.8],
    ]);
    expect(c.unmatched).toEqual([{ key: `${K}|@host-b`, files: ['m1m.json'], baseStatus: 'ok' }]);
    expect(c.warnings.map(warningText)).toEqual([
      'host differs: m1m.json "host-b" vs a2m.json "host-a"',
      qualifiedWarning('m1m.json', K),
    ]);
  });
});

describe('compare: host warnings pair by pair', () => {
  it('names each compared pair whose hosts differ, though both merged files hold both hosts', () => {
    // before.json: tiny_cnn from host-a, mobile from host-b; after.json the other way round. Each key
    // comes from one host per file, so it is not host-qualified and is compared across hosts.
    const before = merged('before.json', [
      hostFile('a.json', 'host-a', [run(10)]),
      hostFile('b.json', 'host-b', [run(20, { model: 'mobile' })]),
    ]);
    const after = merged('after.json', [
      hostFile('a.json', 'host-a', [run(20, { model: 'mobile' })]),
      hostFile('b.json', 'host-b', [run(10)]),
    ]);
    const c = compareFiles([before, after], OPTS);
    expect(c.rows.map((r) => [r.key, r.host])).toEqual([
      [K, undefined],
      ['mobile@aaaaaaaaaaaa|ort|cpu|fp32|b1|offline|c1|t2', undefined],
    ]);
    expect(c.warnings.map(warningText)).toEqual([
      'host differs: before.json "host-a" vs after.json "host-b"; before.json "host-b" vs after.json "host-a"',
    ]);
  });
});

describe('compare: the regression gate on merged files', () => {
  it('names the measured slowdown first, before a host the later file never ran', () => {
    // m1: host-a 10 ms, host-b 20 ms; b3 ran host-b alone, at 30 ms: 50 -> 33.3 img/s.
    const b3 = hostFile('b3.json', 'host-b', [run(30)]);
    const c = compareFiles([m1, b3], OPTS);
    const found = findRegressions(c, 5);
    expect(found.map((r) => [r.key, r.file, r.metric, r.what])).toEqual([
      [`${K}|@host-b`, 'b3.json', 'throughput', 'is 33.3 % slower (throughput ratio 0.667, significant)'],
      [`${K}|@host-a`, 'b3.json', 'lost', 'is missing where the base ran'],
    ]);
    expect(regressionError(found, 5)?.message).toBe(
      `regression: ${K}|@host-b in b3.json is 33.3 % slower (throughput ratio 0.667, significant), over the --fail-on-regression 5 % limit and 1 more`,
    );
    // Not "host differs": only host-b was compared with host-b.
    expect(c.warnings.map(warningText)).toEqual([qualifiedWarning('m1.json', K)]);
  });
});

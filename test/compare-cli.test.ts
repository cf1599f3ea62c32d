import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerCompare } from '../src/cli/compare.js';
import { register as registerMerge } from '../src/cli/merge.js';
import { environmentOf } from '../src/results/environment.js';
import { readResultFile } from '../src/results/io.js';
import { runInProcess } from './cli-in-process.js';

// Synthetic fixtures (see test/fixtures/results/README.md).
const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
const dir = mkdtempSync(join(tmpdir(), 'h100e-compare-'));

/** Runs one command in-process with only compare and merge registered. */
function bench(...args: string[]) {
  const program = new Command('bench').exitOverride();
  registerCompare(program);
  registerMerge(program);
  return runInProcess(program, args);
}

afterEach(() => vi.restoreAllMocks());

describe('bench compare', () => {
  it('prints the table, warnings on stderr, and exits 1 past --fail-on-regression', async () => {
    const r = await bench(
      'compare',
      fx('base.json'),
      fx('new.json'),
      '--fail-on-regression',
      '10',
      '--bootstrap',
      '200',
    );
    expect(r.stdout).toMatch(
      /tiny_cnn@aaaaaaaaaaaa\|ort\|cpu\|fp32\|b4\|offline\|c1\|t2 .* 0\.800× .* slower/,
    );
    expect(r.stdout).toContain('geometric mean');
    // The caption is the table's legend, as in Markdown and HTML.
    expect(r.stdout.split('\n')[0]).toBe(
      "Throughput ratio = median images/s of each file over base.json, with a 95 % bootstrap CI (marked p90, single-stream keys: base.json's p90 latency over each file's, so above 1 is faster too, and the CI alone decides); p50 Δ and p99 Δ = change of latency percentiles (negative: lower latency); p = two-sided Mann-Whitney U on per-iteration samples; a verdict needs p < 0.05 and a CI that excludes 1.",
    );
    expect(r.stdout).toContain('only_in_new@cccccccccccc');
    expect(r.stderr).toContain('warning: host differs: base.json "host-a" vs new.json "host-b"');
    expect(r.error?.code).toBe('E_REGRESSION');
    expect(r.error?.exitCode).toBe(1);
  });

  it('same configurations with --fail-on-regression 10: no error with --allow-missing, lost ones fail without', async () => {
    const args = [
      'compare',
      fx('base.json'),
      fx('same.json'),
      '--fail-on-regression',
      '10',
      '--bootstrap',
      '200',
    ];
    // same.json measured three of base.json's five configurations.
    const strict = await bench(...args);
    expect(strict.error?.code).toBe('E_REGRESSION');
    expect(strict.error?.message).toMatch(
      /is missing where the base ran, which fails --fail-on-regression at any limit \(10 % given\) and 1 more$/,
    );
    const r = await bench(...args, '--allow-missing');
    expect(r.error).toBeNull();
    expect(r.stdout).toContain('0 faster, 0 slower, 3 unchanged, 0 not comparable');
  });

  it('threads 1 vs 2 with --ignore-key threads and --fail-on-regression 5 exits 1', async () => {
    const r = await bench(
      'compare',
      fx('threads-2.json'),
      fx('threads-1.json'),
      '--ignore-key',
      'threads',
      '--fail-on-regression',
      '5',
    );
    expect(r.stdout).toMatch(/0\.579× .* slower/);
    expect(r.error?.code).toBe('E_REGRESSION');
  });

  it('--json and --markdown', async () => {
    const json = await bench('compare', fx('base.json'), fx('new.json'), '--json', '--bootstrap', '200');
    const parsed = JSON.parse(json.stdout) as {
      compareJsonVersion: number;
      comparison: Record<string, unknown> & { rows: unknown[] };
      warnings: string[];
    };
    // Version 2: the warnings are listed once, at the top level (no copy inside the comparison).
    expect(parsed.compareJsonVersion).toBe(2);
    expect(parsed.comparison.rows).toHaveLength(4);
    expect(parsed.warnings.length).toBeGreaterThan(0);
    expect(parsed.comparison).not.toHaveProperty('warnings');
    // What it takes to reproduce the intervals, and how to read keys and ratios.
    expect(parsed.comparison).toMatchObject({ bootstrapIterations: 200, seed: 1, alpha: 0.05 });
    expect(parsed.comparison['keyFormat']).toMatch(
      /^model@sha12\|engine\|provider\|precision\|bN\|scenario\|cN\|tN; /,
    );
    expect(parsed.comparison['ratioDirection']).toMatch(
      /^ratio = median throughput of each file over the first file's \(above 1: faster\)/,
    );
    const md = await bench('compare', fx('base.json'), fx('new.json'), '--markdown', '--bootstrap', '200');
    expect(md.stdout).toContain('| configuration | base.json img/s | new.json img/s | ratio |');
    expect(md.stdout).toContain('> **Warning:** host differs');
    expect(md.stderr).toBe('');
  });

  it('bad input: one line each, naming the file or flag', async () => {
    const cases: [string[], string, RegExp][] = [
      [[fx('base.json'), fx('missing.json')], 'E_FILE_NOT_FOUND', /missing\.json: no such file/],
      [[fx('base.json'), fx('not-json.json')], 'E_FILE_CORRUPT', /not-json\.json: not valid JSON/],
      [[fx('base.json'), fx('future.json')], 'E_SCHEMA', /future\.json: schema version 99 is newer/],
      [[fx('base.json'), fx('empty.json')], 'E_BAD_INPUT', /empty\.json: the result file has zero runs/],
      [
        [fx('threads-2.json'), fx('threads-1.json')],
        'E_BAD_INPUT',
        /no configuration in common \(they differ in threads\)/,
      ],
      [
        [fx('base.json'), fx('new.json'), '--ignore-key', 'colour'],
        'E_USAGE',
        /^--ignore-key 'colour': expected a comma-separated list of model, sha256, .* \('colour' is not one of them\)$/,
      ],
      [
        [fx('base.json'), fx('new.json'), '--fail-on-regression', 'lots'],
        'E_USAGE',
        /^--fail-on-regression 'lots': expected a number from 0 to 100$/,
      ],
      [[fx('base.json'), fx('new.json'), '--json', '--markdown'], 'E_USAGE', /exclusive/],
    ];
    for (const [args, code, pattern] of cases) {
      const r = await bench('compare', ...args);
      expect(r.error?.code, args.join(' ')).toBe(code);
      expect(r.error?.message).toMatch(pattern);
      expect(r.error?.message).not.toContain('\n');
    }
  });
});

describe('bench merge', () => {
  it('combines runs and keeps each run\u2019s environment', async () => {
    const out = join(dir, 'merged.json');
    const r = await bench('merge', fx('base.json'), fx('new.json'), '--out', out);
    expect(r.error).toBeNull();
    expect(r.stdout).toBe(`merged 10 runs from 2 sources into ${out}\n`);
    const merged = readResultFile(out);
    expect(merged.sources?.map((s) => s.environment.hostname)).toEqual(['host-a', 'host-b']);
    // Each source keeps the command and time that measured it (the merged file's own is the merge).
    const inputs = [readResultFile(fx('base.json')), readResultFile(fx('new.json'))];
    expect(merged.sources?.map((s) => [s.command, s.createdAt])).toEqual(
      inputs.map((f) => [f.command, f.createdAt]),
    );
    expect(merged.command).toMatch(/^bench merge /);
    expect(merged.runs.map((run) => environmentOf(merged, run).hostname)).toEqual([
      ...Array(5).fill('host-a'),
      ...Array(5).fill('host-b'),
    ]);

    // Merging the merged file again with one of its sources flattens sources and skips duplicates.
    const again = join(dir, 'again.json');
    const r2 = await bench('merge', out, fx('base.json'), '--out', again);
    expect(r2.stdout).toBe(`merged 10 runs from 3 sources into ${again}\n`);
    expect(r2.stderr.match(/already merged; skipped/g)).toHaveLength(5);
  });

  it('warns about a file with zero runs and fails when no file has a run', async () => {
    const out = join(dir, 'with-empty.json');
    const r = await bench('merge', fx('same.json'), fx('empty.json'), '--out', out);
    expect(r.stderr).toContain('empty.json: the result file has zero runs; it is left out');
    expect(readResultFile(out).runs).toHaveLength(3);
    const bad = await bench('merge', fx('empty.json'), '--out', join(dir, 'none.json'));
    expect(bad.error?.code).toBe('E_BAD_INPUT');
  });
});

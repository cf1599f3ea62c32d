/**
 * bench ab end to end on real onnxruntime with tiny zoo models (the workers run from dist/, which
 * `npm test` builds first). Rounds are a tenth of a second, so each test takes a few seconds.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { abDifferences, runAb, type AbOptions } from '../src/ab/ab.js';
import { BenchError } from '../src/core/errors.js';
import { allowedCpus, pairCpuSets, planPinning } from '../src/ab/affinity.js';
import { readResultFile } from '../src/results/io.js';
import { abText } from '../src/report/ab-text.js';
import { zooModelPath } from '../models/cache.js';
import { buildProgram } from '../src/cli/program.js';
import { runInProcess } from './cli-in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-ab-'));
const side = { model: 'tiny_cnn', engine: 'ort' as const, threads: 1, epOptions: [] };

function options(over: Partial<AbOptions> = {}): AbOptions {
  return {
    a: side,
    b: side,
    allowDiff: [],
    batch: 1,
    roundS: 0.1,
    warmupS: 0.1,
    order: 'abba',
    seed: 1,
    relCiPct: 0.0001,
    maxDurationS: 60,
    minRounds: 6,
    maxRounds: 6,
    confidence: 0.95,
    alpha: 0.05,
    command: 'test',
    ...over,
  };
}

describe('abDifferences', () => {
  it('names the one field that differs, and nothing for an A/A pair', () => {
    expect(abDifferences(side, { ...side, threads: 2 })).toEqual(['threads']);
    expect(abDifferences(side, side)).toEqual([]);
    expect(abDifferences(side, { ...side, epOptions: [] })).toEqual([]);
  });
  it('refuses two differences unless --allow-diff names one, in one line', () => {
    const b = { ...side, threads: 2, precision: 'fp16' as const };
    expect(() => abDifferences(side, b)).toThrow(/A and B differ in 2 things \(precision, threads\)/);
    expect(abDifferences(side, b, ['threads'])).toEqual(['precision', 'threads']);
  });
});

describe('runAb', () => {
  it('runs A/A in alternating rounds and writes both sides, the rounds and the ratios', async () => {
    const out = join(dir, 'aa.json');
    const { file, error } = await runAb(options({ out }));
    expect(error).toBeNull();
    const whole = readResultFile(out); // validated against the result-file schema
    const saved = whole.ab;
    if (!saved) throw new Error('no ab section');
    expect(saved.rounds).toHaveLength(6);
    expect(saved.rounds.map((r) => r.first)).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    for (const r of saved.rounds) {
      expect(r.a.iterations).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.b.perS / r.a.perS, 12);
    }
    // Each side is a normal run holding its samples pooled over the rounds.
    expect(whole.runs.map((r) => [r.abSide, r.status, r.model.name, r.config.threads])).toEqual([
      ['a', 'ok', 'tiny_cnn', 1],
      ['b', 'ok', 'tiny_cnn', 1],
    ]);
    const [runA] = whole.runs;
    expect(runA?.samplesMs.length).toBe(saved.rounds.reduce((s, r) => s + r.a.iterations, 0));
    expect(runA?.iterations).toBe(runA?.samplesMs.length);
    expect(runA?.latency?.count).toBe(runA?.samplesMs.length);
    expect(runA?.model.macsPerImage).toBeGreaterThan(0);
    expect(saved.paired?.rounds).toBe(6);
    expect(saved.paired?.ciRanks).toEqual([1, 6]);
    expect(saved.plain?.verdict).toMatch(/faster|slower|no-change/);
    expect(saved.stopReason).toBe('max-rounds');
    expect(file.ab.loaded.a?.modelName).toBe('tiny_cnn');
    expect(saved.differences).toEqual([]);
    expect(saved.pinning).toEqual(planPinning(1, 1));
  });

  it('writes a result file that compare, report and estimate read: one run per side', async () => {
    const out = join(dir, 'threads.json');
    const { error } = await runAb(options({ out, b: { ...side, threads: 2 }, roundS: 0.05 }));
    expect(error).toBeNull();
    const cmp = await runInProcess(buildProgram(), ['compare', out, out, '--json']);
    expect(cmp.error).toBeNull();
    const rows = (JSON.parse(cmp.stdout) as { comparison: { rows: { key: string }[] } }).comparison.rows;
    expect(rows.map((r) => r.key.replace(/@\w+/, '@sha'))).toEqual([
      'tiny_cnn@sha|ort|cpu|fp32|b1|offline|c1|t1',
      'tiny_cnn@sha|ort|cpu|fp32|b1|offline|c1|t2',
    ]);
    const md = await runInProcess(buildProgram(), ['report', out, '--markdown', '-']);
    expect(md.error).toBeNull();
    // The runs table: one row per side (Markdown escapes the underscore).
    expect(md.stdout.match(/^\| \S*threads\.json \| tiny\\_cnn@/gm)).toHaveLength(2);
    const est = await runInProcess(buildProgram(), ['estimate', out, '--json']);
    expect(est.error).toBeNull();
    expect(JSON.stringify(JSON.parse(est.stdout))).toMatch(/tiny_cnn/);
  });

  it('two paths to the same model bytes are an A/A run, and the text says so', async () => {
    const path = zooModelPath('tiny_cnn', { precision: 'fp32', seed: 1 }); // the seed options() gives both sides
    const { file } = await runAb(options({ b: { ...side, model: path }, roundS: 0.05 }));
    expect(file.ab.differences).toEqual(['model']);
    expect(file.ab.loaded.a?.sha256).toBe(file.ab.loaded.b?.sha256);
    expect(abText(file.ab)).toMatch(
      /^differs in: model \(two paths to the same model bytes: an A\/A run\)$/m,
    );
  });

  it('a side that crashes mid-run keeps the finished rounds and names the side (E_SIDE_FAILED, exit 2)', async () => {
    const out = join(dir, 'crash.json');
    // B's workers exit on their 4th slice. Rounds 1-2 use worker pair 0 and rounds 3-4 pair 1, so B0's
    // 4th slice (warm-up, rounds 1, 2, then round 5) is where it dies: 4 rounds finish.
    const { file, error } = await runAb(options({ out, maxRounds: 10 }), {
      env: { b: { H100E_AB_CRASH_AFTER: '4' } },
    });
    expect(error?.code).toBe('E_SIDE_FAILED');
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(
      /^side B failed during round: its worker exited \(code 70\); 4 finished rounds are in /,
    );
    const whole = readResultFile(out);
    const saved = whole.ab;
    expect(saved?.status).toBe('failed');
    expect(saved?.failure).toMatchObject({ side: 'b', phase: 'round' });
    expect(saved?.rounds).toHaveLength(4);
    expect(file.ab.paired?.rounds).toBe(4);
    // A keeps its measured run; B's run says it failed, with the samples of its finished rounds.
    expect(whole.runs.map((r) => [r.abSide, r.status])).toEqual([
      ['a', 'ok'],
      ['b', 'failed'],
    ]);
    expect(whole.runs[1]?.error).toMatch(/its worker exited \(code 70\)/);
  });

  it('a disk that refuses --out ends with E_IO (exit 74), naming the errno', async () => {
    process.env['H100E_INJECT_WRITE_FAULT'] = 'ENOSPC@1';
    try {
      const out = join(dir, 'full.json');
      const e = await runAb(options({ out, roundS: 0.05 })).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'E_IO', exitCode: 74 });
      expect((e as Error).message).toMatch(
        /^cannot save .*full\.json \(ENOSPC\): the sweep stopped; nothing was saved$/,
      );
    } finally {
      delete process.env['H100E_INJECT_WRITE_FAULT'];
    }
  });

  it('a model that cannot load fails side B during load', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'not a model');
    const { file, error } = await runAb(options({ b: { ...side, model: bad } }));
    expect(error?.code).toBe('E_SIDE_FAILED');
    expect(file.ab.failure).toMatchObject({ side: 'b', phase: 'load' });
    expect(file.ab.rounds).toHaveLength(0);
    expect(file.runs.map((r) => [r.abSide, r.status])).toEqual([['a', 'failed']]);
  });

  it('--b-dir without h100e, or without an installed engine, is refused before anything runs', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'dist', 'src', 'ab'), { recursive: true });
    await expect(runAb(options({ b: { ...side, dir: join(dir, 'nowhere') } }))).rejects.toThrow(
      /no such folder/,
    );
    await expect(runAb(options({ b: { ...side, dir } }))).rejects.toThrow(/no h100e with bench ab there/);
    writeFileSync(join(empty, 'dist', 'src', 'ab', 'worker.js'), '');
    const e = await runAb(options({ b: { ...side, dir: empty } })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).toMatch(
      /no installed engine \(onnxruntime-node is not in its node_modules\)/,
    );
    expect((e as BenchError).exitCode).toBe(2);
  });
});

describe('CPU pinning', () => {
  it('reads the allowed CPUs from /proc/self/status', () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-3,8,10-11\n')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(allowedCpus('Cpus_allowed_list:\t5\n')).toEqual([5]);
    expect(allowedCpus('Name:\tnode\n')).toBeNull();
    expect(allowedCpus('Cpus_allowed_list:\t3-1\n')).toBeNull();
    expect(allowedCpus()).not.toEqual([]);
  });
  it('gives pair 0 the first CPUs and pair 1 the last, and pins nothing when a side may use them all', () => {
    expect(pairCpuSets([0, 1], 1)).toEqual([[0], [1]]);
    expect(pairCpuSets([0, 1, 2, 3, 4, 5], 2)).toEqual([
      [0, 1],
      [4, 5],
    ]);
    expect(pairCpuSets([0, 1, 2], 2)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(pairCpuSets([0, 1], 2)).toBeNull();
    expect(pairCpuSets([0, 1, 2, 3], 0)).toBeNull();
    expect(planPinning(1, 0, [0, 1, 2, 3])).toEqual({
      pairs: null,
      reason: expect.stringMatching(/all \d+ CPUs/),
    });
    expect(planPinning(1, 2, [0, 1, 2, 3])).toEqual({
      pairs: [
        [0, 1],
        [2, 3],
      ],
    });
    expect(planPinning(1, 1, null).reason).toMatch(/not known/);
  });
});

describe('bench ab (CLI)', () => {
  it('--fail-on-regression trips when B (squeezenet1_1) is far slower than A (tiny_cnn)', async () => {
    const r = await runInProcess(buildProgram(), [
      'ab',
      '--a',
      'tiny_cnn',
      '--b',
      'squeezenet1_1',
      '--round-s',
      '0.1',
      '--warmup-s',
      '0.1',
      '--max-rounds',
      '6',
      '--fail-on-regression',
      '5',
      '--quiet',
    ]);
    expect(r.error).toBeInstanceOf(BenchError);
    expect((r.error as BenchError).code).toBe('E_REGRESSION');
    expect((r.error as BenchError).exitCode).toBe(1);
    expect(r.stdout).toMatch(/paired: {2}B\/A 0\.\d+ .*: B is slower/);
    expect(r.stdout).toMatch(/plain compare of the same samples: .*B is slower/);
    expect(r.stdout).toMatch(/^differs in: model$/m);
  });
  it('two differences are a usage error', async () => {
    const r = await runInProcess(buildProgram(), [
      'ab',
      '--a',
      'tiny_cnn',
      '--b',
      'squeezenet1_1',
      '--b-threads',
      '2',
    ]);
    expect((r.error as BenchError).code).toBe('E_BAD_INPUT');
    expect((r.error as BenchError).hint).toMatch(/--allow-diff threads/);
  });
});

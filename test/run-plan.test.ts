/**
 * `bench run --dry-run`: the plan is settled as a run settles it (real onnxruntime CPU, the zoo's tiny
 * model) and nothing is measured or written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { peakSearchS, searchTrialS } from '../src/measure/qps-search.js';
import { planRun, type RunPlan } from '../src/run/plan.js';
import { formatRunPlan } from '../src/report/plan-text.js';
import { parseRunOptions, type RunOptionsInput } from '../src/run/options.js';
import { plannedConfigurations, runBenchmarks } from '../src/run/run.js';
import { formatRunTable, formatWarningNotes } from '../src/report/run-table.js';
import type { Precision } from '../src/results/schema.js';
import { zooModelPath } from '../models/cache.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sweep = (out: string, batches: number[], extra: Partial<RunOptionsInput> = {}): RunOptionsInput => ({
  models: ['tiny_cnn'],
  device: 'cpu',
  batches,
  durationS: 0.5,
  maxDurationS: 2,
  minIterations: 3,
  warmup: 1,
  out,
  ...extra,
});

describe('--find-peak time bounds', () => {
  it('count two short search trials and one confirmation at least, every trial and confirmation at most', () => {
    // --duration 1, --max-duration 30: trials of 0.5 to 1 s.
    expect(searchTrialS(1, 30)).toEqual({ min: 0.5, max: 1 });
    expect(peakSearchS(1, 30)).toEqual({ min: 2 * 0.5 + 1, max: 8 * 1 + 3 * 30 });
    // Short runs: a trial lasts at least 0.25 s, and --max-duration caps it (never below its minimum).
    expect(searchTrialS(0.2, 0.3)).toEqual({ min: 0.25, max: 0.3 });
    expect(searchTrialS(0.2, 0.2)).toEqual({ min: 0.25, max: 0.25 });
  });
});

describe('bench run --dry-run', () => {
  it('plans every configuration with its time bounds, and writes nothing', async () => {
    const out = join(dir, 'fresh.json');
    const plan = await planRun(sweep(out, [1, 2, 4]));
    expect(plan).toMatchObject({
      engine: { name: 'ort' },
      device: { requested: 'cpu', actual: 'cpu', software: false },
      out: { path: out, action: 'create' },
      toMeasure: 3,
      kept: 0,
      // Three configurations of 0.5 to 2 s each.
      measuringS: { min: 1.5, max: 6 },
    });
    expect(plan.configurations.map((c) => [c.model, c.batch, c.action])).toEqual([
      ['tiny_cnn', 1, 'measure'],
      ['tiny_cnn', 2, 'measure'],
      ['tiny_cnn', 4, 'measure'],
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('with --resume, says what the file keeps and leaves the file as it was', async () => {
    const out = join(dir, 'resumed.json');
    await runBenchmarks(sweep(out, [1, 2], { durationS: 0.1 }));
    const before = readFileSync(out, 'utf8');
    const plan = await planRun(sweep(out, [1, 2, 4], { resume: true }));
    expect(plan.out.action).toBe('continue');
    expect(plan.configurations.map((c) => [c.batch, c.action])).toEqual([
      [1, 'keep'],
      [2, 'keep'],
      [4, 'measure'],
    ]);
    expect(plan.measuringS).toEqual({ min: 0.5, max: 2 });
    expect(readFileSync(out, 'utf8')).toBe(before);
    // The checks of a run hold too: an existing file without --force or --resume is refused.
    await expect(planRun(sweep(out, [1]))).rejects.toMatchObject({
      code: 'E_EXISTS',
      message: expect.stringMatching(/already exists/),
    });
    expect((await planRun(sweep(out, [1], { force: true }))).out.action).toBe('replace');
  });
});

describe('the plan as text', () => {
  it('names the device, the file, each configuration and the time', () => {
    const plan: RunPlan = {
      engine: { name: 'ort', version: '1.30.0' },
      device: { requested: 'webgpu', actual: 'webgpu', software: true },
      out: { path: 'r.json', action: 'continue' },
      configurations: [
        {
          model: 'resnet18',
          sha: 'abcdef012345',
          precision: 'fp16',
          threads: 0,
          batch: 1,
          scenario: 'offline',
          action: 'keep',
        },
        {
          model: 'resnet18',
          sha: 'abcdef012345',
          precision: 'fp16',
          threads: 0,
          batch: 32,
          scenario: 'offline',
          action: 'measure',
        },
      ],
      toMeasure: 1,
      kept: 1,
      measuringS: { min: 3, max: 150 },
    };
    expect(formatRunPlan(plan)).toBe(
      [
        'dry run: nothing is measured and no file is written',
        'engine  ort 1.30.0',
        'device  webgpu; a CPU Vulkan driver: CPU figures',
        'file    r.json (continued, --resume)',
        '2 configurations: 1 to measure, 1 kept',
        '  model     sha           prec  batch  scenario  action',
        '  --------  ------------  ----  -----  --------  -------',
        '  resnet18  abcdef012345  fp16  1      offline   keep',
        '  resnet18  abcdef012345  fp16  32     offline   measure',
        'time    3 s to 2.5 min of measuring, plus warm-up, session creation and first inferences',
        '',
      ].join('\n'),
    );
    const fellBack: RunPlan = {
      ...plan,
      device: { requested: 'cuda', actual: 'cpu', software: false, fallbackReason: 'cuda not usable' },
      configurations: [],
      toMeasure: 0,
      kept: 0,
    };
    expect(formatRunPlan(fellBack).split('\n')[2]).toBe(
      'device  cpu (asked for cuda); fallback: cuda not usable',
    );
    expect(formatRunPlan(fellBack)).toContain('time    nothing left to measure');
  });
});

describe('--precision fp32,fp16: a sweep dimension', () => {
  it('measures every zoo model at each precision, an ONNX file once at its own', async () => {
    const file = zooModelPath('tiny_cnn', { precision: 'fp32' });
    const o = { models: ['tiny_cnn', file], batches: [1, 2], precision: ['fp32', 'fp16'] as Precision[] };
    expect(plannedConfigurations(parseRunOptions(o))).toBe((2 + 1) * 2);
    const plan = await planRun(sweep(join(dir, 'p.json'), [1, 2], o));
    expect(plan.configurations.map((c) => [c.model, c.precision, c.batch])).toEqual([
      ['tiny_cnn', 'fp32', 1],
      ['tiny_cnn', 'fp32', 2],
      ['tiny_cnn', 'fp16', 1],
      ['tiny_cnn', 'fp16', 2],
      ['tiny_cnn-fp32-seed0-b2', 'fp32', 1],
      ['tiny_cnn-fp32-seed0-b2', 'fp32', 2],
    ]);
    // Two builds, two identities; the file is the fp32 build itself.
    const shas = new Set(plan.configurations.map((c) => `${c.precision}:${c.sha}`));
    expect(shas.size).toBe(2);
    // One precision alone still refuses a file of the other.
    await expect(
      planRun(sweep(join(dir, 'p.json'), [1], { models: [file], precision: 'fp16' })),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/--precision fp16: --model .* is an fp32 file/),
    });
  });

  it('takes one precision or a list, and names what it expects', () => {
    const parse = (precision: unknown) =>
      parseRunOptions({ models: ['tiny_cnn'], precision } as RunOptionsInput).precision;
    expect(parse('fp16')).toEqual(['fp16']);
    expect(parse(['fp16', 'fp32', 'fp16'])).toEqual(['fp16', 'fp32']);
    expect(parse(undefined)).toBeUndefined();
    expect(() => parse('fp8')).toThrow('--precision: expected fp32 or fp16 or int8, or a list of them');
    expect(() => parse([])).toThrow('--precision: give at least one precision');
  });

  it('records both precisions in one file, and names the precision where warnings list configurations', async () => {
    const out = join(dir, 'both.json');
    const { file } = await runBenchmarks(sweep(out, [1], { durationS: 0.1, precision: ['fp32', 'fp16'] }));
    expect(file.runs.map((r) => [r.model.precision, r.status])).toEqual([
      ['fp32', 'ok'],
      ['fp16', 'ok'],
    ]);
    expect(formatWarningNotes(file.runs)).toMatch(/W_FP16_ON_CPU \[tiny_cnn fp16 b1\]/);
  });
});

describe('--threads 1,2: a sweep dimension', () => {
  it('takes one count or a list, and names what it expects', () => {
    const parse = (threads: unknown) =>
      parseRunOptions({ models: ['tiny_cnn'], threads } as RunOptionsInput).threads;
    expect(parse(undefined)).toEqual([0]);
    expect(parse(2)).toEqual([2]);
    expect(parse([2, 1, 2])).toEqual([2, 1]);
    expect(() => parse(-1)).toThrow('--threads: expected a non-negative integer, or a list of them');
    expect(() => parse([])).toThrow('--threads: give at least one thread count');
  });

  it('measures each thread count in a session of its own, at every batch size, and resumes by it', async () => {
    const out = join(dir, 'threads.json');
    const o = sweep(out, [1, 2], { durationS: 0.1, threads: [1, 2] });
    expect(plannedConfigurations(parseRunOptions(o))).toBe(4);
    const seen: string[] = [];
    const { file } = await runBenchmarks(o, {
      onConfigStart: (i, n, label) => seen.push(`${i + 1}/${n} ${label}`),
    });
    expect(seen).toEqual([
      '1/4 tiny_cnn t1 b1',
      '2/4 tiny_cnn t1 b2',
      '3/4 tiny_cnn t2 b1',
      '4/4 tiny_cnn t2 b2',
    ]);
    expect(file.runs.map((r) => [r.config.threads, r.config.batch, r.status])).toEqual([
      [1, 1, 'ok'],
      [1, 2, 'ok'],
      [2, 1, 'ok'],
      [2, 2, 'ok'],
    ]);
    // Each session reports the thread count it was created with.
    expect(file.runs.map((r) => r.engine.providerOptions?.intraOpNumThreads)).toEqual([1, 1, 2, 2]);
    // The keys tell the thread counts apart, so --resume keeps each and adds what is new.
    const plan = await planRun({ ...o, threads: [1, 2, 0], resume: true });
    expect(plan.configurations.map((c) => c.action)).toEqual([
      'keep',
      'keep',
      'keep',
      'keep',
      'measure',
      'measure',
    ]);
    expect(formatRunTable(file.runs, file.environment).split('\n')[0]).toMatch(/ prec {2}threads {2}batch /);
    expect(formatRunPlan(plan).split('\n')[5]).toMatch(/^ {2}model +sha +prec {2}threads {2}batch /);
  });
});

/**
 * `bench run --resume`: a sweep continues in the file it left, keeping what was measured, replacing
 * failed attempts, and refusing files it cannot continue honestly. Real onnxruntime CPU runs of the
 * zoo's tiny model, a fraction of a second per configuration.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunOptions, type RunOptionsInput } from '../src/run/options.js';
import { readResultFile } from '../src/results/io.js';
import type { ResultFile } from '../src/results/schema.js';
import { runOnGpus } from '../src/run/multi-gpu.js';
import { continuedFile, keptConfigurations } from '../src/run/resume.js';
import { planKey } from '../src/results/key.js';
import { runBenchmarks } from '../src/run/run.js';
import { buildModel } from './analyze-fixtures.js';
import { expectBenchError } from './bench-error.js';
import { runCommand } from './run-command.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');

const dir = mkdtempSync(join(tmpdir(), 'h100e-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A quick CPU sweep of the tiny model over `batches` into `out`. */
function sweep(out: string, batches: number[], extra: Partial<RunOptionsInput> = {}): RunOptionsInput {
  return {
    models: ['tiny_cnn'],
    device: 'cpu',
    batches,
    durationS: 0.1,
    minIterations: 3,
    warmup: 1,
    out,
    ...extra,
  };
}

/**
 * Runs `options` and returns the file, the progress labels of the configurations measured (`started`)
 * and kept, and the notices.
 */
async function measure(
  options: RunOptionsInput,
  command = 'bench test',
): Promise<{ file: ResultFile; started: string[]; kept: string[]; notices: string[]; measured: number }> {
  const started: string[] = [];
  const kept: string[] = [];
  const notices: string[] = [];
  const outcome = await runBenchmarks(options, {
    command,
    onConfigStart: (i, n, label) => started.push(`${i + 1}/${n} ${label}`),
    onConfigKept: (i, n, label) => kept.push(`${i + 1}/${n} ${label}`),
    onNotice: (line) => notices.push(line),
  });
  expect(outcome.kept).toBe(kept.length);
  return { file: outcome.file, started, kept, notices, measured: outcome.measured.length };
}

/** The key --resume identifies tiny_cnn at `batch` by (run/resume.ts planKey), sha left open. */
const tinyKey = (batch: number): RegExp =>
  new RegExp(`^tiny_cnn@[0-9a-f]{12}\\|ort\\|\\*\\|fp32\\|b${batch}\\|offline\\|c1\\|t0 on cpu$`);

/** Writes `file` to `out` as it is, edited by a test (no validation: the reader must judge it). */
function overwrite(out: string, file: ResultFile): void {
  writeFileSync(out, JSON.stringify(file));
}

describe('bench run --resume', () => {
  it('keeps the configurations the file measured and measures only the rest', async () => {
    const out = join(dir, 'grow.json');
    const first = await measure(sweep(out, [1, 2]), 'bench first');
    const second = await measure(sweep(out, [1, 2, 4], { resume: true }), 'bench second --resume');
    expect(second.started).toEqual(['3/3 tiny_cnn b4']);
    expect(second.kept).toEqual(['1/3 tiny_cnn b1', '2/3 tiny_cnn b2']);
    expect(second.measured).toBe(1);
    expect(second.notices).toEqual([]);
    const file = readResultFile(out);
    // The kept runs are the first run's, untouched: same start time, same samples.
    expect(file.runs.slice(0, 2)).toEqual(first.file.runs);
    expect(file.runs.map((r) => r.config.batch)).toEqual([1, 2, 4]);
    expect(file.runs[2]?.status).toBe('ok');
    expect(file.command).toBe('bench first');
    expect(file.createdAt).toBe(first.file.createdAt);
    expect(file.resumed?.map((r) => r.command)).toEqual(['bench second --resume']);
    expect(second.file).toEqual(file);
  });

  it('starts a new file when --out does not exist yet', async () => {
    const out = join(dir, 'fresh.json');
    const { file, started } = await measure(sweep(out, [1], { resume: true }));
    expect(started).toEqual(['1/1 tiny_cnn b1']);
    expect(file.resumed).toBeUndefined();
    expect(readResultFile(out).runs).toHaveLength(1);
  });

  it('measures nothing when everything is there, and still records the resume and drops a mark from an older file', async () => {
    const out = join(dir, 'complete.json');
    const first = await measure(sweep(out, [1, 2]));
    overwrite(out, {
      ...first.file,
      interrupted: { signal: 'SIGINT', finishedConfigurations: 2, plannedConfigurations: 3 },
    });
    // A mark without unfinishedKeys (written before they were recorded) counts only this sweep's.
    const again = await measure(sweep(out, [2, 1], { resume: true }), 'bench again');
    expect(again.started).toEqual([]);
    expect(again.kept).toEqual(['1/2 tiny_cnn b2', '2/2 tiny_cnn b1']);
    const file = readResultFile(out);
    expect(file.runs).toEqual(first.file.runs);
    expect(file.interrupted).toBeUndefined();
    expect(file.resumed?.map((r) => r.command)).toEqual(['bench again']);
  });

  it('measures a failed or skipped configuration again, in its place', async () => {
    const out = join(dir, 'failed.json');
    const first = await measure(sweep(out, [1, 2, 4]));
    const [b1, b2, b4] = first.file.runs;
    if (!b1 || !b2 || !b4) throw new Error('expected three runs');
    overwrite(out, {
      ...first.file,
      runs: [b1, { ...b2, status: 'failed', error: 'boom', samplesMs: [] }, b4],
    });
    const again = await measure(sweep(out, [1, 2, 4], { resume: true }));
    expect(again.started).toEqual(['2/3 tiny_cnn b2']);
    expect(again.kept).toEqual(['1/3 tiny_cnn b1', '3/3 tiny_cnn b4']);
    const file = readResultFile(out);
    expect(file.runs.map((r) => [r.config.batch, r.status])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
      [4, 'ok'],
    ]);
    expect(file.runs[0]).toEqual(b1);
    expect(file.runs[2]).toEqual(b4);
    expect(file.runs[1]?.samplesMs.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a configuration the file measured with other settings, before measuring anything', async () => {
    const out = join(dir, 'transfer.json');
    await measure(sweep(out, [1]));
    const before = readResultFile(out);
    await expect(measure(sweep(out, [2, 1], { resume: true, transfer: 'exclude' }))).rejects.toMatchObject({
      code: 'E_USAGE',
      message: `--resume: ${out} measured tiny_cnn b1 with --transfer include; this command asks for exclude`,
      hint: "resume with the file's settings, or measure into another --out (bench merge joins files)",
    });
    expect(readResultFile(out)).toEqual(before);
  });

  it('refuses other server settings and other input shapes for a kept configuration', async () => {
    const server = join(dir, 'server.json');
    const at = (qps: number): Partial<RunOptionsInput> => ({ scenario: 'server', qps, latencyBoundMs: 100 });
    await measure(sweep(server, [1], at(50)));
    await expect(measure(sweep(server, [1], { resume: true, ...at(80) }))).rejects.toMatchObject({
      message: `--resume: ${server} measured tiny_cnn b1 with --qps 50; this command asks for 80`,
    });
    const model = join(dir, 'symbolic.onnx');
    writeFileSync(
      model,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 'F'] }],
        outputs: [{ name: 'y' }],
        nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    const shaped = join(dir, 'shaped.json');
    const file = (shape: string): RunOptionsInput => ({
      ...sweep(shaped, [1]),
      models: [model],
      shapes: [shape],
    });
    await measure(file('x:1x4'));
    await expect(measure({ ...file('x:1x8'), resume: true })).rejects.toMatchObject({
      message: `--resume: ${shaped} measured symbolic b1 with --shape x:1x4; this command asks for x:1x8`,
    });
  });

  it('matches a run the engine placed on another device by the device its sweep chose', () => {
    const run = syntheticRun({ model: 'm', batch: 1, samplesMs: [1, 1, 1] });
    const moved: typeof run = {
      ...run,
      device: {
        requested: 'cuda',
        actual: 'cpu',
        chosen: 'cuda',
        name: 'CPU',
        fallbackReason: 'placed on cpu',
      },
    };
    const file = { ...syntheticFile('moved.json', [moved]).data };
    const planned = { key: planKey(run, 'cuda'), label: 'm b1', config: run.config };
    expect(keptConfigurations(file, [planned], 'moved.json')).toEqual(new Set([planned.key]));
    expect(keptConfigurations(file, [{ ...planned, key: planKey(run, 'cpu') }], 'moved.json').size).toBe(0);
  });

  it('notes kept configurations measured with other timing flags, and keeps them as measured', async () => {
    const out = join(dir, 'timing.json');
    const first = await measure(sweep(out, [1, 2]));
    const again = await measure(sweep(out, [1, 2, 4], { resume: true, durationS: 0.2, warmup: 2 }));
    expect(again.notices).toEqual([
      `note: --resume: ${out} measured 2 of the 2 kept configurations with --duration 0.1 (this command: 0.2); they are kept as measured, each run records its own settings`,
      `note: --resume: ${out} measured 2 of the 2 kept configurations with --warmup 1 (this command: 2); they are kept as measured, each run records its own settings`,
    ]);
    expect(again.kept).toHaveLength(2);
    const runs = readResultFile(out).runs;
    expect(runs.slice(0, 2)).toEqual(first.file.runs);
    expect(runs.map((r) => [r.config.minDurationS, r.config.warmupIterations])).toEqual([
      [0.1, 1],
      [0.1, 1],
      [0.2, 2],
    ]);
    // The same timing flags again: nothing to note.
    expect((await measure(sweep(out, [4], { resume: true, durationS: 0.2, warmup: 2 }))).notices).toEqual([]);
  });

  it('an fp16 build of a model is another precision, not another version: no warning', async () => {
    const out = join(dir, 'precisions.json');
    await measure(sweep(out, [1]));
    const half = await measure(sweep(out, [1], { resume: true, precision: 'fp16' }));
    expect(half.notices.filter((n) => n.includes('holds tiny_cnn'))).toEqual([]);
  });

  it('says when the file holds another version of a model (another --seed), and keeps both', async () => {
    const out = join(dir, 'seed.json');
    const first = await measure(sweep(out, [1]));
    const again = await measure(sweep(out, [1], { resume: true, seed: 7 }));
    const [old, now] = readResultFile(out).runs.map((r) => r.model.sha256.slice(0, 12));
    expect(again.notices).toEqual([
      `warning: --resume: ${out} holds tiny_cnn with sha256 ${old}; this one is ${now} (another --seed, or the file changed): both stay in the file as different models`,
    ]);
    expect(again.started).toEqual(['1/1 tiny_cnn b1']);
    expect(old).toBe(first.file.runs[0]?.model.sha256.slice(0, 12));
    expect(now).not.toBe(old);
  });

  it('completes a sweep a signal cut short, and says how in the interruption error', async () => {
    const out = join(dir, 'cut.json');
    const controller = new AbortController();
    const cut = runBenchmarks(sweep(out, [1, 2, 3]), {
      signal: controller.signal,
      onConfigDone: () => controller.abort('SIGINT'),
    });
    await expect(cut).rejects.toMatchObject({
      code: 'E_INTERRUPTED',
      message: `interrupted: 1 finished configuration(s) saved in ${out}`,
      hint: 'to complete it, run the command again with --resume (not --force): the finished configurations are kept and only the rest are measured',
    });
    expect(readResultFile(out).interrupted).toEqual({
      signal: 'SIGINT',
      finishedConfigurations: 1,
      plannedConfigurations: 3,
      unfinishedKeys: [expect.stringMatching(tinyKey(2)), expect.stringMatching(tinyKey(3))],
    });
    // Cut again after one more configuration: the mark counts the kept one too.
    const controller2 = new AbortController();
    const cut2 = runBenchmarks(sweep(out, [1, 2, 3], { resume: true }), {
      signal: controller2.signal,
      onConfigDone: () => controller2.abort('SIGTERM'),
    });
    await expect(cut2).rejects.toMatchObject({ code: 'E_INTERRUPTED', exitCode: 143 });
    expect(readResultFile(out).interrupted).toEqual({
      signal: 'SIGTERM',
      finishedConfigurations: 2,
      plannedConfigurations: 3,
      unfinishedKeys: [expect.stringMatching(tinyKey(3))],
    });
    const done = await measure(sweep(out, [1, 2, 3], { resume: true }));
    expect(done.started).toEqual(['3/3 tiny_cnn b3']);
    const file = readResultFile(out);
    expect(file.runs.map((r) => r.config.batch)).toEqual([1, 2, 3]);
    expect(file.interrupted).toBeUndefined();
    expect(file.resumed).toHaveLength(2);
  });

  it('keeps the mark of an interrupted sweep while a smaller resume leaves some of it unmeasured', async () => {
    const out = join(dir, 'partial.json');
    const controller = new AbortController();
    const cut = runBenchmarks(sweep(out, [1, 2, 3, 4]), {
      signal: controller.signal,
      onConfigDone: () => controller.abort('SIGINT'),
    });
    await expect(cut).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    // Resume only batch 2: batches 3 and 4 of the first sweep are still missing.
    const some = await measure(sweep(out, [2], { resume: true }));
    expect(some.started).toEqual(['1/1 tiny_cnn b2']);
    expect(readResultFile(out).interrupted).toEqual({
      signal: 'SIGINT',
      finishedConfigurations: 2,
      plannedConfigurations: 4,
      unfinishedKeys: [expect.stringMatching(tinyKey(3)), expect.stringMatching(tinyKey(4))],
    });
    // Another sweep (other threads) measures other configurations; the old ones stay missing.
    await measure(sweep(out, [3, 4], { resume: true, threads: 1 }));
    expect(readResultFile(out).interrupted?.unfinishedKeys).toHaveLength(2);
    await measure(sweep(out, [3, 4], { resume: true }));
    expect(readResultFile(out).interrupted).toBeUndefined();
  });

  it('the CLI marks kept configurations, sums them up under the table, and exits 0 for an old failure it did not retry', async () => {
    const out = join(dir, 'cli.json');
    const first = await measure(sweep(out, [1, 2]));
    const [b1, b2] = first.file.runs;
    if (!b1 || !b2) throw new Error('expected two runs');
    overwrite(out, {
      ...first.file,
      runs: [b1, { ...b2, status: 'failed', error: 'boom', samplesMs: [] }],
      // An earlier sweep's configuration still missing: the CLI says the file is incomplete.
      interrupted: {
        signal: 'SIGINT',
        finishedConfigurations: 2,
        plannedConfigurations: 3,
        unfinishedKeys: ['x on cpu'],
      },
    });
    // prettier-ignore
    const r = await runCommand(process.execPath, [CLI, '--device', 'cpu', '--model', 'tiny_cnn', '--batch', '1',
      '--duration', '0.1', '--min-iterations', '3', '--warmup', '1', '--out', out, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('[1/1] tiny_cnn b1: kept (--resume)\n');
    expect(r.stdout).toContain(
      `--resume: 1 configuration(s) kept from ${out} as measured before (see their startedAt), 0 measured now; 1 more row(s) from earlier commands outside this one\n`,
    );
    expect(r.stdout).toContain(
      `${out} is still incomplete: 1 configuration(s) of an earlier sweep missing (interrupted.unfinishedKeys); resume with that sweep's --model and --batch\n`,
    );
  });
});

describe('bench run --resume: files it refuses', () => {
  it('refuses --force with it, and needs --out', () => {
    expectBenchError(
      () => parseRunOptions(sweep(join(dir, 'x.json'), [1], { resume: true, force: true })),
      'E_USAGE',
      /^--resume and --force contradict$/,
    );
    const { out: _out, ...noOut } = sweep('unused', [1], { resume: true });
    expectBenchError(() => parseRunOptions(noOut), 'E_USAGE', /^--resume needs --out$/);
  });

  it('names --out and what is wrong when the file is not a result file', async () => {
    const out = join(dir, 'notes.json');
    writeFileSync(out, 'not json');
    await expect(measure(sweep(out, [1], { resume: true }))).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(new RegExp(`^--resume: ${out}: `)),
      hint: 'choose another --out, or replace the file with --force',
    });
  });

  it.each([
    [
      'another CPU',
      (f: ResultFile): ResultFile => ({
        ...f,
        environment: { ...f.environment, cpu: { model: 'Other CPU', logicalCores: 64 } },
      }),
      /was measured on CPU Other CPU \(64 logical cores\), this one is /,
    ],
    [
      'another host',
      (f: ResultFile): ResultFile => ({ ...f, environment: { ...f.environment, hostname: 'elsewhere' } }),
      /was measured on host elsewhere, not on this one/,
    ],
    [
      'another engine version',
      (f: ResultFile): ResultFile => ({
        ...f,
        runs: f.runs.map((r) => ({ ...r, engine: { ...r.engine, version: '0.0.1' } })),
      }),
      /was measured with ort 0\.0\.1; this is \d+\.\d+\.\d+/,
    ],
    [
      'a merged file',
      (f: ResultFile): ResultFile => ({ ...f, sources: [{ file: 'a.json', environment: f.environment }] }),
      /was written by `bench merge`/,
    ],
    [
      'a --gpus file',
      (f: ResultFile): ResultFile => ({
        ...f,
        aggregates: [{ key: 'k', gpuIndices: [0, 1], perGpuSamplesPerS: [1, 1], totalSamplesPerS: 2 }],
      }),
      /was written by a --gpus run/,
    ],
  ])('refuses a file from %s and leaves it as it was', async (name, edit, pattern) => {
    const out = join(dir, `refuse-${name.replace(/\W+/g, '-')}.json`);
    const first = await measure(sweep(out, [1]));
    const edited = edit(first.file);
    overwrite(out, edited);
    const again = measure(sweep(out, [1, 2], { resume: true }));
    await expect(again).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      message: expect.stringMatching(pattern),
      hint: 'measure the missing configurations with another --out and join the files with `bench merge`, or start over with --force',
    });
    expect(readResultFile(out)).toEqual(edited);
  });

  it('refuses --gpus, whose workers each write their own file', async () => {
    await expect(
      runOnGpus(sweep(join(dir, 'gpus.json'), [1], { resume: true }), [0, 1]),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
      message: '--resume cannot continue a --gpus run',
    });
  });

  it('continuedFile adds the command to resumed and keeps the rest', () => {
    const base: ResultFile = {
      ...syntheticFile('a.json', []).data,
      command: 'bench a',
      resumed: [{ at: '2026-01-02T00:00:00.000Z', command: 'bench b' }],
      interrupted: { signal: 'SIGINT', finishedConfigurations: 0, plannedConfigurations: 1 },
    };
    const next = continuedFile(base, 'bench c', new Date('2026-01-03T00:00:00.000Z'));
    expect(next.resumed).toEqual([
      { at: '2026-01-02T00:00:00.000Z', command: 'bench b' },
      { at: '2026-01-03T00:00:00.000Z', command: 'bench c' },
    ]);
    expect(next.interrupted).toEqual(base.interrupted);
    expect(next.runs).not.toBe(base.runs);
    expect(next.command).toBe('bench a');
  });
});

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
import { continuedFile } from '../src/run/resume.js';
import { runBenchmarks } from '../src/run/run.js';
import { expectBenchError } from './bench-error.js';

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

/** Runs `options` and returns the file, the labels of the configurations measured and the notices. */
async function measure(
  options: RunOptionsInput,
  command = 'bench test',
): Promise<{ file: ResultFile; started: string[]; notices: string[] }> {
  const started: string[] = [];
  const notices: string[] = [];
  const { file } = await runBenchmarks(options, {
    command,
    onConfigStart: (i, n, label) => started.push(`${i + 1}/${n} ${label}`),
    onNotice: (line) => notices.push(line),
  });
  return { file, started, notices };
}

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
    expect(second.notices).toContain(`--resume: tiny_cnn at batch 1,2 already measured in ${out}; kept`);
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

  it('measures nothing when everything is there, and still records the resume and drops an old interruption', async () => {
    const out = join(dir, 'complete.json');
    const first = await measure(sweep(out, [1, 2]));
    overwrite(out, {
      ...first.file,
      interrupted: { signal: 'SIGINT', finishedConfigurations: 2, plannedConfigurations: 3 },
    });
    const again = await measure(sweep(out, [2, 1], { resume: true }), 'bench again');
    expect(again.started).toEqual([]);
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
    // Progress counts the kept configurations first.
    expect(again.started).toEqual(['3/3 tiny_cnn b2']);
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

  it('does not count a run with other measurement settings (transfer) as measured', async () => {
    const out = join(dir, 'transfer.json');
    await measure(sweep(out, [1]));
    const again = await measure(sweep(out, [1], { resume: true, transfer: 'exclude' }));
    expect(again.started).toEqual(['1/1 tiny_cnn b1']);
    expect(readResultFile(out).runs.map((r) => r.config.transfer)).toEqual(['include', 'exclude']);
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
      hint: 'to complete it, run the same command again with --resume (instead of --force, if it had that): the finished configurations are kept and only the rest are measured',
    });
    expect(readResultFile(out).interrupted).toEqual({
      signal: 'SIGINT',
      finishedConfigurations: 1,
      plannedConfigurations: 3,
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
    });
    const done = await measure(sweep(out, [1, 2, 3], { resume: true }));
    expect(done.started).toEqual(['3/3 tiny_cnn b3']);
    const file = readResultFile(out);
    expect(file.runs.map((r) => r.config.batch)).toEqual([1, 2, 3]);
    expect(file.interrupted).toBeUndefined();
    expect(file.resumed).toHaveLength(2);
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

  it.each([
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

  it('continuedFile adds the command to resumed and drops the interruption mark', () => {
    const base: ResultFile = {
      schemaVersion: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      command: 'bench a',
      environment: {
        hostname: 'h',
        os: { platform: 'linux', release: '6', arch: 'x64' },
        cpu: { model: 'cpu', logicalCores: 2 },
        memoryBytes: 1,
        node: 'v20',
        tool: { name: 'h100e', version: '0' },
        packages: {},
        gpus: [],
      },
      runs: [],
      resumed: [{ at: '2026-01-02T00:00:00.000Z', command: 'bench b' }],
      interrupted: { signal: 'SIGINT', finishedConfigurations: 0, plannedConfigurations: 1 },
    };
    const next = continuedFile(base, 'bench c', new Date('2026-01-03T00:00:00.000Z'));
    expect(next.resumed).toEqual([
      { at: '2026-01-02T00:00:00.000Z', command: 'bench b' },
      { at: '2026-01-03T00:00:00.000Z', command: 'bench c' },
    ]);
    expect(next.interrupted).toBeUndefined();
    expect(base.interrupted).toBeDefined();
    expect(next.command).toBe('bench a');
  });
});

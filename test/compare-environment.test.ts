import { describe, expect, it } from 'vitest';
import { warningText } from '../src/report/warning-text.js';
import { compareFiles } from '../src/compare/compare.js';
import { environmentWarnings } from '../src/compare/environment-diff.js';
import { BenchError } from '../src/core/errors.js';
import type { RunResult } from '../src/results/schema.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

// Synthetic files (nothing measured): which environment differences compare reports above its table.

const file = syntheticFile;

const cpuRun = syntheticRun({ model: 'm', batch: 1, samplesMs: [10, 10, 10, 10, 10] });
const withEngine = (name: 'ort' | 'tfjs', version: string): RunResult => ({
  ...cpuRun,
  engine: { ...cpuRun.engine, name, version },
});
const onDevice = (actual: 'cpu' | 'webgpu', name: string): RunResult => ({
  ...cpuRun,
  device: { requested: actual, actual, name },
});

describe('environment warnings', () => {
  it('name the onnxruntime settings (--ep-option) two files differ in, and none for defaults left unrecorded', () => {
    const withSettings = (providerOptions: Record<string, unknown>): RunResult => ({
      ...cpuRun,
      engine: { ...cpuRun.engine, providerOptions },
    });
    const older = file('older.json', [withSettings({ intraOpNumThreads: 2 })]); // before settings were recorded
    const all = file('all.json', [withSettings({ graphOptimizationLevel: 'all' })]);
    const off = file('off.json', [
      withSettings({ graphOptimizationLevel: 'disabled', enableMemPattern: false }),
    ]);
    const warned = (a: typeof all, b: typeof all) =>
      environmentWarnings([a, b])
        .map(warningText)
        .filter((w) => w.startsWith('--ep-option'));
    expect(warned(older, all)).toEqual([]);
    // Only the settings whose values differ; one a run did not record had its default.
    expect(warned(all, off)).toEqual([
      '--ep-option differs: all.json "session.graphOptimizationLevel=all session.enableMemPattern=default" vs off.json "session.graphOptimizationLevel=disabled session.enableMemPattern=false"',
    ]);
  });

  it('--ep-option: compared within engine and device, named by the settings that differ in each compared pair', () => {
    const run = (model: string, device: 'cpu' | 'webgpu', providerOptions: Record<string, unknown>) => {
      const r = syntheticRun({
        model,
        batch: 1,
        samplesMs: [10, 10, 10, 10, 10],
        provider: device,
        device: { requested: device, actual: device, name: 'Synthetic' },
      });
      return { ...r, engine: { ...r.engine, providerOptions } };
    };
    const warned = (a: ReturnType<typeof file>, b: ReturnType<typeof file>, ignore: 'provider'[] = []) =>
      compareFiles([a, b], { bootstrapIterations: 50, ignore })
        .warnings.map(warningText)
        .filter((w) => w.startsWith('--ep-option'));
    // A CPU run matched with a WebGPU run (--ignore-key provider): the WebGPU default layout is no
    // --ep-option difference, both ran the same graph optimisation level.
    const cpuFile = file('cpu.json', [run('m', 'cpu', { graphOptimizationLevel: 'all' })]);
    const gpuFile = file('gpu.json', [
      run('m', 'webgpu', { graphOptimizationLevel: 'all', preferredLayout: 'NHWC' }),
    ]);
    expect(warned(cpuFile, gpuFile, ['provider'])).toEqual([]);
    // Two WebGPU runs that differ in the layout alone: only the layout is named.
    const nchw = file('nchw.json', [
      run('m', 'webgpu', { graphOptimizationLevel: 'all', preferredLayout: 'NCHW' }),
    ]);
    expect(warned(gpuFile, nchw)).toEqual([
      '--ep-option differs: gpu.json "webgpu.preferredLayout=NHWC" vs nchw.json "webgpu.preferredLayout=NCHW"',
    ]);
    // Whole files (no matched runs given): a kind that does not differ is left out; where several
    // kinds differ, each value names its kind.
    const both = (level: string, layout: string) =>
      file(`${level}-${layout}.json`, [
        run('m', 'cpu', { graphOptimizationLevel: level }),
        run('m', 'webgpu', { graphOptimizationLevel: 'all', preferredLayout: layout }),
      ]);
    const whole = (a: ReturnType<typeof file>, b: ReturnType<typeof file>) =>
      environmentWarnings([a, b])
        .map(warningText)
        .filter((w) => w.startsWith('--ep-option'));
    expect(whole(both('all', 'NHWC'), both('basic', 'NHWC'))).toEqual([
      '--ep-option differs: all-NHWC.json "session.graphOptimizationLevel=all" vs basic-NHWC.json "session.graphOptimizationLevel=basic"',
    ]);
    expect(whole(both('all', 'NHWC'), both('basic', 'NCHW'))).toEqual([
      '--ep-option differs: all-NHWC.json "ort cpu: session.graphOptimizationLevel=all, ort webgpu: webgpu.preferredLayout=NHWC" vs basic-NCHW.json "ort cpu: session.graphOptimizationLevel=basic, ort webgpu: webgpu.preferredLayout=NCHW"',
    ]);
    // Settings swapped between two models: each compared pair differs, though both files hold both
    // levels; each pair is named.
    const mine = file('a.json', [
      run('m', 'cpu', { graphOptimizationLevel: 'all' }),
      run('n', 'cpu', { graphOptimizationLevel: 'disabled' }),
    ]);
    const theirs = file('b.json', [
      run('m', 'cpu', { graphOptimizationLevel: 'disabled' }),
      run('n', 'cpu', { graphOptimizationLevel: 'all' }),
    ]);
    expect(warned(mine, theirs)).toEqual([
      '--ep-option differs: a.json "session.graphOptimizationLevel=all" vs b.json "session.graphOptimizationLevel=disabled"; a.json "session.graphOptimizationLevel=disabled" vs b.json "session.graphOptimizationLevel=all"',
    ]);
  });

  it('say nothing of a file none of whose runs was compared: its "no configuration in common" line does', () => {
    // base.json and same.json (same host) share model m; other.json (host-c) measured model z only.
    const base = file('base.json', [cpuRun], 'host-a');
    const same = file('same.json', [cpuRun], 'host-a');
    const other = file(
      'other.json',
      [syntheticRun({ model: 'z', batch: 1, samplesMs: [10, 10, 10, 10, 10] })],
      'host-c',
    );
    const c = compareFiles([base, same, other], { bootstrapIterations: 50 });
    expect(c.warnings.map(warningText)).toEqual([
      'base.json and other.json have no configuration in common (they differ in model)',
    ]);
    // Compared as a whole (no matched runs given), the hosts do differ.
    expect(environmentWarnings([base, other]).map(warningText)).toEqual([
      'host differs: base.json "host-a" vs other.json "host-c"',
    ]);
  });

  it('compare engine versions only for engines both files ran', () => {
    const both = file('both.json', [withEngine('ort', '1.30.0'), withEngine('tfjs', '4.22.0')]);
    const ortOnly = file('ort.json', [withEngine('ort', '1.30.0')]);
    expect(
      environmentWarnings([both, ortOnly])
        .map(warningText)
        .filter((w) => w.startsWith('engine')),
    ).toEqual([]);
    const older = file('old.json', [withEngine('ort', '1.29.0')]);
    expect(
      environmentWarnings([both, older])
        .map(warningText)
        .filter((w) => w.startsWith('engine')),
    ).toEqual(['engine version differs: both.json "ort 1.30.0" vs old.json "ort 1.29.0"']);
  });

  it('compare device names only for device kinds both files ran on', () => {
    const mixed = file('mixed.json', [onDevice('cpu', 'EPYC'), onDevice('webgpu', 'llvmpipe')]);
    const cpu = file('cpu.json', [onDevice('cpu', 'EPYC')]);
    expect(
      environmentWarnings([mixed, cpu])
        .map(warningText)
        .filter((w) => w.startsWith('device')),
    ).toEqual([]);
    const otherCpu = file('xeon.json', [onDevice('cpu', 'Xeon')]);
    expect(
      environmentWarnings([mixed, otherCpu])
        .map(warningText)
        .filter((w) => w.startsWith('device')),
    ).toEqual(['device differs: mixed.json "cpu: EPYC" vs xeon.json "cpu: Xeon"']);
  });
});

describe('advice for files with nothing in common', () => {
  it('never suggests --ignore-key scenario when a side ran the server scenario', () => {
    const offline = file('offline.json', [cpuRun]);
    const server = file('server.json', [
      syntheticRun({
        model: 'm',
        batch: 1,
        samplesMs: [10, 10, 10, 10, 10],
        server: { qps: 10, boundMs: 50, achievedQps: 10, met: true },
      }),
    ]);
    let error: unknown;
    try {
      compareFiles([offline, server]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BenchError);
    expect((error as BenchError).message).toBe(
      'offline.json and server.json have no configuration in common (they differ in scenario)',
    );
    expect((error as BenchError).hint).toBe(
      'server-scenario runs compare only with server runs (at the same --qps and bound)',
    );
  });
});

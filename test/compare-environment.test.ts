import { describe, expect, it } from 'vitest';
import { compareFiles } from '../src/compare/compare.js';
import { environmentWarnings } from '../src/compare/environment.js';
import { BenchError } from '../src/errors.js';
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
      environmentWarnings([a, b]).filter((w) => w.startsWith('--ep-option'));
    expect(warned(older, all)).toEqual([]);
    expect(warned(all, off)).toEqual([
      '--ep-option differs: all.json "ort session.graphOptimizationLevel=all" vs off.json "ort session.graphOptimizationLevel=disabled session.enableMemPattern=false"',
    ]);
  });

  it('compare engine versions only for engines both files ran', () => {
    const both = file('both.json', [withEngine('ort', '1.30.0'), withEngine('tfjs', '4.22.0')]);
    const ortOnly = file('ort.json', [withEngine('ort', '1.30.0')]);
    expect(environmentWarnings([both, ortOnly]).filter((w) => w.startsWith('engine'))).toEqual([]);
    const older = file('old.json', [withEngine('ort', '1.29.0')]);
    expect(environmentWarnings([both, older]).filter((w) => w.startsWith('engine'))).toEqual([
      'engine version differs: both.json "ort 1.30.0" vs old.json "ort 1.29.0"',
    ]);
  });

  it('compare device names only for device kinds both files ran on', () => {
    const mixed = file('mixed.json', [onDevice('cpu', 'EPYC'), onDevice('webgpu', 'llvmpipe')]);
    const cpu = file('cpu.json', [onDevice('cpu', 'EPYC')]);
    expect(environmentWarnings([mixed, cpu]).filter((w) => w.startsWith('device'))).toEqual([]);
    const otherCpu = file('xeon.json', [onDevice('cpu', 'Xeon')]);
    expect(environmentWarnings([mixed, otherCpu]).filter((w) => w.startsWith('device'))).toEqual([
      'device differs: mixed.json "cpu: EPYC" vs xeon.json "cpu: Xeon"',
    ]);
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

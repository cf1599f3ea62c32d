/** The table `bench run` prints: scenario cells, the wall-clock marker and the legend under it. */
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../src/results/schema.js';
import { formatRunTable, formatWarningNotes } from '../src/report/run-table.js';
import { env, run } from './estimate-fixtures.js';

const offline = run({ device: 'cpu', samplesPerS: 100, flopsPerImage: 1e9 });
const server = (met: boolean, findPeak: boolean, peak?: number): RunResult => ({
  ...offline,
  config: {
    ...offline.config,
    scenario: 'server',
    qps: 10,
    latencyBoundMs: 50,
    ...(findPeak ? { findPeak } : {}),
  },
  throughput: { samplesPerS: 9.5, ci95: [9, 10], method: 'wall-clock', wallClockSamplesPerS: 9.5 },
  server: {
    targetQps: peak ?? 10,
    achievedQps: 9.5,
    p99Ms: met ? 40 : 80,
    latencyBoundMs: 50,
    met,
    ...(findPeak ? { confirmations: [{ qps: peak ?? 10, p99Ms: met ? 40 : 80, met }] } : {}),
  },
});

describe('bench run table', () => {
  it('names the scenario, and for a server run the rate and whether p99 met the bound', () => {
    const text = formatRunTable(
      [offline, server(true, false), server(false, false), server(true, true, 37)],
      env('CPU'),
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^model +engine\/provider +device +prec +batch +scenario +img\/s ±CI95 /);
    expect(lines[2]).toMatch(/ offline +100\.0 ±0\.0% /);
    expect(lines[3]).toMatch(/ server 10\.0 QPS, p99 met \(≤50\.0 ms\) +9\.500 ±5\.3% wall /);
    expect(lines[4]).toContain(' server 10.0 QPS, p99 MISSED (≤50.0 ms) ');
    expect(lines[5]).toContain(' server peak 37.0 QPS, p99 met (≤50.0 ms) ');
    expect(lines[6]).toBe(
      'img/s: batch x concurrency / median latency, CI95 from order statistics; "wall": completed images over wall time (server runs: it follows --qps)',
    );
  });

  it('says in the device column when the device was software on the CPU, and what was asked', () => {
    const lavapipe: RunResult = {
      ...offline,
      device: {
        requested: 'webgpu',
        actual: 'webgpu',
        name: 'llvmpipe (LLVM 19.1.7, 256 bits)',
        software: true,
      },
    };
    const fellBack: RunResult = {
      ...offline,
      device: { requested: 'cuda', actual: 'cpu', name: 'Synthetic CPU' },
    };
    const lines = formatRunTable([lavapipe, fellBack], env('CPU')).split('\n');
    expect(lines[2]).toContain(' webgpu (software, CPU) ');
    expect(lines[3]).toContain(' cpu (asked cuda) ');
  });

  it('says when a server run was cut short, which LoadGen calls INVALID whatever its p99', () => {
    const run = server(true, false);
    const cut: RunResult = {
      ...run,
      server: { ...(run.server as NonNullable<RunResult['server']>), cutShort: true },
    };
    expect(formatRunTable([cut], env('CPU')).split('\n')[2]).toContain(
      ' server 10.0 QPS, p99 met (≤50.0 ms), cut short: INVALID ',
    );
  });

  it('leaves the wall-clock note out when no row needs it', () => {
    const text = formatRunTable([offline], env('CPU'));
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'img/s: batch x concurrency / median latency, CI95 from order statistics',
    );
  });
});

describe('warning notes under the run table', () => {
  it('lists each code once with its configurations, the first message and the advice', () => {
    const cv = (batch: number, pct: number): RunResult => ({
      ...run({ device: 'cpu', batch, samplesPerS: 100, flopsPerImage: 1e9 }),
      warnings: [
        { code: 'W_HIGH_CV', message: `latency varies (cv ${pct} %).`, advice: 'close other programs' },
        ...(batch === 8 ? [{ code: 'W_ENGINE', message: 'outputs copied to the host' }] : []),
      ],
    });
    expect(formatWarningNotes([cv(1, 12), cv(8, 30)])).toBe(
      'warnings:\n' +
        '  W_HIGH_CV [net b1, net b8]: latency varies (cv 12 %) (e.g. net b1). Advice: close other programs\n' +
        '  W_ENGINE [net b8]: outputs copied to the host\n',
    );
    expect(formatWarningNotes([offline])).toBe('');
  });

  it('names a short sha when the runs hold two versions of one model name, and only then', () => {
    const v1 = run({ device: 'cpu', samplesPerS: 100, flopsPerImage: 1e9, sha: '0123456789abcdef' });
    const v2 = run({ device: 'cpu', samplesPerS: 90, flopsPerImage: 1e9, sha: 'fedcba9876543210' });
    const warned = { ...v2, warnings: [{ code: 'W_HIGH_CV', message: 'varies', advice: 'longer' }] };
    const lines = formatRunTable([v1, warned], env('CPU')).split('\n');
    expect(lines[2]).toMatch(/^net@0123456789ab /);
    expect(lines[3]).toMatch(/^net@fedcba987654 /);
    expect(formatWarningNotes([v1, warned])).toContain('W_HIGH_CV [net@fedcba987654 b1]');
    expect(formatRunTable([v1], env('CPU')).split('\n')[2]).toMatch(/^net /);
    // An fp16 build has another sha but the precision column tells it apart already.
    const half = run({
      device: 'cpu',
      samplesPerS: 90,
      flopsPerImage: 1e9,
      sha: 'fedcba9876543210',
      precision: 'fp16',
    });
    expect(
      formatRunTable([v1, half], env('CPU'))
        .split('\n')
        .slice(2, 4)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['net', 'net']);
  });
});

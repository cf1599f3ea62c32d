/**
 * The report's charts as specs and as SVG: which runs each chart plots, when an axis turns
 * logarithmic, what the captions say, and the text size the SVG is drawn with.
 */
import { describe, expect, it } from 'vitest';
import type { LoadedFile } from '../src/compare/load.js';
import { CHART_WIDTH, FONT, latencyChart, throughputChart } from '../src/export/charts.js';
import { renderSvg } from '../src/export/svg.js';
import type { RunResult, Scenario } from '../src/results/schema.js';
import { syntheticEnv, syntheticRun } from './synthetic.js';

// SYNTHETIC runs with hand-picked latencies: nothing here was measured.

interface Spec {
  model: string;
  batch: number;
  samplesMs: number[];
  scenario?: Scenario;
}

function run({ model, batch, samplesMs, scenario = 'offline' }: Spec): RunResult {
  return syntheticRun({
    model,
    batch,
    samplesMs,
    ...(scenario === 'server'
      ? { server: { qps: 50, boundMs: 40, achievedQps: 49.5, met: true, p99Ms: 30 } }
      : { scenario }),
  });
}

function file(runs: RunResult[]): LoadedFile {
  return {
    path: 'a.json',
    label: 'a.json',
    data: {
      schemaVersion: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      command: 'bench --synthetic',
      environment: syntheticEnv('host-a'),
      runs,
    },
  };
}

const times = (n: number, ms: number): number[] => Array.from({ length: n }, () => ms);

/** The throughput chart's data and its line layer's y encoding. */
function throughputOf(runs: RunResult[]) {
  const chart = throughputChart([file(runs)]);
  const spec = chart?.spec as unknown as {
    data: { values: { batch: number; throughput: number }[] };
    layer: { encoding: { y: { title?: string; scale?: unknown } } }[];
    width: number;
  };
  return { chart, spec, y: spec.layer[0]?.encoding.y };
}

describe('throughput against batch size', () => {
  it('turns the y axis logarithmic when throughputs span more than 20×, and says so', () => {
    // 1000 img/s (1 ms at batch 1) against 10 img/s (100 ms): a factor of 100.
    const { chart, y } = throughputOf([
      run({ model: 'small', batch: 1, samplesMs: times(10, 1) }),
      run({ model: 'big', batch: 1, samplesMs: times(10, 100) }),
    ]);
    expect(y).toMatchObject({ title: 'images / s (log scale)', scale: { type: 'log' } });
    expect(chart?.caption).toBe(
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model, device and file, on a logarithmic axis (the throughputs span more than a factor of 20).',
    );
  });

  it('stays linear within 20×', () => {
    const { chart, y } = throughputOf([
      run({ model: 'small', batch: 1, samplesMs: times(10, 5) }),
      run({ model: 'big', batch: 1, samplesMs: times(10, 50) }),
    ]);
    expect(y).toEqual({ field: 'throughput', type: 'quantitative', title: 'images / s', scale: {} });
    expect(chart?.caption).toBe(
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model, device and file.',
    );
  });

  it('plots offline runs only; single-stream and server runs are left out, and the caption says why', () => {
    const { chart, spec } = throughputOf([
      run({ model: 'm', batch: 1, samplesMs: times(10, 10) }),
      run({ model: 'm', batch: 4, samplesMs: times(10, 20) }),
      run({ model: 'm', batch: 1, samplesMs: times(10, 8), scenario: 'single-stream' }),
      run({ model: 'm', batch: 1, samplesMs: times(10, 9), scenario: 'server' }),
    ]);
    expect(chart?.title).toBe('Throughput against batch size (offline runs)');
    expect(spec.data.values.map((v) => [v.batch, v.throughput])).toEqual([
      [1, 100],
      [4, 200],
    ]);
    expect(chart?.caption).toBe(
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model, device and file. ' +
        '1 server-scenario run is left out (images/s at a set arrival rate is the offered load, not a capacity): see the server runs table. ' +
        '1 single-stream run is left out (single-stream is judged on its p90 latency, one query at a time): see the latency chart.',
    );
  });

  it('is drawn CHART_WIDTH wide with FONT px text (readable in an 800 px window)', async () => {
    const { chart } = throughputOf([run({ model: 'm', batch: 1, samplesMs: times(10, 10) })]);
    if (!chart) throw new Error('no throughput chart');
    const svg = await renderSvg(chart.spec);
    expect(svg).toMatch(new RegExp(`^<svg [^>]*width="${CHART_WIDTH}"`));
    const sizes = new Set([...svg.matchAll(/font-size="(\d+)px"/g)].map((m) => Number(m[1])));
    expect([...sizes]).toEqual([FONT]);
  });
});

describe('latency distributions', () => {
  it('a server run gets ticks at its p99 and at its latency bound', () => {
    const chart = latencyChart([
      file([
        run({ model: 'm', batch: 1, samplesMs: times(10, 10) }),
        run({ model: 'm', batch: 1, samplesMs: times(10, 20), scenario: 'server' }),
      ]),
    ]);
    const spec = chart?.spec as unknown as {
      data: { values: { config: string; kind: string; latency: number }[] };
      vconcat: { layer?: { mark: { type: string; color?: string } }[] }[];
    };
    expect(spec.data.values.filter((v) => v.kind !== 'sample')).toEqual([
      expect.objectContaining({ config: 'b1 server', kind: 'p99', latency: 30 }),
      expect.objectContaining({ config: 'b1 server', kind: 'bound', latency: 40 }),
    ]);
    // One panel (one model, device and file): box plot, black p99 tick, red bound tick.
    expect(spec.vconcat[0]?.layer?.map((l) => [l.mark.type, l.mark.color])).toEqual([
      ['boxplot', undefined],
      ['tick', 'black'],
      ['tick', '#c62828'],
    ]);
    expect(chart?.caption).toBe(
      'Per-iteration latency in ms from each run\u2019s recorded samples: whiskers at min and max, box at the quartiles, tick at the median; one panel per model, device and file. ' +
        'Server runs: a black tick at the p99 latency, a red one at the latency bound it is judged against.',
    );
  });
});

/**
 * The report's charts as specs and as SVG: which runs each chart plots, when an axis turns
 * logarithmic, what the captions say, and the text size the SVG is drawn with.
 */
import { describe, expect, it } from 'vitest';
import type { LoadedFile } from '../src/results/load.js';
import { mergeFiles } from '../src/results/merge.js';
import { CHART_WIDTH, FONT, latencyChart, throughputChart } from '../src/report/charts.js';
import { renderSvg } from '../src/report/svg.js';
import type { RunResult, Scenario } from '../src/results/schema.js';
import { syntheticFile, syntheticRun } from './synthetic.js';

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

const file = (runs: RunResult[], host = 'host-a', label = 'a.json'): LoadedFile =>
  syntheticFile(label, runs, host);

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

describe('series of a file that holds several hosts or model versions', () => {
  const WHO = 'cpu Synthetic CPU (ort/cpu, 2 threads)';
  // host-a: 10 / 20 ms at batch 1 / 4; host-b, the same configurations twice as slow.
  const perHost = (host: string, ms: number): LoadedFile =>
    file(
      [
        run({ model: 'm', batch: 1, samplesMs: times(10, ms) }),
        run({ model: 'm', batch: 4, samplesMs: times(10, 2 * ms) }),
      ],
      host,
      `${host}.json`,
    );
  const m: LoadedFile = {
    path: 'm.json',
    label: 'm.json',
    data: mergeFiles([perHost('host-a', 10), perHost('host-b', 20)], 'bench merge').file,
  };
  const values = <T>(chart: ReturnType<typeof throughputChart>): T[] =>
    (chart?.spec as unknown as { data: { values: T[] } }).data.values;

  it('a merged file of two hosts: one throughput line and one latency panel per host, named in the label', () => {
    const t = throughputChart([m]);
    expect(
      values<{ series: string; batch: number; throughput: number }>(t).map((v) => [
        v.series,
        v.batch,
        v.throughput,
      ]),
    ).toEqual([
      [`m fp32 · ${WHO} · host host-a · m.json`, 1, 100],
      [`m fp32 · ${WHO} · host host-a · m.json`, 4, 200],
      [`m fp32 · ${WHO} · host host-b · m.json`, 1, 50],
      [`m fp32 · ${WHO} · host host-b · m.json`, 4, 100],
    ]);
    expect(t?.caption).toBe(
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model, device, host and file.',
    );
    const l = latencyChart([m]);
    const samples = values<{ series: string; config: string; latency: number }>(l);
    // Each host's box holds its own ten samples: none pooled with the other host's.
    const boxes = new Map<string, number[]>();
    for (const v of samples)
      boxes.set(`${v.series} | ${v.config}`, [...(boxes.get(`${v.series} | ${v.config}`) ?? []), v.latency]);
    expect([...boxes].map(([k, xs]) => [k, xs.length, Math.min(...xs), Math.max(...xs)])).toEqual([
      [`m fp32 · ${WHO} · host host-a · m.json | b1`, 10, 10, 10],
      [`m fp32 · ${WHO} · host host-a · m.json | b4`, 10, 20, 20],
      [`m fp32 · ${WHO} · host host-b · m.json | b1`, 10, 20, 20],
      [`m fp32 · ${WHO} · host host-b · m.json | b4`, 10, 40, 40],
    ]);
    expect((l?.spec as unknown as { vconcat: unknown[] }).vconcat).toHaveLength(2);
    expect(l?.caption).toBe(
      'Per-iteration latency in ms from each run\u2019s recorded samples: whiskers at min and max, box at the quartiles, tick at the median; one panel per model, device, host and file.',
    );
  });

  it('only the merged file names hosts: a one-host file beside it keeps its short label', () => {
    const t = throughputChart([perHost('host-c', 10), m]);
    expect([...new Set(values<{ series: string }>(t).map((v) => v.series.replace(/\n/g, ' ')))]).toEqual([
      `m fp32 · ${WHO} · host-c.json`,
      `m fp32 · ${WHO} · host host-a · m.json`,
      `m fp32 · ${WHO} · host host-b · m.json`,
    ]);
  });

  it('two model files of one name in a file: the label names each short sha; one version keeps the name alone', () => {
    const zoo = (shaChar: string, ms: number): RunResult =>
      syntheticRun({ model: 'm', batch: 1, samplesMs: times(10, ms), shaChar });
    const two = file([zoo('a', 10), zoo('b', 20), run({ model: 'n', batch: 1, samplesMs: times(10, 5) })]);
    const series = values<{ series: string; throughput: number }>(throughputChart([two])).map((v) => [
      v.series.replace(/\n/g, ' '),
      v.throughput,
    ]);
    expect(series).toEqual([
      [`m@aaaaaaaaaaaa fp32 · ${WHO} · a.json`, 100],
      [`m@bbbbbbbbbbbb fp32 · ${WHO} · a.json`, 50],
      [`n fp32 · ${WHO} · a.json`, 200],
    ]);
    expect(throughputChart([two])?.caption).toBe(
      'Images per second as each run reported it (error bars: its 95 % CI); one line per model version, device and file.',
    );
    const panels = new Set(values<{ series: string }>(latencyChart([two])).map((v) => v.series));
    expect([...panels]).toEqual([
      `m@aaaaaaaaaaaa fp32 · ${WHO} · a.json`,
      `m@bbbbbbbbbbbb fp32 · ${WHO} · a.json`,
      `n fp32 · ${WHO} · a.json`,
    ]);
  });
});

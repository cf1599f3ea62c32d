import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { warningText } from '../src/report/warning-text.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { compareCommand, reportCommand } from '../src/report/commands.js';
import type { LoadedFile } from '../src/results/load.js';
import { COMPARISON_CSV_COLUMNS, CSV_COLUMNS, csvExporter } from '../src/report/csv.js';
import type { ReportDocument } from '../src/report/exporter.js';
import { h100eCells } from '../src/estimate/estimate.js';
import type { RunResult } from '../src/results/schema.js';
import { syntheticEnv, syntheticFile, syntheticRun } from './synthetic.js';

const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
const dir = mkdtempSync(join(tmpdir(), 'h100e-csv-'));

function doc(files: LoadedFile[]): ReportDocument {
  return {
    title: 't',
    files,
    comparison: null,
    warnings: [],
    sections: { runs: true, environments: true },
    generatedAt: '2026-01-01T00:00:00.000Z',
    // As bench report does: the H100e is estimated before rendering.
    h100e: new Map(files.flatMap((f) => [...h100eCells(f.data)])),
  };
}

/** The CSV as rows of header → cell, read back by a real CSV parser. */
async function rowsOf(files: LoadedFile[]): Promise<Record<string, string>[]> {
  const text = await csvExporter.render(doc(files));
  return parse(text, { columns: true }) as Record<string, string>[];
}

// Five identical 10 ms batch-1 iterations: a median of 10 ms, so exactly 100 img/s.
const steady = (model: string, extra: Partial<Parameters<typeof syntheticRun>[0]> = {}): RunResult =>
  syntheticRun({ model, batch: 1, samplesMs: [10, 10, 10, 10, 10], ...extra });

describe('CSV export', () => {
  it('writes one row per run, every column named after its run field, numbers unrounded', async () => {
    const text = await csvExporter.render(doc([syntheticFile('a.json', [steady('m')])]));
    const [header, row, end] = text.split('\n');
    expect(header).toBe(CSV_COLUMNS.map((c) => c.header).join(','));
    expect(end).toBe('');
    const rows = await rowsOf([syntheticFile('a.json', [steady('m')])]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      file: 'a.json',
      host: 'synthetic-host',
      status: 'ok',
      'model.name': 'm',
      'model.sha256': 'a'.repeat(64),
      'model.macsPerImage': '1000000',
      'engine.provider': 'cpu',
      'device.actual': 'cpu',
      'device.software': 'false',
      'gpu.driverVersion': '',
      'config.batch': '1',
      'throughput.samplesPerS': '100',
      'latency.medianMs': '10',
      'latency.p99Ms': '10',
      'server.met': '',
      // A made-up CPU the catalog and this machine do not know: no figure.
      h100e: '',
      warnings: '',
    });
    expect(row?.split(',')).toHaveLength(CSV_COLUMNS.length);
  });

  it('quotes commas and quotes, and escapes cells a spreadsheet would run as formulas', async () => {
    const failed: RunResult = {
      ...steady('=HYPERLINK("http://x","y")'),
      status: 'failed',
      error: 'out of memory, "CUDA" said',
      throughput: undefined,
      latency: undefined,
    };
    const rows = await rowsOf([syntheticFile('a.json', [failed])]);
    expect(rows[0]?.['model.name']).toBe(`'=HYPERLINK("http://x","y")`);
    expect(rows[0]?.error).toBe('out of memory, "CUDA" said');
    expect(rows[0]?.status).toBe('failed');
    expect(rows[0]?.['throughput.samplesPerS']).toBe('');
  });

  it('names the GPU driver of a GPU run, the warning codes, and the server outcome', async () => {
    const gpu = steady('m', {
      provider: 'cuda',
      device: { requested: 'cuda', actual: 'cuda', name: 'NVIDIA H100', gpuIndex: 1 },
      warnings: [
        { code: 'W_HIGH_CV', message: 'noisy' },
        { code: 'W_OUTLIERS', message: 'some' },
      ],
    });
    const server = steady('m', { server: { qps: 50, boundMs: 15, achievedQps: 49.5, met: true } });
    const file = syntheticFile('g.json', [gpu, server]);
    file.data.environment.gpus = [
      { index: 0, name: 'NVIDIA H100', driverVersion: '570.1' },
      { index: 1, name: 'NVIDIA H100', driverVersion: '570.2' },
    ];
    const [g, s] = await rowsOf([file]);
    expect(g).toMatchObject({
      'device.actual': 'cuda',
      'device.gpuIndex': '1',
      'gpu.driverVersion': '570.2',
      // The H100 is the unit: its spec figure is 1 by both Epoch rules.
      h100e: '1',
      'h100e.method': 'spec',
      warnings: 'W_HIGH_CV; W_OUTLIERS',
    });
    expect(s).toMatchObject({
      'config.scenario': 'server',
      'server.targetQps': '50',
      'server.achievedQps': '49.5',
      'server.latencyBoundMs': '15',
      'server.met': 'true',
    });
  });

  it("gives each run of a merged file its own source's host", async () => {
    const file = syntheticFile('merged.json', [
      { ...steady('m'), sourceIndex: 1 },
      { ...steady('n'), sourceIndex: 0 },
    ]);
    file.data.sources = [
      { file: 'a.json', environment: syntheticEnv('host-a') },
      { file: 'b.json', environment: syntheticEnv('host-b') },
    ];
    expect((await rowsOf([file])).map((r) => [r['model.name'], r.host])).toEqual([
      ['m', 'host-b'],
      ['n', 'host-a'],
    ]);
  });
});

describe('bench report --csv', () => {
  it('writes the runs of every file, or prints them with -', async () => {
    const csv = join(dir, 'runs.csv');
    const r = await reportCommand([fx('base.json'), fx('new.json')], { csv });
    expect(r.written).toEqual([csv]);
    const rows = parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
    const runs = (name: string): number =>
      (JSON.parse(readFileSync(fx(name), 'utf8')) as { runs: unknown[] }).runs.length;
    expect(rows).toHaveLength(runs('base.json') + runs('new.json'));
    expect(new Set(rows.map((row) => row.file))).toEqual(new Set(['base.json', 'new.json']));
    const out = await reportCommand([fx('base.json')], { csv: '-' });
    expect(out.written).toEqual([]);
    expect(out.stdout.split('\n')[0]).toBe(CSV_COLUMNS.map((c) => c.header).join(','));
  });

  it('refuses --csv naming the --markdown file, or an existing file without --force', async () => {
    const md = join(dir, 'both.md');
    await expect(reportCommand([fx('base.json')], { markdown: md, csv: md })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: `--markdown and --csv both name ${md}`,
    });
    const csv = join(dir, 'kept.csv');
    writeFileSync(csv, 'keep me');
    await expect(reportCommand([fx('base.json')], { csv })).rejects.toThrow(
      /^--csv .*kept\.csv already exists$/,
    );
    expect(readFileSync(csv, 'utf8')).toBe('keep me');
  });
});

describe('bench compare --csv', () => {
  it('writes a row per configuration and later file, with the verdict, ratio, CI and p unrounded', async () => {
    const out = await compareCommand([fx('base.json'), fx('new.json')], { format: 'csv' });
    const rows = parse(out.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(COMPARISON_CSV_COLUMNS.map((c) => c.header));
    // The fixtures' tiny_cnn batch 1 takes 10 ms in base.json and 8 ms in new.json: 100 and 125 img/s.
    const b1 = rows.find((r) => r.model === 'tiny_cnn' && r.batch === '1');
    expect(b1).toMatchObject({
      baseFile: 'base.json',
      file: 'new.json',
      'base.throughputPerS': '100',
      throughputPerS: '125',
      verdict: 'faster',
      ratio: '1.25',
      ratioBasis: 'median-throughput',
      reason: '',
    });
    expect(Number(b1?.pValue)).toBeLessThan(0.05);
    const failed = rows.find((r) => r.model === 'tiny_cnn' && r.batch === '8');
    expect(failed).toMatchObject({ verdict: 'not-comparable', reason: 'failed in new.json', ratio: '' });
    // Warnings are not in the CSV: the command returns them for stderr.
    expect(out.warnings.map(warningText)).toContain('host differs: base.json "host-a" vs new.json "host-b"');
  });

  it('ends with a row per configuration that not every file holds, its measured columns empty', async () => {
    const out = await compareCommand([fx('base.json'), fx('multi-batch.json')], { format: 'csv' });
    const rows = parse(out.stdout, { columns: true }) as Record<string, string>[];
    const unmatched = rows.filter((r) => r.verdict === 'unmatched');
    const baseOnly = unmatched.find((r) => r.key?.startsWith('only_in_base@'));
    expect(baseOnly).toMatchObject({ baseFile: 'base.json', file: '', reason: 'only in base.json' });
    const newOnly = unmatched.find((r) => r.key?.startsWith('tiny_cnn@') && r.key.includes('|b2|'));
    expect(newOnly).toMatchObject({
      baseFile: 'base.json',
      file: 'multi-batch.json',
      reason: 'only in multi-batch.json',
    });
    for (const r of unmatched)
      expect([r.ratio, r.throughputPerS, r['base.throughputPerS'], r.model]).toEqual(['', '', '', '']);
    // The same keys as the JSON's unmatched list, after the compared rows.
    const json = await compareCommand([fx('base.json'), fx('multi-batch.json')], { format: 'json' });
    const expected = (JSON.parse(json.stdout) as { comparison: { unmatched: { key: string }[] } }).comparison
      .unmatched;
    expect(unmatched.map((r) => r.key)).toEqual(expected.map((u) => u.key));
    expect(rows.slice(-unmatched.length)).toEqual(unmatched);
  });
});

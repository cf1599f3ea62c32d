/**
 * Every command that prints results has --json: merge, report and models export print what they
 * wrote as JSON (the others already did), and report refuses --json beside a report on stdout.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { readResultFile } from '../src/results/io.js';
import { runInProcess } from './cli-in-process.js';

const bench = (...args: string[]) => runInProcess(buildProgram(), args);
const fixture = join(import.meta.dirname, 'fixtures', 'results', 'base.json');
const dir = mkdtempSync(join(tmpdir(), 'h100e-json-'));

describe('--json on the commands that write files', () => {
  it('bench merge --json prints the merged file, its runs and sources', async () => {
    const out = join(dir, 'merged.json');
    const r = await bench('merge', fixture, '--out', out, '--json');
    expect(r.error).toBeNull();
    const runs = readResultFile(out).runs.length;
    expect(JSON.parse(r.stdout)).toEqual({ out, runs, sources: 1, warnings: [] });
    expect(runs).toBeGreaterThan(0);
  });

  it('bench report --json prints the files written, and refuses a report on stdout beside it', async () => {
    const md = join(dir, 'report.md');
    const r = await bench('report', fixture, '--markdown', md, '--json');
    expect(r.error).toBeNull();
    expect(JSON.parse(r.stdout)).toEqual({ written: [md], warnings: [] });
    const both = await bench('report', fixture, '--markdown', '-', '--json');
    expect(both.error).toMatchObject({
      code: 'E_USAGE',
      message: '--json and --markdown -: both would print to stdout',
    });
  });

  it('bench models export --json prints the path, model, precision, seed and size', async () => {
    const out = join(dir, 'tiny.onnx');
    process.env.H100E_CACHE_DIR = join(dir, 'cache');
    const r = await bench('models', 'export', 'tiny_cnn', '--seed', '3', '--out', out, '--json');
    expect(r.error).toBeNull();
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ path: out, name: 'tiny_cnn', precision: 'fp32', seed: 3 });
    expect(info.bytes).toBeGreaterThan(1000);
  });
});

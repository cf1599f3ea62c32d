/**
 * Guards on what commands read and write: result-file bounds, outputs that would overwrite inputs,
 * unwritable targets found before the work, input errors with a hint and a safe excerpt, `-` for
 * stdout, --as on CPU runs, crash-safe model caching and commander's missing-input hints.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { mergeCommand, reportCommand } from '../src/report/commands.js';
import { exportZooModel } from '../src/analyze/zoo-export.js';
import { escapeMarkdown } from '../src/report/escape.js';
import { markdownExporter } from '../src/report/markdown.js';
import { estimateFile } from '../src/estimate/estimate.js';
import { loadScenario } from '../src/fleet/fleet.js';
import { checkOutFile, excerpt, readResultFile, tempPathFor } from '../src/results/io.js';
import { ResultFileSchema, type ResultFile } from '../src/results/schema.js';
import { zooCacheFileName, zooModelPath } from '../models/cache.js';
import { thrownBenchError } from './bench-error.js';
import { runInProcess } from './cli-in-process.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
const dir = mkdtempSync(join(tmpdir(), 'h100e-guards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = (): ResultFile => JSON.parse(readFileSync(fixture('base.json'), 'utf8')) as ResultFile;
const RESULT_HINT = 'pass a result file written by `bench run --out`';

describe('result schema bounds', () => {
  it('rejects negative throughput, latencies and counts, naming the field', () => {
    const file = base();
    const run = file.runs[0]!;
    const cases: [string, (r: typeof run) => void][] = [
      ['runs.0.throughput.samplesPerS', (r) => (r.throughput!.samplesPerS = -5)],
      ['runs.0.throughput.ci95.0', (r) => (r.throughput!.ci95 = [-1, 2])],
      ['runs.0.latency.p99Ms', (r) => (r.latency!.p99Ms = -0.1)],
      ['runs.0.latency.count', (r) => (r.latency!.count = 1.5)],
      ['runs.0.samplesMs.0', (r) => (r.samplesMs[0] = -2)],
      ['runs.0.config.batch', (r) => (r.config.batch = 0)],
      ['runs.0.measuredDurationS', (r) => (r.measuredDurationS = -1)],
    ];
    for (const [field, mutate] of cases) {
      const copy = structuredClone(file);
      mutate(copy.runs[0]!);
      const path = join(dir, 'bad-bounds.json');
      writeFileSync(path, JSON.stringify(copy));
      expect(thrownBenchError(() => readResultFile(path)).message).toMatch(
        new RegExp(`^${path}: schema version 1, field "${field.replace(/\./g, '\\.')}": `),
      );
    }
  });

  it('keeps 0 valid (statistics of zero samples, unknown params)', () => {
    const file = base();
    file.runs[0]!.model.params = 0;
    file.runs[0]!.throughput!.samplesPerS = 0;
    expect(ResultFileSchema.safeParse({ ...file, schemaVersion: 2 }).success).toBe(true);
  });

  it('accepts every committed result file', () => {
    const root = join(import.meta.dirname, '..');
    const files = execFileSync('git', ['ls-files', 'results/*.json', 'test/fixtures/*.json'], { cwd: root })
      .toString()
      .trim()
      .split('\n');
    let checked = 0;
    for (const f of files) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(join(root, f), 'utf8'));
      } catch {
        continue; // the not-JSON fixture
      }
      const version =
        typeof raw === 'object' && raw !== null
          ? (raw as { schemaVersion?: unknown }).schemaVersion
          : undefined;
      if (version !== 1 && version !== 2) continue; // the JSON Schema, anchors, parity, the future-version fixture
      // Migrating version 1 to 2 only renumbers it (io.ts migrate).
      const parsed = ResultFileSchema.safeParse({ ...(raw as object), schemaVersion: 2 });
      expect(parsed.success ? f : `${f}: ${parsed.error.issues[0]?.path.join('.')}`).toBe(f);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(9);
  });
});

describe('outputs that are inputs', () => {
  it('report --html / --markdown and merge --out refuse an input file, even with --force', async () => {
    const input = join(dir, 'in.json');
    writeFileSync(input, readFileSync(fixture('base.json')));
    const before = readFileSync(input, 'utf8');
    await expect(reportCommand([input], { html: input, force: true })).rejects.toThrow(
      expect.objectContaining({
        code: 'E_USAGE',
        message: `--html ${input} is the input file ${input}`,
        hint: 'give --html a new file name; the command would overwrite its own input',
      }),
    );
    await expect(
      reportCommand([fixture('new.json'), input], { markdown: join(dir, '.', 'in.json'), force: true }),
    ).rejects.toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/^--markdown /) }),
    );
    expect(() => mergeCommand([input], input, 'bench merge', { force: true })).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: `--out ${input} is the input file ${input}` }),
    );
    expect(readFileSync(input, 'utf8')).toBe(before);
  });
});

describe('checkOutFile', () => {
  it('names a regular file standing where the folder should be', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const e = thrownBenchError(() => checkOutFile(join(file, 'sub', 'r.json'), { flag: '--html' }));
    expect(e.code).toBe('E_UNWRITABLE');
    expect(e.message).toBe(`--html ${join(file, 'sub', 'r.json')}: ${file} is a file, not a folder`);
    expect(e.hint).toBe('give --html a path inside a folder');
  });

  it('creates a file to test the folder (access() says yes to root on /proc) and leaves nothing', () => {
    const e = thrownBenchError(() => checkOutFile('/proc/h100e-r.json'));
    expect(e.code).toBe('E_UNWRITABLE');
    expect(e.message).toMatch(/^--out \/proc\/h100e-r\.json: cannot create a file in \/proc \(/);
    const ok = join(dir, 'probe-dir');
    mkdirSync(ok);
    checkOutFile(join(ok, 'r.json'));
    expect(readdirSync(ok)).toEqual([]);
  });
});

describe('input errors', () => {
  it('give a hint for a missing file, a folder, an empty file and bad JSON', () => {
    const missing = thrownBenchError(() => readResultFile(join(dir, 'nope.json')));
    expect([missing.code, missing.hint]).toEqual(['E_FILE_NOT_FOUND', `check the path, or ${RESULT_HINT}`]);
    const folder = thrownBenchError(() => readResultFile(dir));
    expect([folder.code, folder.message, folder.hint]).toEqual([
      'E_BAD_INPUT',
      `${dir} is a folder, not a file`,
      RESULT_HINT,
    ]);
    writeFileSync(join(dir, 'empty.json'), ' \n');
    const empty = thrownBenchError(() => readResultFile(join(dir, 'empty.json')));
    expect([empty.code, empty.message, empty.hint]).toEqual([
      'E_FILE_CORRUPT',
      `${join(dir, 'empty.json')}: the file is empty`,
      RESULT_HINT,
    ]);
    writeFileSync(join(dir, 'ml.json'), 'line1\nline2 {');
    const ml = thrownBenchError(() => readResultFile(join(dir, 'ml.json')));
    expect([ml.message, ml.hint]).toEqual([
      `${join(dir, 'ml.json')}: not valid JSON (Unexpected token 'l'); it starts with "line1\\nline2 {"`,
      RESULT_HINT,
    ]);
  });

  it('escapes and shortens binary input to one line', () => {
    const bin = join(dir, 'garbage.onnx');
    writeFileSync(
      bin,
      Buffer.from([8, 8, 0x12, 5, ...Buffer.from('h100e'), 0, 1, ...Buffer.alloc(200, 0x41)]),
    );
    const e = thrownBenchError(() => readResultFile(bin));
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.message).toBe(
      `${bin}: binary data, not a text file (it starts with "\\b\\b\\u0012\\u0005h100e\\u0000\\u0001AA"...)`,
    );
    expect(thrownBenchError(() => loadScenario(bin)).hint).toBe(
      'pass the text file (JSON or YAML) the command expects',
    );
  });

  it('excerpt never exceeds its length, never splits an escape, and says when it cut', () => {
    expect(excerpt('ok')).toBe('"ok"');
    expect(excerpt('a'.repeat(58))).toBe(`"${'a'.repeat(58)}"`);
    expect(excerpt('a'.repeat(59))).toBe(`"${'a'.repeat(55)}"...`);
    expect(excerpt(`${'a'.repeat(50)}\u0000\u0000`, 60)).toBe(`"${'a'.repeat(50)}"...`);
    expect(excerpt('x\u007f\ufffd"')).toBe('"x\\u007f\\ufffd\\""');
  });
});

describe('fleet scenario kind and version', () => {
  it('says a newer scenario version needs a newer tool', () => {
    const path = join(dir, 'v7.yaml');
    writeFileSync(path, 'scenarioVersion: 7\nname: x\nitems: []\n');
    expect(thrownBenchError(() => loadScenario(path)).message).toBe(
      `${path}: field "scenarioVersion": scenario version 7 is newer than this tool understands (1); upgrade h100e to read it`,
    );
  });

  it('recognises a result file passed as a scenario', () => {
    expect(thrownBenchError(() => loadScenario(fixture('base.json'))).message).toBe(
      `${fixture('base.json')}: this is a result file (bench run output), not a fleet scenario; see README 'Fleet scenarios'`,
    );
  });
});

describe('markdown escaping', () => {
  it('leaves apostrophes and quotes as they are and escapes entities after backslashes', () => {
    expect(escapeMarkdown("the model's typical speed")).toBe("the model's typical speed");
    expect(escapeMarkdown('say "hi" & #1 <b>')).toBe('say "hi" &amp; \\#1 &lt;b&gt;');
  });

  it('renders a warning with an apostrophe without a literal entity', async () => {
    const md = await markdownExporter.render({
      title: 'T',
      files: [],
      comparison: null,
      warnings: [{ code: 'W_TEST', message: "the median shows the model's typical speed" }],
      sections: { runs: false, environments: false },
      generatedAt: '2026-01-01T00:00:00.000Z',
      h100e: new Map(),
    });
    expect(md).toContain("> **Warning:** the median shows the model's typical speed\n");
    expect(md).not.toContain('&#39;');
  });
});

describe('report to stdout', () => {
  it("'-' writes the report to stdout, not to a file named -", async () => {
    const r = await reportCommand([fixture('base.json')], { markdown: '-' });
    expect(r.written).toEqual([]);
    expect(r.stdout.startsWith('## h100e benchmark report\n')).toBe(true);
    const cli = await runInProcess(buildProgram(), ['report', fixture('base.json'), '--markdown', '-']);
    expect(cli.error).toBeNull();
    expect(cli.stdout.startsWith('## h100e benchmark report\n')).toBe(true);
    expect(cli.stdout).toContain(`<sub>Sources: ${escapeMarkdown(fixture('base.json'))}; generated `);
    expect(cli.stdout).not.toContain('wrote');
  });
});

describe('estimate --as', () => {
  it('refuses a file with no GPU run, in one line naming the flag', async () => {
    const e = thrownBenchError(() => estimateFile(base(), 'base.json', { as: 'A100' }));
    expect([e.code, e.message, e.hint]).toEqual([
      'E_USAGE',
      '--as A100: base.json has no GPU run (all 5 runs measured on the CPU); --as applies to GPU runs only',
      'drop --as; CPU runs get CPU estimates (run bench estimate on the machine that measured them)',
    ]);
    const soft = base();
    soft.runs = [{ ...soft.runs[0]!, device: { ...soft.runs[0]!.device, actual: 'webgpu', software: true } }];
    expect(thrownBenchError(() => estimateFile(soft, 's.json', { as: 'A100' })).message).toBe(
      '--as A100: s.json has no GPU run (its run measured on the CPU or a GPU emulated in software); --as applies to GPU runs only',
    );
    const cli = await runInProcess(buildProgram(), ['estimate', fixture('base.json'), '--as', 'A100']);
    expect(cli.error).toMatchObject({
      code: 'E_USAGE',
      message: `--as A100: ${fixture('base.json')} has no GPU run (all 5 runs measured on the CPU); --as applies to GPU runs only`,
    });
    expect(cli.stdout).toBe('');
  });
});

describe('model files', () => {
  it('the cache rebuilds an empty or short cached model', () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const path = join(cache, zooCacheFileName('tiny_cnn', 'fp32', 0));
    writeFileSync(path, '');
    expect(zooModelPath('tiny_cnn', { precision: 'fp32', cacheDir: cache })).toBe(path);
    expect(statSync(path).size).toBeGreaterThan(1000);
    expect(readdirSync(cache)).toEqual([zooCacheFileName('tiny_cnn', 'fp32', 0)]);
  });

  it('models export leaves only the model (hidden temp renamed away)', () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const outDir = mkdtempSync(join(dir, 'out-'));
    const r = exportZooModel({
      name: 'tiny_cnn',
      precision: 'fp32',
      seed: 0,
      out: join(outDir, 'm.onnx'),
      cacheDir: cache,
    });
    expect(readdirSync(outDir)).toEqual(['m.onnx']);
    expect(r.bytes).toBe(statSync(join(cache, zooCacheFileName('tiny_cnn', 'fp32', 0))).size);
  });
});

describe('temporary names', () => {
  it('differ for every call, also within one millisecond', () => {
    const names = Array.from({ length: 50 }, () => tempPathFor(join('r', 'x.json')));
    expect(new Set(names).size).toBe(50);
    for (const name of names) {
      expect(name).toMatch(new RegExp(`^r/\\.x\\.json\\.${process.pid}\\.\\d+\\.\\d+\\.tmp$`));
    }
  });
});

describe('commander errors and merge wording', () => {
  it('a missing argument or required option gets a usage hint', async () => {
    const compare = await runInProcess(buildProgram(), ['compare', fixture('base.json')]);
    expect(compare.stderr).toBe(
      "error: missing required argument 'new'\n  hint: usage: bench compare [options] <base> <new...> (see bench compare --help)\n",
    );
    const exp = await runInProcess(buildProgram(), ['models', 'export', 'resnet18']);
    expect(exp.stderr).toBe(
      "error: required option '--out <file>' not specified\n  hint: pass --out <file> (usage: bench models export [options] <name>; see bench models export --help)\n",
    );
  });

  it('merge counts in the singular for one', async () => {
    const one = base();
    one.runs = one.runs.slice(0, 1);
    const input = join(dir, 'one.json');
    writeFileSync(input, JSON.stringify(one));
    const out = join(dir, 'one-merged.json');
    const cli = await runInProcess(buildProgram(), ['merge', input, '--out', out]);
    expect(cli.stdout).toBe(`merged 1 run from 1 source into ${out}\n`);
  });
});

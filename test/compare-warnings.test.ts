/**
 * What `bench compare` and `bench report` say about the runs they compare: the warnings `bench run`
 * recorded for each run, and the --ignore-key fields whose values differ between matched runs.
 */
import { warningText } from '../src/report/warning-text.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCommand, reportCommand } from '../src/report/commands.js';
import { compareFiles, type Comparison } from '../src/compare/compare.js';
import { loadResultFiles } from '../src/results/load.js';
import { escapeHtml, escapeMarkdown } from '../src/report/escape.js';
import { comparisonTables } from '../src/report/rows.js';
import { writeResultFile } from '../src/results/io.js';
import type { RunResult, RunWarning } from '../src/results/schema.js';
import { syntheticEnv, syntheticRun } from './synthetic.js';

// SYNTHETIC runs with hand-picked latencies and hand-written warnings: nothing here was measured.

const dir = mkdtempSync(join(tmpdir(), 'h100e-compare-warnings-'));

const FP16: RunWarning = {
  code: 'W_FP16_ON_CPU',
  message: 'fp16 on the CPU provider computes in fp32',
  advice: 'use --precision fp32 on CPU',
};
const cv = (pct: string): RunWarning => ({
  code: 'W_HIGH_CV',
  message: `latency varies a lot: cv ${pct} % (above 5 %)`,
  advice: 'close other programs',
});

interface Spec {
  precision: 'fp32' | 'fp16';
  batch: number;
  samplesMs: number[];
  warnings?: RunWarning[];
}

function run({ precision, batch, samplesMs, warnings = [] }: Spec): RunResult {
  // The fp16 model is another file: another sha256.
  return syntheticRun({
    model: 'tiny_cnn',
    batch,
    samplesMs,
    precision,
    shaChar: precision === 'fp32' ? 'a' : 'b',
    warnings,
  });
}

/** n values from `start` in steps of 0.1 ms. */
const ramp = (n: number, start: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.round((start + i * 0.1) * 10) / 10);

function write(name: string, runs: RunResult[]): string {
  const path = join(dir, name);
  writeResultFile(path, {
    schemaVersion: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    command: `bench --synthetic --out ${name}`,
    environment: syntheticEnv('host-a'),
    runs,
  });
  return path;
}

// fp32: a noisy batch 1; fp16: both runs carry the W_FP16_ON_CPU warning, batch 4 is noisy too.
const fp32 = write('fp32.json', [
  run({ precision: 'fp32', batch: 1, samplesMs: ramp(10, 10), warnings: [cv('6.0')] }),
  run({ precision: 'fp32', batch: 4, samplesMs: ramp(10, 30) }),
]);
const fp16 = write('fp16.json', [
  run({ precision: 'fp16', batch: 1, samplesMs: ramp(10, 14), warnings: [FP16] }),
  run({ precision: 'fp16', batch: 4, samplesMs: ramp(10, 40), warnings: [FP16, cv('7.0')] }),
]);
const IGNORE = ['precision', 'sha256'] as const;
const KEY32 = (batch: number): string => `tiny_cnn@aaaaaaaaaaaa|ort|cpu|fp32|b${batch}|offline|c1|t2`;
const KEY16 = (batch: number): string => `tiny_cnn@bbbbbbbbbbbb|ort|cpu|fp16|b${batch}|offline|c1|t2`;

function compare(): Comparison {
  const { files } = loadResultFiles([fp32, fp16], { emptyIs: 'error' });
  return compareFiles(files, { ignore: [...IGNORE], bootstrapIterations: 200 });
}

/** The notes every comparison of fp32.json and fp16.json lists under its table, in plain text. */
const NOTES = {
  intro: '⚠ marks a run for which bench run recorded warnings:',
  items: [
    {
      text: 'W_FP16_ON_CPU (fp16.json: both runs): fp16 on the CPU provider computes in fp32. Advice: use --precision fp32 on CPU.',
      details: [],
    },
    {
      text: 'W_HIGH_CV (2 runs): Advice: close other programs.',
      details: [
        `fp32.json: ${KEY32(1)}: latency varies a lot: cv 6.0 % (above 5 %).`,
        `fp16.json: ${KEY16(4)}: latency varies a lot: cv 7.0 % (above 5 %).`,
      ],
    },
  ],
};

describe('--ignore-key fields that differ', () => {
  it('each gives a warning naming both values; sha256 is "model file"', () => {
    expect(compare().warnings.map(warningText)).toEqual([
      'model file differs: fp32.json "tiny_cnn@aaaaaaaaaaaa" vs fp16.json "tiny_cnn@bbbbbbbbbbbb"',
      'precision differs: fp32.json "fp32" vs fp16.json "fp16"',
    ]);
  });

  it('rows show the real values instead of `*`; the key keeps the `*` for matching', () => {
    const c = compare();
    expect(c.rows.map((r) => [r.key, r.label])).toEqual([
      [
        'tiny_cnn@*|ort|cpu|*|b1|offline|c1|t2',
        'tiny_cnn@aaaaaaaaaaaa/bbbbbbbbbbbb|ort|cpu|fp32/fp16|b1|offline|c1|t2',
      ],
      [
        'tiny_cnn@*|ort|cpu|*|b4|offline|c1|t2',
        'tiny_cnn@aaaaaaaaaaaa/bbbbbbbbbbbb|ort|cpu|fp32/fp16|b4|offline|c1|t2',
      ],
    ]);
    expect(comparisonTables(c)[0]?.table.rows.map((r) => r[0])).toEqual([
      c.rows[0]?.label,
      c.rows[1]?.label,
      'geometric mean',
    ]);
  });

  it('an ignored field with the same value everywhere gives no warning and shows its value', () => {
    const { files } = loadResultFiles([fp32, fp32], { emptyIs: 'error' });
    const c = compareFiles(files, { ignore: ['threads', 'precision'], bootstrapIterations: 100 });
    expect(c.warnings.map(warningText)).toEqual([]);
    expect(c.rows[0]?.label).toBe(KEY32(1));
  });

  it('a file with nothing in common among matched ones says which --ignore-key would match it', () => {
    const b8 = write('b8.json', [run({ precision: 'fp32', batch: 8, samplesMs: ramp(10, 50) })]);
    const { files } = loadResultFiles([fp32, fp16, b8], { emptyIs: 'error' });
    const c = compareFiles(files, { ignore: [...IGNORE], bootstrapIterations: 100 });
    expect(c.warnings.map(warningText)).toContain(
      'fp32.json and b8.json have no configuration in common (they differ in batch); to compare across batch, pass --ignore-key batch',
    );
  });
});

describe('warnings bench run recorded', () => {
  it('each run summary carries its codes and its throughput CI; the comparison lists each warning once', () => {
    const c = compare();
    const [b1] = c.rows;
    expect(b1?.runs.map((r) => [r?.key, r?.precision, r?.warnings])).toEqual([
      [KEY32(1), 'fp32', ['W_HIGH_CV']],
      [KEY16(1), 'fp16', ['W_FP16_ON_CPU']],
    ]);
    const [base] = loadResultFiles([fp32], { emptyIs: 'error' }).files;
    expect(b1?.runs[0]?.throughputCi95).toEqual(base?.data.runs[0]?.throughput?.ci95);
    // Model and engine warnings first, then the W_ ones; first seen first within a code.
    expect(c.runWarnings).toEqual([
      {
        ...FP16,
        runs: [
          { file: 'fp16.json', key: KEY16(1) },
          { file: 'fp16.json', key: KEY16(4) },
        ],
      },
      { ...cv('6.0'), runs: [{ file: 'fp32.json', key: KEY32(1) }] },
      { ...cv('7.0'), runs: [{ file: 'fp16.json', key: KEY16(4) }] },
    ]);
  });

  it('tables mark the figures of runs with warnings and list the warnings under the table', () => {
    const [throughput] = comparisonTables(compare());
    const rows = throughput?.table.rows ?? [];
    // [configuration, fp32 img/s, fp16 img/s, ...]: b1 has warnings on both sides, b4 on fp16 only.
    expect(rows.map((r) => [r[1]?.endsWith('\u00a0⚠'), r[2]?.endsWith('\u00a0⚠')])).toEqual([
      [true, true],
      [false, true],
      [false, false],
    ]);
    expect(throughput?.notes).toEqual(NOTES);
  });

  it('terminal, Markdown and JSON carry them', async () => {
    const options = { ignore: [...IGNORE], bootstrapIterations: 200 };
    const table = await compareCommand([fp32, fp16], { ...options, format: 'table' });
    expect(table.stdout).toContain(
      [
        NOTES.intro,
        `  - ${NOTES.items[0]?.text}`,
        `  - ${NOTES.items[1]?.text}`,
        `      ${NOTES.items[1]?.details[0]}`,
        `      ${NOTES.items[1]?.details[1]}`,
      ].join('\n') + '\n',
    );
    const markdown = await compareCommand([fp32, fp16], { ...options, format: 'markdown' });
    expect(markdown.stdout).toContain(
      [
        escapeMarkdown(NOTES.intro),
        '',
        `- ${escapeMarkdown(NOTES.items[0]?.text ?? '')}`,
        `- ${escapeMarkdown(NOTES.items[1]?.text ?? '')}`,
        `  - ${escapeMarkdown(NOTES.items[1]?.details[0] ?? '')}`,
        `  - ${escapeMarkdown(NOTES.items[1]?.details[1] ?? '')}`,
      ].join('\n') + '\n',
    );
    const json = await compareCommand([fp32, fp16], { ...options, format: 'json' });
    const parsed = JSON.parse(json.stdout) as { comparison: Comparison; warnings: string[] };
    expect(parsed.comparison.runWarnings).toEqual(compare().runWarnings);
    expect(parsed.comparison.rows[1]?.runs[1]?.warnings).toEqual(['W_FP16_ON_CPU', 'W_HIGH_CV']);
    expect(parsed.warnings).toEqual(compare().warnings);
  });

  it('bench report: a warnings column and the list under the runs table; the comparison points there', async () => {
    const html = join(dir, 'report.html');
    const md = join(dir, 'report.md');
    await reportCommand([fp32, fp16], { html, markdown: md, ignore: [...IGNORE] });
    const page = readFileSync(html, 'utf8');
    const runs = page.slice(page.indexOf('<h2 id="runs-runs">'), page.indexOf('<h2>Environments</h2>'));
    // The fp16 batch-4 run: precision column, its CI as ± percent, and both codes.
    expect(runs).toMatch(
      /<td>fp16<\/td><td>ok<\/td><td>cpu: Synthetic CPU<\/td><td>host-a<\/td><td>10<\/td><td>[\d.]+<\/td><td>±[\d.]+\u00a0%<\/td><td>40\.45<\/td><td>[\d.]+<\/td><td>n\/a \(bench estimate says why\)<\/td><td>W_FP16_ON_CPU, W_HIGH_CV<\/td><\/tr>/,
    );
    const item = (text: string, details: string[] = []): string =>
      `<li>${escapeHtml(text)}${details.length ? `<ul>${details.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul>` : ''}</li>`;
    expect(runs).toContain(
      `<div class="notes"><p>Warnings bench run recorded (codes in the warnings column):</p><ul>${item(
        NOTES.items[0]?.text ?? '',
      )}${item(NOTES.items[1]?.text ?? '', NOTES.items[1]?.details)}</ul></div>`,
    );
    // The comparison marks the runs and points to that list instead of repeating it.
    expect(page).toContain(
      '<div class="notes"><p>⚠ marks a run for which bench run recorded warnings: the runs tables below list them.</p></div>',
    );
    // The comparison chart labels its bars with the real values too.
    const chart = page.slice(page.indexOf('<figure id="chart-comparison"'), page.indexOf('</figure>'));
    expect(chart).toContain('fp32/fp16');
    expect(chart).not.toContain('|*|');
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toContain(`| ${['fp16.json', KEY16(4), 'fp16'].map(escapeMarkdown).join(' | ')} | ok |`);
    expect(markdown).toContain('| W\\_FP16\\_ON\\_CPU, W\\_HIGH\\_CV |');
  });
});

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { warningText } from '../src/report/warning-text.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportCommand } from '../src/report/commands.js';
import { BenchError } from '../src/core/errors.js';
import { CHART_WIDTH, CONTENT_WIDTH, wrapLabel } from '../src/report/charts.js';
import { escapeHtml, escapeMarkdown } from '../src/report/escape.js';
import { writeResultFile } from '../src/results/io.js';
import type { Environment, RunResult } from '../src/results/schema.js';
import { syntheticEnv, syntheticRun } from './synthetic.js';

// Synthetic fixtures (see test/fixtures/results/README.md).
const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);
const dir = mkdtempSync(join(tmpdir(), 'h100e-report-'));
const XSS = '<script>alert(1)</script>';

describe('escaping', () => {
  it('HTML', () => {
    expect(escapeHtml(`${XSS} & "q" 'a'`)).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;',
    );
  });
  it('Markdown table cells', () => {
    expect(escapeMarkdown(XSS)).toBe('&lt;script&gt;alert\\(1\\)&lt;/script&gt;');
    expect(escapeMarkdown('a|b\nc_d')).toBe('a\\|b c\\_d');
  });
});

describe('wrapLabel', () => {
  // Vega's estimate without a canvas: 0.8 × 10 px = 8 px a character, so 80 px holds 10.
  it('breaks after " · " and "|" so each line fits', () => {
    // "abc · defg ·" would be 12 characters: the break comes after the first separator.
    expect(wrapLabel('abc · defg · hi', 10, 80)).toEqual(['abc ·', 'defg · hi']);
    expect(wrapLabel('m@sha|ort|cpu|fp32|b1', 10, 80)).toEqual(['m@sha|ort|', 'cpu|fp32|', 'b1']);
    expect(wrapLabel('short', 10, 80)).toEqual(['short']);
  });
  it('splits a word longer than a line where the line ends, so the mark never cuts it', () => {
    expect(wrapLabel('abcdefghijklmnop · x', 10, 80)).toEqual(['abcdefghij', 'klmnop · x']);
    // A key breaks after "@" too, before its sha.
    expect(wrapLabel('efficientnet@0123456789ab|ort', 10, 80)).toEqual([
      'efficientn',
      'et@',
      '0123456789',
      'ab|ort',
    ]);
  });
  it('breaks a piece longer than a line at its spaces, on lines of its own', () => {
    // "cuda NVIDIA H100 SXM ·" is 22 characters: over 10, so it starts a line and wraps by word.
    expect(wrapLabel('m · cuda NVIDIA H100 SXM · f.json', 10, 80)).toEqual([
      'm ·',
      'cuda',
      'NVIDIA',
      'H100 SXM ·',
      'f.json',
    ]);
  });
});

describe('bench report', () => {
  it("gives each run the H100e bench run's table gives it (the spec figure without an H100 reference)", async () => {
    const gpuRun = syntheticRun({
      model: 'm',
      batch: 1,
      samplesMs: [10, 10, 10, 10, 10],
      provider: 'cuda',
      device: { requested: 'cuda', actual: 'cuda', name: 'NVIDIA A100-SXM4-80GB', gpuIndex: 0 },
    });
    const env: Environment = {
      ...syntheticEnv('gpu-host'),
      gpus: [{ index: 0, name: 'NVIDIA A100-SXM4-80GB' }],
    };
    const path = join(dir, 'a100.json');
    writeResultFile(path, {
      schemaVersion: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      command: 'bench',
      environment: env,
      runs: [gpuRun],
    });
    const { stdout } = await reportCommand([path], { markdown: '-' });
    // The A100's dense 16-bit 312 TFLOP/s over the H100's 989.4 (catalog sources; h100e-estimate tests).
    expect(stdout).toContain('| 100.0 | ±0.0\u00a0% | 10.00 | 10.00 | 0.315 \\(spec\\) |  |');
  });

  it('writes a self-contained HTML page with three SVG charts and every string escaped', async () => {
    const html = join(dir, 'report.html');
    const md = join(dir, 'report.md');
    const r = await reportCommand([fx('base.json'), fx('new.json'), fx('multi-batch.json')], {
      html,
      markdown: md,
    });
    expect(r.written).toEqual([html, md]);
    const page = readFileSync(html, 'utf8');
    // Charts: comparison bars, throughput against batch, latency box plots, each an inline <svg>.
    for (const id of ['chart-comparison', 'chart-throughput', 'chart-latency'])
      expect(page).toContain(`id="${id}"`);
    expect(page.match(/<svg /g)).toHaveLength(3);
    // Offline and inert: no scripts, no external resources, scripts forbidden by CSP anyway.
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/\b(src|href)=["']?https?:/i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;');
    // Environments of each file and batch sizes on the throughput axis.
    expect(page).toContain('<h2>Environments</h2>');
    // Every chart is CHART_WIDTH wide at most: what an 800 px window leaves, inside the page's box.
    expect(page).toContain(`max-width: ${CONTENT_WIDTH}px;`);
    for (const width of svgWidths(page)) expect(width).toBeLessThanOrEqual(CHART_WIDTH);
    // No server runs: one runs table, and the captions do not mention server runs.
    expect(page).toContain('<h2 id="runs-runs">Runs</h2>');
    expect(page).not.toContain('runs-server');
    expect(page).not.toMatch(/server-scenario (run|key)/);
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).not.toContain(XSS);
    expect(markdown).toContain('&lt;script&gt;alert\\(1\\)&lt;/script&gt;');
    expect(markdown).toContain('### Runs');
  });

  it('a single file gives charts without a comparison', async () => {
    const html = join(dir, 'single.html');
    await reportCommand([fx('multi-batch.json')], { html });
    const page = readFileSync(html, 'utf8');
    expect(page.match(/<svg /g)).toHaveLength(2);
    expect(page).not.toContain('<h2>Comparison</h2>');
  });

  it('files with nothing in common still report, with a warning', async () => {
    const r = await reportCommand([fx('threads-2.json'), fx('threads-1.json')], {
      html: join(dir, 'disjoint.html'),
    });
    expect(r.warnings.map(warningText)).toContain(
      'no comparison: threads-2.json and threads-1.json have no configuration in common (they differ in threads); to compare across threads, pass --ignore-key threads',
    );
  });

  it('zero runs and missing outputs are one-line errors', async () => {
    await expect(reportCommand([fx('empty.json')], { html: join(dir, 'x.html') })).rejects.toThrow(
      BenchError,
    );
    await expect(reportCommand([fx('empty.json')], { html: join(dir, 'x.html') })).rejects.toThrow(
      /empty\.json has zero runs/,
    );
    await expect(reportCommand([fx('base.json')], {})).rejects.toThrow(
      /--html FILE, --markdown FILE and\/or --csv FILE/,
    );
  });

  it('checks every output path before writing any, naming the flag', async () => {
    const html = join(dir, 'first.html');
    await expect(
      reportCommand([fx('base.json')], { html, markdown: join(dir, 'missing', 'r.md') }),
    ).rejects.toThrow(
      `--markdown ${join(dir, 'missing', 'r.md')}: folder ${join(dir, 'missing')} does not exist`,
    );
    expect(existsSync(html)).toBe(false);
    await expect(reportCommand([fx('base.json')], { html: dir })).rejects.toThrow(
      `--html ${dir} is a directory`,
    );
  });
});

/** The width attribute of every top-level <svg> element of a page. */
function svgWidths(page: string): number[] {
  return [...page.matchAll(/<svg [^>]*?\bwidth="(\d+)"/g)].map((m) => Number(m[1]));
}

/** The figure element with id `chart-<id>`. */
function figureOf(page: string, id: string): string {
  const from = page.indexOf(`<figure id="chart-${id}"`);
  expect(from).toBeGreaterThanOrEqual(0);
  return page.slice(from, page.indexOf('</figure>', from));
}

/** The text between `start` and the next `<h2` (or the end of the page). */
function section(page: string, start: string): string {
  const from = page.indexOf(start);
  expect(from).toBeGreaterThanOrEqual(0);
  const to = page.indexOf('<h2', from + start.length);
  return page.slice(from, to < 0 ? undefined : to);
}

// SYNTHETIC runs with hand-picked latencies (nothing measured): many configurations with long
// names, and server-scenario runs beside offline ones.
const ENV: Environment = syntheticEnv('synthetic-host');
const MODELS = [
  'efficientnet_b0_with_a_rather_long_synthetic_name',
  'mobilenet_v3_small_synthetic',
  'resnet50_synthetic',
];
const BATCHES = [1, 2, 4, 8, 16, 32];
const DEVICE = 'NVIDIA H100 80GB HBM3 (synthetic, made-up name of a realistic length)';

interface SynthSpec {
  model: string;
  batch: number;
  samplesMs: number[];
  server?: { qps: number; boundMs: number; achievedQps: number; met: boolean };
}

function synthRun({ model, batch, samplesMs, server }: SynthSpec): RunResult {
  return syntheticRun({
    model,
    batch,
    samplesMs,
    shaChar: 'd',
    provider: 'cuda',
    device: { requested: 'cuda', actual: 'cuda', name: DEVICE },
    threads: 4,
    imageSize: 224,
    ...(server ? { server } : {}),
  });
}

/** n values from `start` in steps of `step`. */
const ramp = (n: number, start: number, step: number): number[] =>
  Array.from({ length: n }, (_, i) => start + i * step);

/**
 * 3 models × 6 batches offline plus two server runs (batch 1 at 100 QPS meeting a 50 ms bound at
 * p99 = 28.81 ms; batch 2 at 400 QPS missing it); `scale` stretches latencies so files differ.
 */
function writeWide(name: string, scale: number): string {
  const runs = MODELS.flatMap((model, m) =>
    BATCHES.map((batch) =>
      synthRun({ model, batch, samplesMs: ramp(20, (m + 1) * batch * scale, 0.1 * scale) }),
    ),
  );
  runs.push(
    synthRun({
      model: 'resnet50_synthetic',
      batch: 1,
      samplesMs: ramp(20, 10, 1), // p99 = 28 + 0.81 = 28.81 ms
      server: { qps: 100, boundMs: 50, achievedQps: 99, met: true },
    }),
    synthRun({
      model: 'resnet50_synthetic',
      batch: 2, // the key has no QPS: another batch keeps the keys apart
      samplesMs: ramp(20, 40 * scale, 1),
      server: { qps: 400, boundMs: 50, achievedQps: 312.5, met: false },
    }),
  );
  const path = join(dir, name);
  writeResultFile(path, {
    schemaVersion: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    command: `bench --synthetic --out ${name}`,
    environment: ENV,
    runs,
  });
  return path;
}

describe('bench report: many configurations and server runs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('every chart fits the content width, without a Vega warning', async () => {
    const files = [writeWide('wide-a.json', 1), writeWide('wide-b.json', 1.1), writeWide('wide-c.json', 0.9)];
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const html = join(dir, 'wide.html');
    await reportCommand(files, { html });
    // Vega-Lite logs layout problems (dropped autosize, unioned facet scales) through the console.
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
    const page = readFileSync(html, 'utf8');
    for (const id of ['chart-comparison', 'chart-throughput', 'chart-latency'])
      expect(page).toContain(`id="${id}"`);
    const widths = svgWidths(page);
    expect(widths).toHaveLength(3);
    // Comparison and throughput fill the width exactly (autosize fit-x); the latency panels are
    // laid out inside it.
    expect(widths[0]).toBe(CHART_WIDTH);
    expect(widths[1]).toBe(CHART_WIDTH);
    expect(widths[2]).toBeLessThanOrEqual(CHART_WIDTH);
    expect(widths[2]).toBeGreaterThan(CHART_WIDTH - 20);
    expect(page).toContain(`max-width: ${CONTENT_WIDTH}px;`);
    expect(page).toContain('figure svg { max-width: 100%; height: auto; }');
    // One latency panel per model, device and file (the server runs sit in resnet50's): 3 × 3,
    // each titled in bold; long titles wrap after " · " rather than being cut.
    const latency = figureOf(page, 'latency');
    const titles = [
      ...latency.matchAll(
        /font-size="12px" font-weight="bold"[^>]*>((?:<tspan[^>]*>[^<]*<\/tspan>)+)<\/text>/g,
      ),
    ].map((m) => [...(m[1] ?? '').matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1]));
    expect(titles).toHaveLength(9);
    // At FONT px in CHART_WIDTH the device part is longer than a line: it breaks at a space.
    expect(titles[2]).toEqual([
      'resnet50_synthetic fp32 ·',
      `cuda ${DEVICE}`,
      '(ort/cuda, 4 threads) · wide-a.json',
    ]);
    // No label anywhere was cut to fit (Vega marks a cut with an ellipsis).
    expect(page).not.toContain('…');
  });

  it('server runs get their own runs table with QPS and bound, and leave the throughput chart', async () => {
    const files = [writeWide('srv-a.json', 1), writeWide('srv-b.json', 1.1)];
    const html = join(dir, 'server.html');
    const md = join(dir, 'server.md');
    await reportCommand(files, { html, markdown: md });
    const page = readFileSync(html, 'utf8');
    const key = (batch: number): string =>
      `resnet50_synthetic@dddddddddddd|ort|cuda|fp32|b${batch}|server|c1|t4`;
    // The runs table: 2 files × 18 offline runs, no server key, img/s with its CI as ± percent.
    const runs = section(page, '<h2 id="runs-runs">Runs</h2>');
    expect(runs).toContain(
      '<tr><th>file</th><th>configuration</th><th>precision</th><th>status</th><th>device</th><th>host</th><th>samples</th><th>img/s</th><th>95 % CI</th><th>p50 ms</th><th>p99 ms</th><th>H100e</th><th>warnings</th></tr>',
    );
    expect(runs.match(/<tr><td>/g)).toHaveLength(36);
    expect(runs).not.toContain('|server|');
    // The server table: target and achieved QPS, p50, p99 and the bound, no img/s.
    const server = section(page, '<h2 id="runs-server">Server-scenario runs</h2>');
    expect(server).toContain(
      '<tr><th>file</th><th>configuration</th><th>precision</th><th>status</th><th>device</th><th>host</th><th>queries</th><th>target QPS</th><th>achieved QPS</th><th>p50 ms</th><th>p99 ms</th><th>p99 bound</th><th>warnings</th></tr>',
    );
    expect(server).not.toContain('img/s');
    expect(server.match(/<tr><td>/g)).toHaveLength(4);
    // p50 of 10 … 29 ms = 19.5; p99 = 28.81; 40 … 59 ms (×1): p50 49.5, p99 58.81.
    // Keys may break after each "|" (<wbr>); a bound's figure and unit may not (no-break space).
    const cells = (row: string[]): string =>
      `<tr>${row.map((c) => `<td>${escapeHtml(c).replaceAll('|', '|<wbr>')}</td>`).join('')}</tr>`;
    const device = `cuda: ${DEVICE}`;
    expect(server).toContain(
      cells([
        'srv-a.json',
        key(1),
        'fp32',
        'ok',
        device,
        'synthetic-host',
        '20',
        '100.0',
        '99.00',
        '19.50',
        '28.81',
        'met (50\u00a0ms)',
        '',
      ]),
    );
    expect(server).toContain(
      cells([
        'srv-a.json',
        key(2),
        'fp32',
        'ok',
        device,
        'synthetic-host',
        '20',
        '400.0',
        '312.5',
        '49.50',
        '58.81',
        'missed (50\u00a0ms)',
        '',
      ]),
    );
    // The throughput chart leaves the 4 server runs out and says so; its data has no server run.
    const throughput = figureOf(page, 'throughput');
    expect(throughput).toContain(
      '4 server-scenario runs are left out (images/s at a set arrival rate is the offered load, not a capacity): see the server runs table.',
    );
    expect(throughput.match(/aria-label="batch size: \d+; lo: /g)).toHaveLength(36); // error bars
    expect(throughput).not.toContain('b1 server');
    // The comparison chart plots the 18 offline keys and points to the server table for 2 keys.
    const comparison = figureOf(page, 'comparison');
    expect(comparison).toContain(
      ' 2 server-scenario keys are not in this chart (no throughput ratio: compare judges them on the latency bound, peak QPS and p99); see the server table of the comparison.',
    );
    expect(comparison).not.toContain('|server|');
    // Markdown: the same two tables.
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toContain('### Runs\n');
    expect(markdown).toContain(
      '### Server-scenario runs\n\nServer scenario \\(MLPerf LoadGen style\\): queries arrive at random \\(Poisson\\) at the target QPS; achieved QPS = completed queries per second; p99 bound = whether the p99 latency met the run’s bound.\n',
    );
    expect(markdown).toContain(
      '| file | configuration | precision | status | device | host | queries | target QPS | achieved QPS | p50 ms | p99 ms | p99 bound | warnings |',
    );
    expect(markdown).toContain(
      `| ${['srv-b.json', key(2), 'fp32', 'ok', device, 'synthetic-host', '20', '400.0', '312.5', '53.50', '62.81', 'missed (50\u00a0ms)', ''].map(escapeMarkdown).join(' | ')} |`,
    );
  });

  it('a file of server runs only: no throughput chart and no empty runs table', async () => {
    const path = join(dir, 'server-only.json');
    writeResultFile(path, {
      schemaVersion: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      command: 'bench --synthetic',
      environment: ENV,
      runs: [
        synthRun({
          model: 'resnet50_synthetic',
          batch: 1,
          samplesMs: ramp(20, 10, 1),
          server: { qps: 100, boundMs: 50, achievedQps: 99, met: true },
        }),
      ],
    });
    const html = join(dir, 'server-only.html');
    await reportCommand([path], { html });
    const page = readFileSync(html, 'utf8');
    expect(page).not.toContain('id="chart-throughput"');
    expect(page).toContain('id="chart-latency"');
    expect(page).not.toContain('id="runs-runs"');
    expect(page).toContain('<h2 id="runs-server">Server-scenario runs</h2>');
  });
});

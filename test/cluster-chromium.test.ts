/**
 * The census HTML report opened in headless Chromium (Debian package `chromium`): one strip chart per
 * configuration in the rendered DOM with the outlier drawn, a silent console (the page has no
 * scripts), and a screenshot for a person to look at. Skipped without Chromium, failed under CI.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildCensus, type CensusOptions } from '../src/cluster/census.js';
import { censusHtml } from '../src/report/census-html.js';
import { writeManifest } from '../src/cluster/manifest.js';
import { gatherCensus } from '../src/cluster/state.js';
import { writeResultFile } from '../src/results/io.js';
import { TOOL_VERSION } from '../src/core/version.js';
import { divided, env, file, run, unitSpec } from './estimate-fixtures.js';
import { browse, CHROMIUM } from './chromium.js';

const chromium = CHROMIUM;
const work = mkdtempSync(join(tmpdir(), 'h100e-census-chromium-'));
const shotDir = process.env['H100E_SCREENSHOT_DIR'] ?? work;
const H100 = 'NVIDIA H100 80GB HBM3';

/** A census of 6 nodes x 4 GPUs on two batches, GPU 3 of n4 20 % slow. */
async function censusPage(): Promise<string> {
  const dir = join(work, 'census');
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  const runArgs = ['--model', 'net', '--device', 'cuda'];
  writeManifest(dir, {
    manifestVersion: 1,
    kind: 'h100e-cluster-census',
    censusId: 'chromium-census',
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'bench cluster slurm',
    runArgs,
    runCommand: 'bench run',
    tool: { name: 'h100e', version: TOOL_VERSION },
    packages: {},
    request: { nodeState: 'idle', exclusive: true, sbatchArgs: [] },
    jobs: [],
  });
  for (let n = 1; n <= 6; n++) {
    const e = env('Xeon', [H100, H100, H100, H100]);
    e.slurm = { nodeName: `n${n}`, jobId: '1' };
    const runs = [1, 8].flatMap((batch) =>
      [0, 1, 2, 3].map((g) => {
        const sps = batch * 1000 * (n === 4 && g === 3 ? 0.8 : 1 + 0.01 * ((n + g) % 3));
        const r = run({ device: 'cuda', batch, samplesPerS: sps, flopsPerImage: 1e9 });
        return { ...r, key: `${r.key}|gpu${g}`, device: { ...r.device, gpuIndex: g, name: H100 } };
      }),
    );
    writeResultFile(
      join(dir, 'nodes', `n${n}.json`),
      file(e, runs, `bench run ${runArgs.join(' ')} --gpus all --out x`),
    );
  }
  const estimate: CensusOptions['estimate'] = (r) =>
    ({
      samplesPerS: r.throughput!.samplesPerS,
      capacity: divided(r.throughput!.samplesPerS, 20000, 'capacity'),
      measured: {
        h100e: null,
        derivation: { kind: 'no-reference' as const, why: 'no reference' },
        caveats: [],
        notes: [],
      },
      spec16: unitSpec(16),
      spec8: unitSpec(8),
    }) as never;
  const html = join(work, 'census.html');
  writeFileSync(html, await censusHtml(buildCensus(gatherCensus(dir, { slurm: false }), { estimate })));
  return html;
}

describe('census HTML report in headless Chromium', () => {
  it('draws a strip chart per configuration with the outlier marked, and saves a screenshot', async (ctx) => {
    if (!chromium) {
      if (process.env['CI']) throw new Error('chromium not found: the census render test cannot run in CI');
      console.warn('SKIPPED census render test: chromium not found (apt-get install -y chromium)');
      ctx.skip();
      return;
    }
    const url = pathToFileURL(await censusPage()).href;
    const dom = await browse(url, ['--dump-dom'], work);
    expect(dom.code).toBe(0);
    expect(dom.stdout.match(/<svg /g)).toHaveLength(2);
    expect(dom.stdout).toContain('id="chart-census-0"');
    expect(dom.stdout).toContain('id="chart-census-1"');
    // 24 device marks per chart (Vega draws points as paths), the outlier's colour among them.
    expect((dom.stdout.match(/<path /g) ?? []).length).toBeGreaterThan(48);
    expect(dom.stdout).toMatch(/fill="#e45756"/);
    expect(dom.stdout).toContain(
      'n4 (host h) GPU 3: 800 img/s, 20.8 % below the NVIDIA H100 80GB HBM3 median of 1,010',
    );
    expect(dom.stdout).not.toMatch(/<script/i);
    expect(dom.consoleLines).toEqual([]);
    mkdirSync(shotDir, { recursive: true });
    const shot = join(shotDir, 'census-screenshot.png');
    const snap = await browse(
      url,
      [`--screenshot=${shot}`, '--window-size=1280,1800', '--hide-scrollbars'],
      work,
    );
    expect(snap.code).toBe(0);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    console.log(`census screenshot: ${shot}`);
  }, 120_000);
});

/**
 * Opens the HTML report in headless Chromium (Debian package `chromium`): the charts must be in the
 * rendered DOM, the browser console must stay silent (the page has no scripts, so any console line is
 * a blocked or executed script), and a screenshot is saved for a person to look at.
 * Without Chromium this test fails under CI=true and is skipped, with a message, elsewhere.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../src/report/commands.js';
import { browse, CHROMIUM } from './chromium.js';

const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);

const chromium = CHROMIUM;
const work = mkdtempSync(join(tmpdir(), 'h100e-chromium-'));
/** Where the screenshot goes; override to keep it (e.g. as a CI artifact). */
const shotDir = process.env['H100E_SCREENSHOT_DIR'] ?? work;

describe('HTML report in headless Chromium', () => {
  it('renders every chart with a silent console and saves a screenshot', async (ctx) => {
    if (!chromium) {
      const message = 'chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)';
      if (process.env['CI']) throw new Error(`${message}: the report render test cannot run in CI`);
      console.warn(`SKIPPED report render test: ${message}`);
      ctx.skip();
      return;
    }
    const html = join(work, 'report.html');
    await reportCommand([fx('base.json'), fx('new.json'), fx('multi-batch.json')], { html });
    const url = pathToFileURL(html).href;

    const dom = await browse(url, ['--dump-dom'], work);
    expect(dom.code).toBe(0);
    expect(dom.stdout.match(/<svg /g)).toHaveLength(3);
    for (const id of ['chart-comparison', 'chart-throughput', 'chart-latency'])
      expect(dom.stdout).toContain(`id="${id}"`);
    // Vega draws marks as paths/rects; an empty chart would have none.
    expect((dom.stdout.match(/<path /g) ?? []).length).toBeGreaterThan(50);
    // The hostile model name stayed text: no script element exists in the live DOM.
    expect(dom.stdout).not.toMatch(/<script/i);
    expect(dom.stdout).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(dom.consoleLines).toEqual([]);

    mkdirSync(shotDir, { recursive: true });
    const shot = join(shotDir, 'report-screenshot.png');
    const snap = await browse(
      url,
      [`--screenshot=${shot}`, '--window-size=1280,2000', '--hide-scrollbars'],
      work,
    );
    expect(snap.code).toBe(0);
    expect(snap.consoleLines).toEqual([]);
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000); // a blank 1280×2000 page compresses to a few kB
    console.log(`report screenshot: ${shot}`);
  });

  it('the console check catches a page that logs (negative control)', async (ctx) => {
    if (!chromium) {
      if (process.env['CI']) throw new Error('chromium not found: the report render test cannot run in CI');
      ctx.skip();
      return;
    }
    const page = join(work, 'logs.html');
    writeFileSync(page, '<!doctype html><body><script>console.error("boom")</script></body>');
    expect(existsSync(page)).toBe(true);
    const r = await browse(pathToFileURL(page).href, ['--dump-dom'], work);
    expect(r.consoleLines.join('\n')).toContain('"boom"');
  });
});

/**
 * Opens the HTML report in headless Chromium (Debian package `chromium`): the charts must be in the
 * rendered DOM, the browser console must stay silent (the page has no scripts, so any console line is
 * a blocked or executed script), and a screenshot is saved for a person to look at.
 * Without Chromium this test fails under CI=true and is skipped, with a message, elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../src/report/commands.js';
import { runCommand } from './run-command.js';

const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);

function findChromium(): string | null {
  const candidates = [process.env['CHROMIUM_PATH'], 'chromium', 'chromium-browser', 'google-chrome'].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) {
    const found = spawnSync('sh', ['-c', `command -v "${c}"`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

const chromium = findChromium();
const work = mkdtempSync(join(tmpdir(), 'h100e-chromium-'));
/** Where the screenshot goes; override to keep it (e.g. as a CI artifact). */
const shotDir = process.env['H100E_SCREENSHOT_DIR'] ?? work;

/**
 * Runs headless Chromium on `url` with extra flags; returns stdout and the console lines it logged.
 * Async: a browser run of seconds must not stall the test worker's RPC (runCommand buffers 64 MiB).
 */
async function browse(
  url: string,
  flags: string[],
): Promise<{ stdout: string; consoleLines: string[]; status: number | null }> {
  const result = await runCommand(
    chromium as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(work, 'profile-'))}`,
      '--enable-logging=stderr',
      '--v=0',
      ...flags,
      url,
    ],
    { timeoutMs: 60_000 },
  );
  const consoleLines = result.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { stdout: result.stdout, consoleLines, status: result.code };
}

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

    const dom = await browse(url, ['--dump-dom']);
    expect(dom.status).toBe(0);
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
    const snap = await browse(url, [`--screenshot=${shot}`, '--window-size=1280,2000', '--hide-scrollbars']);
    expect(snap.status).toBe(0);
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
    const r = await browse(pathToFileURL(page).href, ['--dump-dom']);
    expect(r.consoleLines.join('\n')).toContain('"boom"');
  });
});

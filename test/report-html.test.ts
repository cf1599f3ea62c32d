import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../src/compare/commands.js';
import { BenchError } from '../src/errors.js';
import { escapeHtml, escapeMarkdown } from '../src/export/escape.js';

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

describe('bench report', () => {
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
    expect(r.warnings).toContain(
      'no comparison: threads-2.json and threads-1.json have no configuration in common (they differ in threads)',
    );
  });

  it('zero runs and missing outputs are one-line errors', async () => {
    await expect(reportCommand([fx('empty.json')], { html: join(dir, 'x.html') })).rejects.toThrow(
      BenchError,
    );
    await expect(reportCommand([fx('empty.json')], { html: join(dir, 'x.html') })).rejects.toThrow(
      /empty\.json has zero runs/,
    );
    await expect(reportCommand([fx('base.json')], {})).rejects.toThrow(/--html FILE and\/or --markdown FILE/);
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

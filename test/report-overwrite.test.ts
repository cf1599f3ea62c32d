/** merge and report refuse to replace an existing output unless --force, like run and models export. */
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCommand, reportCommand } from '../src/report/commands.js';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', 'results', name);
const dir = mkdtempSync(join(tmpdir(), 'h100e-overwrite-'));

describe('existing outputs', () => {
  it('merge --out refuses an existing file without force and replaces it with force', () => {
    const out = join(dir, 'merged.json');
    writeFileSync(out, 'keep me');
    expect(() => mergeCommand([fixture('base.json')], out, 'bench merge')).toThrow(
      /--out .*merged\.json already exists/,
    );
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect(mergeCommand([fixture('base.json')], out, 'bench merge', { force: true }).runs).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).schemaVersion).toBe(2);
  });

  it('report refuses existing --html / --markdown files without force, naming the flag', async () => {
    const html = join(dir, 'r.html');
    const md = join(dir, 'r.md');
    writeFileSync(md, 'keep me');
    await expect(reportCommand([fixture('base.json')], { html, markdown: md })).rejects.toThrow(
      /^--markdown .*r\.md already exists$/,
    );
    expect(readFileSync(md, 'utf8')).toBe('keep me');
    const { written } = await reportCommand([fixture('base.json')], { html, markdown: md, force: true });
    expect(written).toEqual([html, md]);
    expect(readFileSync(md, 'utf8')).not.toBe('keep me');
  });

  it('report refuses --html and --markdown naming one file, through a symlink too', async () => {
    const md = join(dir, 'same.md');
    writeFileSync(md, 'keep me');
    const link = join(dir, 'link.html');
    symlinkSync(md, link);
    for (const html of [link, `${dir}/./same.md`]) {
      const e = await reportCommand([fixture('base.json')], { html, markdown: md, force: true }).catch(
        (err: unknown) => err,
      );
      expect(e).toMatchObject({
        code: 'E_USAGE',
        message: `--html and --markdown both name ${md}`,
        hint: 'give each report its own file, e.g. --html report.html --markdown report.md',
      });
    }
    expect(readFileSync(md, 'utf8')).toBe('keep me');
  });
});

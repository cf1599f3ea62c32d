/** merge and report refuse to replace an existing output unless --force, like run and models export. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeCommand, reportCommand } from '../src/compare/commands.js';

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
    expect(JSON.parse(readFileSync(out, 'utf8')).schemaVersion).toBe(1);
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
});

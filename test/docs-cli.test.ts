/**
 * docs/cli.md is generated from the commander definitions (bench/docs/cli-doc.ts); this test
 * regenerates it in-process and fails when the committed file differs, so whoever changes a flag,
 * a description or a default in src/cli/ regenerates the reference in the same change.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_DOC_PATH, renderCliDoc } from '../bench/docs/cli-doc.js';

describe('docs/cli.md', () => {
  it('matches the commander definitions (else run `npm run docs:cli`)', () => {
    const committed = readFileSync(CLI_DOC_PATH, 'utf8');
    const generated = renderCliDoc();
    if (committed !== generated) {
      const a = committed.split('\n');
      const b = generated.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      expect.fail(
        `docs/cli.md is out of date with src/cli/: run \`npm run docs:cli\` and commit the result ` +
          `(first difference at line ${line + 1}:\n  committed: ${a[line] ?? '(end of file)'}\n` +
          `  generated: ${b[line] ?? '(end of file)'})`,
      );
    }
  });

  it('is the same text when generated twice (deterministic)', () => {
    expect(renderCliDoc()).toBe(renderCliDoc());
  });

  it('lists every command and subcommand with an option table', () => {
    const text = renderCliDoc();
    for (const heading of ['`bench run`', '`bench compare`', '`bench models export`', '`bench setup cuda`'])
      expect(text).toContain(`## ${heading}`);
    expect(text).toContain('| `--device <device>` |');
    expect(text).not.toMatch(/\bthe \d+ logical cores\b/);
  });
});

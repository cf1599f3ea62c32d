/**
 * The scripts under bench/ treat bad flags as the CLI does: a one-line error naming the flag, the
 * script's usage as the hint, exit 2, no stack trace (bench/script.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScriptArgs } from '../bench/script.js';
import { expectBenchError } from './bench-error.js';
import { runCommand } from './run-command.js';

const BENCH = join(import.meta.dirname, '..', 'dist', 'bench');

describe('bench/ scripts: bad flags', () => {
  it('parseScriptArgs turns a parse error into E_USAGE with the usage as the hint', () => {
    const config = { args: ['--nope'], options: { cold: { type: 'boolean' } } } as const;
    expectBenchError(() => parseScriptArgs(config, 'script [--cold]'), 'E_USAGE', /^Unknown option '--nope'/);
    expect(parseScriptArgs({ ...config, args: ['--cold'] }, 'script [--cold]').values.cold).toBe(true);
  });

  it.each([
    ['overhead.js', ['--nope'], "error: Unknown option '--nope'"],
    ['default-suite-time.js', ['--nope'], "error: Unknown option '--nope'"],
    ['zoo-build.js', ['--precision', 'fp8'], "error: --precision 'fp8': expected fp32 or fp16"],
    ['zoo-build.js', ['nope'], "error: unknown model 'nope'"],
    ['webgpu-gpu-buffer.js', ['--runs', '0'], 'error: --rounds and --runs must be positive integers'],
    ['anchors/compare-pytorch.js', ['--nope'], "error: Unknown option '--nope'"],
    ['anchors/torchvision-parity.js', ['--nope'], "error: Unknown option '--nope'"],
  ])('%s %j: exit 2, one error line and a hint', async (script, args, first) => {
    const r = await runCommand(process.execPath, [join(BENCH, script), ...args]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]?.startsWith(first)).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^hint: /);
  });
});

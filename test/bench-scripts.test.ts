/**
 * The scripts under bench/ treat bad flags as the CLI does: a one-line error naming the flag, the
 * script's usage as the hint, exit 2, no stack trace (bench/perf/script.ts).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScriptArgs } from '../bench/perf/script.js';
import { BenchError, formatBenchError } from '../src/core/errors.js';
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
    ['perf/overhead.js', ['--nope'], "error: Unknown option '--nope'"],
    ['perf/overhead.js', ['--rounds', '0'], 'error: --rounds and --threads must be integers'],
    ['perf/default-suite-time.js', ['--nope'], "error: Unknown option '--nope'"],
    ['perf/zoo-build.js', ['--precision', 'fp8'], "error: --precision 'fp8': expected fp32 or fp16"],
    ['perf/zoo-build.js', ['nope'], "error: unknown model 'nope'"],
    ['perf/webgpu-gpu-buffer.js', ['--runs', '0'], 'error: --rounds and --runs must be positive integers'],
    ['perf/tfjs-wasm-threads.js', ['--nope'], "error: Unknown option '--nope'"],
    [
      'perf/tfjs-wasm-threads.js',
      ['--threads', '0'],
      'error: --batch, --threads and --rounds must be positive',
    ],
    ['anchors/compare-pytorch.js', ['--nope'], "error: Unknown option '--nope'"],
    ['anchors/torchvision-parity.js', ['--nope'], "error: Unknown option '--nope'"],
  ])('%s %j: exit 2, one error line and a hint', async (script, args, first) => {
    const r = await runCommand(process.execPath, [join(BENCH, script), ...args]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]?.startsWith(first)).toBe(true);
    expect(lines).toHaveLength(2);
    // Indented as the CLI prints it (src/cli.ts and the scripts share formatBenchError).
    expect(lines[1]).toMatch(/^ {2}hint: \S/);
  });

  it('overhead.js checks --rounds, --threads and --seconds with the usage as the hint', async () => {
    const r = await runCommand(process.execPath, [join(BENCH, 'perf', 'overhead.js'), '--seconds', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: --rounds and --threads must be integers (rounds > 0, threads >= 0), --seconds a positive number\n' +
        '  hint: node dist/bench/perf/overhead.js [--model path.onnx] [--rounds 20] [--seconds 0.75] [--threads 1]\n',
    );
  });
});

describe('formatBenchError: how the CLI and the scripts print an error', () => {
  it('is the message, then the hint indented by two spaces on its own line', () => {
    expect(formatBenchError(new BenchError('E_USAGE', 'bad --x', { hint: 'pass --x 1' }))).toBe(
      'error: bad --x\n  hint: pass --x 1\n',
    );
    expect(formatBenchError(new BenchError('E_USAGE', 'bad --x'))).toBe('error: bad --x\n');
  });

  it('is what the CLI prints for a BenchError', async () => {
    const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
    const r = await runCommand(process.execPath, [
      cli,
      'compare',
      '/nonexistent/h100e-a.json',
      '/nonexistent/h100e-b.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: /nonexistent/h100e-a.json: no such file\n' +
        '  hint: check the path, or pass a result file written by `bench run --out`\n',
    );
  });
});

/**
 * Multi-threaded TensorFlow.js wasm on Node (src/engines/tfjs-wasm-threads.ts): the first
 * initialisation of this process asks for 2 threads, so XNNPACK's pool has 2 on any machine (tfjs's
 * own rule would give half the logical cores: 1 on a 2-core one). The threaded binary computes the
 * same logits as onnxruntime, and a CLI run that used it still exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectTfjsBackend } from '../src/engines/tfjs-backend.js';
import { threadedScripts } from '../src/engines/tfjs-wasm-threads.js';
import { readResultFile } from '../src/results/io.js';
import { runCommand } from './run-command.js';
import { compareWithOrt } from './engines-tfjs-compare.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-wasm-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tfjs wasm with threads on Node', () => {
  it('finds the threaded build scripts in the installed package', () => {
    const scripts = threadedScripts();
    expect('error' in scripts ? scripts.error : '').toBe('');
    if ('workerSource' in scripts) {
      expect(scripts.mainScriptPath).toMatch(/wasm-out\/tfjs-backend-wasm-threaded-simd\.js$/);
      // The line breaks of the script's string literals are escaped again, as tfjs does for its Blob.
      expect(scripts.workerSource).not.toContain('\n');
    }
  });

  it('runs the 2 threads asked, with SIMD, and says nothing', async () => {
    const choice = await selectTfjsBackend({ device: 'cpu', threads: 2, force: 'wasm' });
    expect(choice).toMatchObject({ backend: 'wasm', simd: true, threadsRequested: 2, threadsActual: 2 });
    expect(choice.warnings).toEqual([]);
  });

  it('computes squeezenet1_1 as onnxruntime does (relative error < 1e-4)', async () => {
    const { relErr, shape } = await compareWithOrt('squeezenet1_1');
    expect(shape).toEqual([1, 1000]);
    expect(relErr).toBeLessThan(1e-4);
  });

  it('a bench run with --threads 2 records 2 threads and exits when done', async () => {
    const out = join(dir, 'tfjs-t2.json');
    const args = ['--engine', 'tfjs', '--model', 'tiny_cnn', '--threads', '2', '--device', 'cpu'];
    const timing = ['--duration', '0.2', '--min-iterations', '3', '--warmup', '1', '--quiet', '--out', out];
    // XNNPACK's threads live as long as the process: were their workers ref'd, it would never exit.
    const result = await runCommand(process.execPath, [CLI, ...args, ...timing], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const [run] = readResultFile(out).runs;
    expect(run?.engine.providerOptions).toMatchObject({ backend: 'wasm', threadsRequested: 2, threads: 2 });
    expect(run?.config.threads).toBe(2);
  });
});

/**
 * TensorFlow.js wasm threading check (a performance target, not a test): the speed-up of the wasm
 * backend at --threads N over --threads 1, which src/engines/tfjs-wasm-threads.ts makes possible on
 * Node. tfjs sizes its thread pool once per process, so every measurement is its own `bench run`
 * process; the two counts alternate round by round (1, N, 1, N, ...) so that drift on a shared
 * machine hits both alike, and the verdict is the median of the per-round ratios (single runs of one
 * configuration spread widely on a shared machine: docs/development.md). Exit 1 when it is below 1.3 for N >= 2.
 *
 *   npx tsc -p . && node dist/bench/perf/tfjs-wasm-threads.js [--model squeezenet1_1] [--batch 1] [--threads N] [--rounds 3] [--seconds 2]
 *
 * N defaults to the physical cores (at most 8, tfjs's ceiling). Each run's thread count is read back
 * from its result file, so a count tfjs did not honour fails the check instead of passing unnoticed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defaultWasmThreads } from '../../src/engines/tfjs-wasm-threads.js';
import { BenchError } from '../../src/core/errors.js';
import { readResultFile } from '../../src/results/io.js';
import { median } from '../../src/stats/statistics.js';
import { parseScriptArgsOrExit, reportScriptError, runScript } from './script.js';

/** The threaded backend must be at least this many times as fast as one thread. */
const TARGET_SPEEDUP = 1.3;

const USAGE =
  'node dist/bench/perf/tfjs-wasm-threads.js [--model squeezenet1_1] [--batch 1] [--threads N] [--rounds 3] [--seconds 2]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      model: { type: 'string', default: 'squeezenet1_1' },
      batch: { type: 'string', default: '1' },
      threads: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '2' },
    },
  },
  USAGE,
);
const batch = Number(values.batch);
const threads = values.threads === undefined ? defaultWasmThreads() : Number(values.threads);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;
if (!(positiveInt(batch) && positiveInt(threads) && positiveInt(rounds) && seconds > 0)) {
  reportScriptError(
    new BenchError(
      'E_USAGE',
      '--batch, --threads and --rounds must be positive integers, --seconds a positive number',
      { hint: USAGE },
    ),
  );
  process.exit();
}

const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');
const run = promisify(execFile);

/** How one `bench run` ended: its img/s and the thread count tfjs reports, or its exit code. */
type Measured = { perS: number; ran: unknown } | { exitCode: number };

/** One `bench run` of the model at `count` threads; a run that fails has said why on stderr. */
async function measureAt(count: number, dir: string): Promise<Measured> {
  const out = join(dir, `t${count}.json`);
  const args = ['--engine', 'tfjs', '--device', 'cpu', '--model', values.model, '--batch', String(batch)];
  const timing = [
    '--threads',
    String(count),
    '--duration',
    String(seconds),
    '--quiet',
    '--force',
    '--out',
    out,
  ];
  try {
    await run(process.execPath, [CLI, ...args, ...timing], { maxBuffer: 16 << 20 });
  } catch (e) {
    const failed = e as { code?: unknown; stderr?: unknown };
    process.stderr.write(typeof failed.stderr === 'string' ? failed.stderr : `${String(e)}\n`);
    return { exitCode: typeof failed.code === 'number' ? failed.code : 1 };
  }
  const [r] = readResultFile(out).runs;
  if (r?.status !== 'ok' || !r.throughput) {
    process.stderr.write(`error: ${values.model} at --threads ${count}: ${r?.error ?? 'no run recorded'}\n`);
    return { exitCode: 1 };
  }
  return { perS: r.throughput.samplesPerS, ran: r.engine.providerOptions?.['threads'] };
}

runScript(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h100e-tfjs-threads-'));
  try {
    const ratios: number[] = [];
    console.log(
      `tfjs wasm, ${values.model} batch ${batch}, --threads 1 against ${threads}, ${rounds} rounds`,
    );
    for (let i = 0; i < rounds; i++) {
      const one = await measureAt(1, dir);
      if ('exitCode' in one) return one.exitCode;
      const many = await measureAt(threads, dir);
      if ('exitCode' in many) return many.exitCode;
      if (many.ran !== threads) {
        console.log(`FAIL: --threads ${threads} ran ${String(many.ran)} thread(s)`);
        return 1;
      }
      ratios.push(many.perS / one.perS);
      const ratio = (many.perS / one.perS).toFixed(2);
      console.log(
        `round ${i + 1}: ${one.perS.toFixed(2)} img/s at 1, ${many.perS.toFixed(2)} at ${threads}: x${ratio}`,
      );
    }
    const speedup = median(ratios);
    const pass = threads < 2 || speedup >= TARGET_SPEEDUP;
    console.log(
      `median speed-up x${speedup.toFixed(2)} (target x${TARGET_SPEEDUP} for 2 or more threads): ${pass ? 'PASS' : 'FAIL'}`,
    );
    return pass ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

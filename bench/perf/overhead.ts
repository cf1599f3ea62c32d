/**
 * Harness overhead check (a performance target, not a test): throughput of a bare
 * `await session.run(feeds)` loop versus the harness's measurement loop (`measure()`, offline,
 * concurrency 1) driving the SAME onnxruntime session with the same bound feeds, interleaved in
 * ABBA order so drift and thermal effects hit both sides alike. Both sides count completed runs over
 * their own wall time. The verdict uses the median of the per-round ratios, which a load spike from
 * another process during one round cannot swing (the pooled ratio is printed beside it). Exit 1 when
 * it is below 0.98. A second, load-insensitive figure follows: the loop cost per iteration of both
 * loops around an empty run(), i.e. the harness's own cost in microseconds.
 *
 *   npx tsc -p . && node dist/bench/perf/overhead.js [--model path.onnx] [--rounds 20] [--seconds 0.75] [--threads 1]
 *
 * Many short rounds rather than a few long ones: on a shared machine the load from other processes
 * drifts over seconds, and short alternating slices expose both loops to the same drift (few long
 * rounds swing the ratio far more than many short ones: docs/development.md).
 * One intra-op thread by default, so the model does not compete with itself for the cores.
 *
 * Default model: zoo mobilenet_v2, fp32, batch 1, CPU.
 */
import type ort from 'onnxruntime-node';
import type { HostInputs, LoadedModel } from '../../src/engines/engine.js';
import { OrtEngine } from '../../src/engines/ort.js';
import { BenchError } from '../../src/core/errors.js';
import { measure } from '../../src/measure/measure.js';
import { median } from '../../src/stats/statistics.js';
import { mulberry32 } from '../../src/core/random.js';
import { parseScriptArgsOrExit, reportScriptError, runScript } from './script.js';
import type { TensorDType } from '../../src/results/schema.js';
import { zooModelPath } from '../../models/cache.js';

/** Harness throughput must be at least this fraction of the bare loop's. */
const TARGET_RATIO = 0.98;

const USAGE =
  'node dist/bench/perf/overhead.js [--model path.onnx] [--rounds 20] [--seconds 0.75] [--threads 1]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      model: { type: 'string' },
      rounds: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '0.75' },
      threads: { type: 'string', default: '1' },
    },
  },
  USAGE,
);
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const threads = Number(values.threads);
if (!(Number.isInteger(rounds) && rounds > 0 && seconds > 0 && Number.isInteger(threads) && threads >= 0)) {
  reportScriptError(
    new BenchError(
      'E_USAGE',
      '--rounds and --threads must be integers (rounds > 0, threads >= 0), --seconds a positive number',
      { hint: USAGE },
    ),
  );
  process.exit();
}

/** Deterministic inputs of the right dtype; symbolic dimensions (the batch) become 1. */
function makeInputs(model: LoadedModel): HostInputs {
  const rand = mulberry32(1);
  const inputs: HostInputs = new Map();
  for (const sig of model.inputs) {
    const shape = sig.shape.map((d) => (typeof d === 'number' ? d : 1));
    const size = shape.reduce((a, b) => a * b, 1);
    const data = makeData(sig.dtype, size, rand);
    inputs.set(sig.name, { dtype: sig.dtype, shape, data });
  }
  return inputs;
}

function makeData(dtype: TensorDType, size: number, rand: () => number): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: size }, () => rand() * 2 - 1);
    case 'float16':
      return new Uint16Array(size); // all zeros is a valid fp16 tensor
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'int8':
      return new Int8Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The session and feeds inside OrtEngine's LoadedModel, so the bare loop runs the very same session. */
function sessionOf(model: LoadedModel): { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> } {
  const inner = model as unknown as { session?: ort.InferenceSession; feeds?: Record<string, ort.Tensor> };
  if (!inner.session || typeof inner.session.run !== 'function' || !inner.feeds) {
    throw new Error('OrtEngine no longer exposes session/feeds at runtime; update bench/perf/overhead.ts');
  }
  return { session: inner.session, feeds: inner.feeds };
}

/** Throughput of one side of a round: per second of wall time and per second of process CPU time. */
interface Side {
  perS: number;
  /** Runs per CPU-second (all threads of this process): insensitive to other processes taking the cores. */
  perCpuS: number;
}

function side(runs: number, wallMs: number, cpu: NodeJS.CpuUsage): Side {
  return { perS: runs / (wallMs / 1000), perCpuS: runs / ((cpu.user + cpu.system) / 1e6) };
}

/** Bare loop: back-to-back session.run for `s` seconds. */
async function bare(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  s: number,
): Promise<Side> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + s * 1000;
  let n = 0;
  let t = start;
  while (t < end) {
    await session.run(feeds);
    n++;
    t = performance.now();
  }
  return side(n, t - start, process.cpuUsage(cpu0));
}

/** Harness loop over the same session for `s` seconds; completed runs over its measured wall time. */
async function harness(model: LoadedModel, s: number): Promise<Side> {
  const cpu0 = process.cpuUsage();
  const r = await measure(model, 1, {
    scenario: 'offline',
    warmupIterations: 0,
    minDurationS: s,
    minIterations: 0,
    maxDurationS: s,
    relCiPct: 1,
    concurrency: 1,
    seed: 0,
  });
  return side(r.iterations, r.wallTimeS * 1000, process.cpuUsage(cpu0));
}

async function main(): Promise<number> {
  const modelPath = values.model ?? zooModelPath('mobilenet_v2', { precision: 'fp32' });
  const engine = new OrtEngine();
  const model = await engine.load({
    modelPath,
    device: 'cpu',
    precision: 'fp32',
    threads,
    transfer: 'include',
  });
  await model.bind(makeInputs(model));
  const { session, feeds } = sessionOf(model);
  for (let i = 0; i < 20; i++) await session.run(feeds); // warm caches and thread pools
  process.stdout.write(
    `model ${modelPath}\nonnxruntime-node ${engine.version}, CPU, intra-op threads ${threads || 'default'}, batch 1\n`,
  );
  process.stdout.write(`${rounds} rounds × (bare ${seconds} s + harness ${seconds} s), ABBA order\n\n`);
  process.stdout.write('round  bare runs/s  harness runs/s  ratio   | per CPU-s: bare  harness  ratio\n');
  let bareSum = 0;
  let harnessSum = 0;
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let b: Side;
    let h: Side;
    if (r % 2 === 0) {
      b = await bare(session, feeds, seconds);
      h = await harness(model, seconds);
    } else {
      h = await harness(model, seconds);
      b = await bare(session, feeds, seconds);
    }
    bareSum += b.perS;
    harnessSum += h.perS;
    ratios.push(h.perS / b.perS);
    cpuRatios.push(h.perCpuS / b.perCpuS);
    process.stdout.write(
      `${String(r + 1).padStart(5)}  ${b.perS.toFixed(1).padStart(11)}  ${h.perS.toFixed(1).padStart(14)}  ${(h.perS / b.perS).toFixed(4)}` +
        `  | ${b.perCpuS.toFixed(1).padStart(15)}  ${h.perCpuS.toFixed(1).padStart(7)}  ${(h.perCpuS / b.perCpuS).toFixed(4)}\n`,
    );
  }
  await model.dispose();
  const ratio = median(ratios);
  process.stdout.write(
    `\nmean bare ${(bareSum / rounds).toFixed(1)} runs/s, harness ${(harnessSum / rounds).toFixed(1)} runs/s, pooled ratio ${(harnessSum / bareSum).toFixed(4)}; median per-CPU-second ratio ${median(cpuRatios).toFixed(4)} (for reference: the verdict below is on wall-clock runs/s)\n`,
  );
  const empty = await emptyLoopCostUs();
  const runMs = 1000 / (bareSum / rounds);
  process.stdout.write(
    `loop cost around an empty run(): bare ${empty.bareUs.toFixed(3)} µs, harness ${empty.harnessUs.toFixed(3)} µs per iteration ` +
      `(harness extra ${(empty.harnessUs - empty.bareUs).toFixed(3)} µs = ${((100 * (empty.harnessUs - empty.bareUs)) / 1000 / runMs).toFixed(4)} % of a ${runMs.toFixed(2)} ms run)\n`,
  );
  process.stdout.write(
    `harness/bare = ${ratio.toFixed(4)} (median of ${rounds} rounds; target >= ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}\n`,
  );
  return ratio >= TARGET_RATIO ? 0 : 1;
}

/** Microseconds per iteration of both loops around a run() that does nothing (1 s each). */
async function emptyLoopCostUs(): Promise<{ bareUs: number; harnessUs: number }> {
  const noop = { run: async (): Promise<void> => {} };
  const start = performance.now();
  let n = 0;
  let t = start;
  while (t < start + 1000) {
    await noop.run();
    n++;
    t = performance.now();
  }
  const bareUs = ((t - start) * 1000) / n;
  const r = await measure(noop, 1, {
    scenario: 'offline',
    warmupIterations: 0,
    minDurationS: 1,
    minIterations: 0,
    maxDurationS: 1,
    relCiPct: 1,
    concurrency: 1,
    seed: 0,
  });
  return { bareUs, harnessUs: (r.wallTimeS * 1e6) / r.iterations };
}

runScript(main);

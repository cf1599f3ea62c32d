/**
 * Why `--transfer exclude` is refused on webgpu (a finding, not a test): an onnxruntime-node provider
 * with `preferredOutputLocation: 'gpu-buffer'` versus the default host outputs, each in its own child
 * process. For each mode it runs a zoo model ROUNDS × RUNS times and prints, after every round, the
 * resident memory and, when nvidia-smi answers, the GPU memory in use (on a software adapter such as
 * lavapipe GPU buffers live in host memory, so a leak of them shows as RSS growth). A last child calls
 * getData() on a gpu-buffer output and reports how the process ended.
 *
 *   npm run build && source .vulkan/env.sh && node dist/bench/perf/webgpu-gpu-buffer.js [--provider webgpu|cuda] [--model squeezenet1_1] [--rounds 5] [--runs 60]
 *
 * Needs the provider to start (webgpu: a GPU with Vulkan, or lavapipe from bench/device/lavapipe.sh).
 * Exits 1 when it cannot. On a CUDA machine, `--provider cuda` checks whether `--transfer exclude`
 * (which keeps CUDA outputs on the GPU) is safe there too.
 */
import { BenchError } from '../../src/core/errors.js';
import { runNodeChild } from '../../src/engines/node-child.js';
import { zooModelPath } from '../../models/cache.js';
import { parseScriptArgsOrExit, reportScriptError } from './script.js';

const USAGE =
  'node dist/bench/perf/webgpu-gpu-buffer.js [--provider webgpu|cuda] [--model squeezenet1_1] [--rounds 5] [--runs 60]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      provider: { type: 'string', default: 'webgpu' },
      model: { type: 'string', default: 'squeezenet1_1' },
      rounds: { type: 'string', default: '5' },
      runs: { type: 'string', default: '60' },
    },
  },
  USAGE,
);
const rounds = Number(values.rounds);
const runs = Number(values.runs);
if (!(Number.isInteger(rounds) && rounds > 0 && Number.isInteger(runs) && runs > 0)) {
  reportScriptError(
    new BenchError('E_USAGE', '--rounds and --runs must be positive integers', { hint: USAGE }),
  );
  process.exit();
}
let modelPath: string;
try {
  modelPath = zooModelPath(values.model, { precision: 'fp32' });
} catch (e) {
  reportScriptError(e); // an unknown --model: one line with the closest names
  process.exit();
}

/** Child: runs the model and prints RSS (MiB) after each round, or reads one gpu-buffer output. */
const SOURCE = `
import ort from 'onnxruntime-node';
import { execFileSync } from 'node:child_process';
const { MODEL, MODE, ROUNDS, RUNS, PROVIDER } = process.env;
const gpu = MODE !== 'cpu';
const s = await ort.InferenceSession.create(MODEL, {
  executionProviders: [PROVIDER],
  logSeverityLevel: 3,
  ...(gpu ? { preferredOutputLocation: 'gpu-buffer' } : {}),
});
const meta = s.inputMetadata[0];
const dims = meta.shape.map((d) => (typeof d === 'number' ? d : 1));
const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
const feeds = { [s.inputNames[0]]: x };
if (MODE === 'getData') {
  const out = await s.run(feeds);
  const y = Object.values(out)[0];
  const data = await y.getData();
  console.log(JSON.stringify({ read: data.length }));
} else {
  const rss = [];
  const gpuMiB = [];
  for (let r = 0; r < Number(ROUNDS); r++) {
    for (let i = 0; i < Number(RUNS); i++) {
      const out = await s.run(feeds);
      if (MODE === 'gpu-dispose') for (const v of Object.values(out)) v.dispose();
    }
    rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
    try {
      const csv = execFileSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
      const mine = csv.split(String.fromCharCode(10)).map((l) => l.split(',').map((c) => c.trim())).find(([pid]) => pid === String(process.pid));
      if (mine) gpuMiB.push(Number(mine[1]));
    } catch {}
  }
  console.log(JSON.stringify({ rss, gpuMiB }));
}
`;

async function child(
  mode: string,
): Promise<{ rss?: number[]; gpuMiB?: number[]; read?: number; ended: string }> {
  const outcome = await runNodeChild(SOURCE, {
    timeoutMs: 600_000,
    env: {
      ...process.env,
      MODEL: modelPath,
      MODE: mode,
      PROVIDER: values.provider,
      ROUNDS: String(rounds),
      RUNS: String(runs),
    },
  });
  const r = (outcome.result ?? {}) as { rss?: number[]; gpuMiB?: number[]; read?: number };
  const lines = outcome.stderr.trim().split('\n');
  const lastErr = lines.find((l) => /Error|terminate called/.test(l)) ?? lines.pop() ?? '';
  return { ...r, ended: outcome.exit === 0 ? 'exit 0' : `exit ${String(outcome.exit)}: ${lastErr}` };
}

/** Readings after each round, and the growth per run from the first round to the last. */
function series(mib: number[]): string {
  const perRun = mib.length > 1 ? (mib[mib.length - 1]! - mib[0]!) / ((mib.length - 1) * runs) : 0;
  return `${mib.join(' ')} → ${(perRun * 1024).toFixed(0)} KiB per run`;
}

console.log(
  `${values.model}, ${rounds} rounds × ${runs} runs on the ${values.provider} provider; memory after each round`,
);
let started = false;
for (const [mode, label] of [
  ['cpu', 'outputs on the host (default)'],
  ['gpu-keep', "preferredOutputLocation 'gpu-buffer', outputs dropped"],
  ['gpu-dispose', "preferredOutputLocation 'gpu-buffer', outputs disposed"],
] as const) {
  const r = await child(mode);
  if (!r.rss) {
    console.log(`${label}: no figures (${r.ended})`);
    continue;
  }
  started = true;
  const gpu = r.gpuMiB && r.gpuMiB.length === r.rss.length ? `; GPU MiB ${series(r.gpuMiB)}` : '';
  console.log(`${label}: RSS MiB ${series(r.rss)}${gpu}`);
}
const read = await child('getData');
console.log(
  `getData() on a gpu-buffer output: ${read.read !== undefined ? `read ${read.read} values` : read.ended}`,
);
process.exitCode = started ? 0 : 1;

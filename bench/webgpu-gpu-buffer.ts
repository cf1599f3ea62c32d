/**
 * Why `--transfer exclude` is refused on webgpu (a finding, not a test): onnxruntime-node's WebGPU
 * provider with `preferredOutputLocation: 'gpu-buffer'` versus the default host outputs, each in its
 * own child process. For each mode it runs a zoo model ROUNDS × RUNS times and prints the resident
 * memory after every round (on a software adapter such as lavapipe, GPU buffers live in host memory,
 * so a leak of GPU buffers shows as RSS growth). A last child calls getData() on a gpu-buffer output
 * and reports how the process ended.
 *
 *   npm run build && source .vulkan/env.sh && node dist/bench/webgpu-gpu-buffer.js [--model squeezenet1_1] [--rounds 5] [--runs 60]
 *
 * Needs a WebGPU adapter (a GPU with Vulkan, or lavapipe from bench/device/lavapipe.sh). Exits 1 when
 * the WebGPU provider cannot start.
 */
import { parseArgs } from 'node:util';
import { runNodeChild } from '../src/doctor/node-child.js';
import { zooModelPath } from '../src/zoo/cache.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'squeezenet1_1' },
    rounds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '60' },
  },
});
const rounds = Number(values.rounds);
const runs = Number(values.runs);
const modelPath = zooModelPath(values.model, { precision: 'fp32' });

/** Child: runs the model and prints RSS (MiB) after each round, or reads one gpu-buffer output. */
const SOURCE = `
import ort from 'onnxruntime-node';
const { MODEL, MODE, ROUNDS, RUNS } = process.env;
const gpu = MODE !== 'cpu';
const s = await ort.InferenceSession.create(MODEL, {
  executionProviders: ['webgpu'],
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
  for (let r = 0; r < Number(ROUNDS); r++) {
    for (let i = 0; i < Number(RUNS); i++) {
      const out = await s.run(feeds);
      if (MODE === 'gpu-dispose') for (const v of Object.values(out)) v.dispose();
    }
    rss.push(Math.round(process.memoryUsage().rss / 2 ** 20));
  }
  console.log(JSON.stringify({ rss }));
}
`;

async function child(mode: string): Promise<{ rss?: number[]; read?: number; ended: string }> {
  const outcome = await runNodeChild(SOURCE, {
    timeoutMs: 600_000,
    env: { ...process.env, MODEL: modelPath, MODE: mode, ROUNDS: String(rounds), RUNS: String(runs) },
  });
  const r = (outcome.result ?? {}) as { rss?: number[]; read?: number };
  const lastErr = outcome.stderr.trim().split('\n').pop() ?? '';
  return { ...r, ended: outcome.exit === 0 ? 'exit 0' : `exit ${String(outcome.exit)}: ${lastErr}` };
}

console.log(
  `${values.model}, ${rounds} rounds × ${runs} runs on the WebGPU provider; RSS in MiB after each round`,
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
  const first = r.rss[0]!;
  const last = r.rss[r.rss.length - 1]!;
  const perRun = (last - first) / ((r.rss.length - 1) * runs);
  console.log(`${label}: ${r.rss.join(' ')}  → ${(perRun * 1024).toFixed(0)} KiB per run`);
}
const read = await child('getData');
console.log(
  `getData() on a gpu-buffer output: ${read.read !== undefined ? `read ${read.read} values` : read.ended}`,
);
process.exitCode = started ? 0 : 1;

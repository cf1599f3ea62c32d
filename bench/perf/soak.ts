/**
 * Soak test (issue 20): runs one configuration through the Engine contract for a set time and reports
 * the growth of RSS, the JS heap, external (ArrayBuffer) memory, live tfjs tensors and Node's active
 * handles, per thousand iterations: the slope of a least-squares line through samples taken every
 * --every seconds, the first 10 % of the time left out as warm-up. RSS noise is the standard deviation
 * of the samples around that line. One engine per process (tfjs's backend is global).
 *
 *   npm run build && node dist/bench/perf/soak.js --engine ort|tfjs|ort-bare|tfjs-bare [--model tiny_cnn] [--batch 1]
 *     [--minutes 10] [--every 2] [--threads 1] [--json]
 *
 * --engine tfjs runs the wasm backend, and also samples the size of its WebAssembly memory (which
 * grows and never shrinks). --gc (run node with --expose-gc) collects garbage fully before each
 * sample, so the heap figures are what stays alive rather than a heap between collections.
 * --engine ort-bare and tfjs-bare are the minimal reproductions: onnxruntime-node alone running the
 * same model, and TensorFlow.js's wasm backend alone (a conv, ReLU and mean per iteration), without
 * h100e's engine, so a growth both show is the engine's, not the harness's.
 */
import type { Rank } from '@tensorflow/tfjs';
import { buildGraph } from '../../models/index.js';
import { zooModelPath } from '../../models/cache.js';
import { BenchError } from '../../src/core/errors.js';
import type { Engine, LoadedModel } from '../../src/engines/engine.js';
import { createOrtEngine } from '../../src/engines/ort.js';
import { generateInputs } from '../../src/run/inputs.js';
import { parseScriptArgsOrExit, runScript } from './script.js';

const USAGE =
  'node [--expose-gc] dist/bench/perf/soak.js --engine ort|tfjs|ort-bare|tfjs-bare [--model tiny_cnn] [--batch 1] [--minutes 10] [--every 2] [--threads 1] [--gc] [--json]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      engine: { type: 'string', default: 'ort' },
      model: { type: 'string', default: 'tiny_cnn' },
      batch: { type: 'string', default: '1' },
      minutes: { type: 'string', default: '10' },
      every: { type: 'string', default: '2' },
      threads: { type: 'string', default: '1' },
      gc: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  },
  USAGE,
);

interface Sample {
  t: number;
  iterations: number;
  rss: number;
  heapUsed: number;
  external: number;
  tensors: number;
  /** Bytes of the tfjs wasm backend's WebAssembly memory (0 for ORT). */
  wasmBytes: number;
  handles: number;
}

/**
 * Least-squares slope of y over x, the standard deviation of the residuals, and the slope's standard
 * error (residual sd over the root of the x spread): a slope within about two standard errors of 0
 * is flat within noise.
 */
function fit(xs: number[], ys: number[]): { slope: number; noise: number; slopeSe: number } {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const res = ys.map((y, i) => y - (my + slope * (xs[i]! - mx)));
  const noise = Math.sqrt(res.reduce((s, r) => s + r * r, 0) / Math.max(1, n - 2));
  return { slope, noise, slopeSe: sxx === 0 ? 0 : noise / Math.sqrt(sxx) };
}

const positive = (flag: string, v: string | undefined): number => {
  const x = Number(v);
  if (!(x > 0))
    throw new BenchError('E_USAGE', `--${flag} '${v}': expected a positive number`, { hint: USAGE });
  return x;
};

runScript(async () => {
  const minutes = positive('minutes', values.minutes);
  const every = positive('every', values.every);
  const batch = positive('batch', values.batch);
  const threads = Number(values.threads);
  const model = values.engine === 'tfjs-bare' ? 'conv 3x3 16ch 32x32' : (values.model ?? 'tiny_cnn');
  let engine: Engine;
  let tensors: () => number = () => 0;
  let wasmBytes: () => number = () => 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (values.gc && !gc) throw new BenchError('E_USAGE', '--gc needs node --expose-gc', { hint: USAGE });
  let loaded: LoadedModel;
  if (values.engine === 'ort') {
    engine = createOrtEngine();
    loaded = await engine.load({
      modelPath: zooModelPath(model, { precision: 'fp32' }),
      device: 'cpu',
      precision: 'fp32',
      threads,
      transfer: 'include',
    });
  } else if (values.engine === 'tfjs') {
    const tfjs = await import('../../src/engines/tfjs.js');
    const tf = await import('@tensorflow/tfjs');
    engine = await tfjs.createTfjsEngine({ backend: 'wasm' });
    loaded = await engine.load({
      modelPath: model,
      device: 'cpu',
      precision: 'fp32',
      threads,
      transfer: 'include',
      graph: buildGraph(model, { seed: 0 }),
    });
    tensors = () => tf.memory().numTensors;
    wasmBytes = () =>
      (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length ?? 0;
  } else if (values.engine === 'ort-bare') {
    // The minimal reproduction for ORT: onnxruntime-node alone, no h100e engine: one session of the
    // same model, one thread, its input tensor made once, run in a loop.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(zooModelPath(model, { precision: 'fp32' }), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    });
    const name = session.inputNames[0] ?? 'input';
    const feeds = {
      [name]: new ort.Tensor('float32', new Float32Array(batch * 3 * 32 * 32), [batch, 3, 32, 32]),
    };
    loaded = {
      provider: 'cpu',
      inputs: [],
      bind: async () => undefined,
      run: async () => {
        await session.run(feeds);
      },
      dispose: () => session.release(),
    } as unknown as LoadedModel;
    engine = { name: 'ort' } as unknown as Engine;
  } else if (values.engine === 'tfjs-bare') {
    // The minimal reproduction: TensorFlow.js's wasm backend alone, no h100e engine, graph or bind:
    // one conv + ReLU + mean per iteration inside tf.tidy, its result read back (as a run does).
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not start');
    const x = tf.randomNormal<Rank.R4>([batch, 32, 32, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal<Rank.R4>([3, 3, 3, 16], 0, 1, 'float32', 2);
    loaded = {
      provider: 'wasm',
      inputs: [],
      bind: async () => undefined,
      run: async () => {
        tf.tidy(() =>
          tf
            .relu(tf.conv2d(x, w, 1, 'same'))
            .mean()
            .dataSync(),
        );
      },
      dispose: async () => {
        x.dispose();
        w.dispose();
      },
    } as unknown as LoadedModel;
    engine = { name: 'tfjs' } as unknown as Engine;
    tensors = () => tf.memory().numTensors;
    wasmBytes = () =>
      (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.length ?? 0;
  } else {
    throw new BenchError(
      'E_USAGE',
      `--engine '${values.engine}': expected ort, tfjs, ort-bare or tfjs-bare`,
      {
        hint: USAGE,
      },
    );
  }
  const shapes = loaded.inputs.map((s) => ({
    name: s.name,
    dtype: s.dtype,
    shape: s.shape.map((d, k) => (typeof d === 'number' ? d : k === 0 ? batch : 1)),
  }));
  await loaded.bind(generateInputs(shapes, 0));
  const samples: Sample[] = [];
  const start = performance.now();
  const end = start + minutes * 60_000;
  let iterations = 0;
  let next = start;
  const sample = (): void => {
    if (values.gc) gc?.();
    const m = process.memoryUsage();
    samples.push({
      t: (performance.now() - start) / 1000,
      iterations,
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      tensors: tensors(),
      wasmBytes: wasmBytes(),
      handles: process.getActiveResourcesInfo().length,
    });
  };
  while (performance.now() < end) {
    await loaded.run();
    iterations++;
    if (performance.now() >= next) {
      sample();
      next += every * 1000;
    }
  }
  sample();
  await loaded.dispose();
  const steady = samples.filter((s) => s.t >= minutes * 6); // the first 10 % is warm-up
  const x = steady.map((s) => s.iterations);
  const per1k = (key: keyof Sample): number =>
    fit(
      x,
      steady.map((s) => s[key]),
    ).slope * 1000;
  const rssFit = fit(
    x,
    steady.map((s) => s.rss),
  );
  // The RSS slope of each half of the steady window: growth that levels off shows in the first only.
  const half = Math.floor(steady.length / 2);
  /** A half's RSS slope in KiB per 1000 iterations, and 1.96 standard errors of it. */
  const halfSlopeKiB = (part: Sample[]): [number, number] => {
    const f = fit(
      part.map((s) => s.iterations),
      part.map((s) => s.rss),
    );
    return [(f.slope * 1000) / 1024, (1.96 * f.slopeSe * 1000) / 1024];
  };
  const first = steady[0]!;
  const last = steady[steady.length - 1]!;
  const ENGINE_LABEL: Record<string, string> = {
    ort: 'ort cpu',
    tfjs: 'tfjs wasm',
    'tfjs-bare': 'tfjs wasm alone (no h100e engine)',
    'ort-bare': 'onnxruntime-node alone (no h100e engine)',
  };
  const report = {
    engine: ENGINE_LABEL[values.engine] ?? values.engine,
    provider: loaded.provider,
    model,
    batch,
    threads,
    minutes,
    gc: values.gc,
    iterations,
    samples: steady.length,
    rssMiB: { first: first.rss / 2 ** 20, last: last.rss / 2 ** 20, noiseMiB: rssFit.noise / 2 ** 20 },
    per1000Iterations: {
      rssKiB: per1k('rss') / 1024,
      /** 1.96 standard errors of the RSS slope: the slope is flat within noise when its interval holds 0. */
      rssCi95KiB: (1.96 * rssFit.slopeSe * 1000) / 1024,
      rssHalvesKiB: [halfSlopeKiB(steady.slice(0, half)), halfSlopeKiB(steady.slice(half))],
      heapKiB: per1k('heapUsed') / 1024,
      externalKiB: per1k('external') / 1024,
      tensors: per1k('tensors'),
      handles: per1k('handles'),
    },
    tensors: { first: first.tensors, last: last.tensors },
    wasmMiB: { first: first.wasmBytes / 2 ** 20, last: last.wasmBytes / 2 ** 20 },
    handles: { first: first.handles, last: last.handles },
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const f = (v: number, d = 2): string => v.toFixed(d);
  process.stdout.write(
    [
      `soak: ${report.engine} (${report.provider}), ${model} batch ${batch}, threads ${threads}, ${minutes} min${values.gc ? ', full GC before each sample' : ''}, ${iterations} iterations, ${steady.length} samples after warm-up`,
      `RSS ${f(report.rssMiB.first, 1)} -> ${f(report.rssMiB.last, 1)} MiB (noise ±${f(report.rssMiB.noiseMiB)} MiB)`,
      `per 1000 iterations: RSS ${f(report.per1000Iterations.rssKiB)} ±${f(report.per1000Iterations.rssCi95KiB)} KiB (95 %; first half ${report.per1000Iterations.rssHalvesKiB.map(([v, ci]) => `${f(v)} ±${f(ci)}`).join(', second half ')}), heap ${f(report.per1000Iterations.heapKiB)} KiB, external ${f(report.per1000Iterations.externalKiB)} KiB, tensors ${f(report.per1000Iterations.tensors, 4)}, handles ${f(report.per1000Iterations.handles, 4)}`,
      `tensors ${report.tensors.first} -> ${report.tensors.last}; active handles ${report.handles.first} -> ${report.handles.last}${values.engine.startsWith('tfjs') ? `; wasm memory ${f(report.wasmMiB.first, 1)} -> ${f(report.wasmMiB.last, 1)} MiB` : ''}`,
    ].join('\n') + '\n',
  );
});

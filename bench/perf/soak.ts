/**
 * Soak test (issue 20): runs one configuration through the Engine contract for a set time and reports
 * the growth of RSS, the JS heap, external (ArrayBuffer) memory, live tfjs tensors and Node's active
 * handles, per thousand iterations: the slope of a least-squares line through samples taken every
 * --every seconds, the first 10 % of the time left out as warm-up. RSS noise is the standard deviation
 * of the samples around that line. One engine per process (tfjs's backend is global).
 *
 *   npm run build && node dist/bench/perf/soak.js --engine ort|tfjs [--model tiny_cnn] [--batch 1]
 *     [--minutes 10] [--every 2] [--threads 1] [--json]
 *
 * --engine tfjs runs the wasm backend, and also samples the size of its WebAssembly memory (which
 * grows and never shrinks). --gc (run node with --expose-gc) collects garbage fully before each
 * sample, so the heap figures are what stays alive rather than a heap between collections.
 */
import { buildGraph } from '../../models/index.js';
import { zooModelPath } from '../../models/cache.js';
import { BenchError } from '../../src/core/errors.js';
import type { Engine, LoadedModel } from '../../src/engines/engine.js';
import { createOrtEngine } from '../../src/engines/ort.js';
import { generateInputs } from '../../src/run/inputs.js';
import { parseScriptArgsOrExit, runScript } from './script.js';

const USAGE =
  'node [--expose-gc] dist/bench/perf/soak.js --engine ort|tfjs [--model tiny_cnn] [--batch 1] [--minutes 10] [--every 2] [--threads 1] [--gc] [--json]';
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

/** Least-squares slope of y over x, and the standard deviation of the residuals. */
function fit(xs: number[], ys: number[]): { slope: number; noise: number } {
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
  return { slope, noise: Math.sqrt(res.reduce((s, r) => s + r * r, 0) / Math.max(1, n - 2)) };
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
  const model = values.model ?? 'tiny_cnn';
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
  } else {
    throw new BenchError('E_USAGE', `--engine '${values.engine}': expected ort or tfjs`, { hint: USAGE });
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
  const first = steady[0]!;
  const last = steady[steady.length - 1]!;
  const report = {
    engine: values.engine === 'tfjs' ? 'tfjs wasm' : 'ort cpu',
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
      `per 1000 iterations: RSS ${f(report.per1000Iterations.rssKiB)} KiB, heap ${f(report.per1000Iterations.heapKiB)} KiB, external ${f(report.per1000Iterations.externalKiB)} KiB, tensors ${f(report.per1000Iterations.tensors, 4)}, handles ${f(report.per1000Iterations.handles, 4)}`,
      `tensors ${report.tensors.first} -> ${report.tensors.last}; active handles ${report.handles.first} -> ${report.handles.last}${values.engine === 'tfjs' ? `; wasm memory ${f(report.wasmMiB.first, 1)} -> ${f(report.wasmMiB.last, 1)} MiB` : ''}`,
    ].join('\n') + '\n',
  );
});

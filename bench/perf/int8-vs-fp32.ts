/**
 * int8 QDQ zoo builds against their fp32 originals on this CPU (a measurement, not a test):
 * - top-1 agreement: argmax of the int8 logits against the fp32 ones on seeded N(0, 1) images (not
 *   the calibration images), with how many distinct fp32 classes those images give. The zoo's weights
 *   are random, so one class can win for every image and plain agreement then says little; hence also
 *   the centred agreement (each logit minus its mean over the images, per model: which class each
 *   image leans to against the others) and the relative RMS error of the int8 logits;
 * - speed: images per second of a bare `session.run` loop at one batch size, int8 and fp32
 *   alternating in short rounds (ABBA) so load from other processes hits both alike.
 *
 *   npx tsc -p . && node dist/bench/int8-vs-fp32.js [--models resnet50,mobilenet_v2,squeezenet1_1]
 *       [--images 64] [--batch 8] [--rounds 6] [--seconds 1] [--threads 0]
 *
 * `bench run --precision int8` gives the harness's own figure; this script adds the agreement.
 */
import ort from 'onnxruntime-node';
import { getZooEntry } from '../../models/index.js';
import { BenchError } from '../../src/core/errors.js';
import { generateInputs } from '../../src/run/inputs.js';
import { median } from '../../src/stats/statistics.js';
import { ensureZooModel } from '../../src/run/int8-cache.js';
import { parseScriptArgsOrExit, reportScriptError, runScript } from './script.js';

const USAGE =
  'node dist/bench/int8-vs-fp32.js [--models a,b,c] [--images 64] [--batch 8] [--rounds 6] [--seconds 1] [--threads 0]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      models: { type: 'string', default: 'resnet50,mobilenet_v2,squeezenet1_1' },
      images: { type: 'string', default: '64' },
      batch: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '1' },
      threads: { type: 'string', default: '0' },
    },
  },
  USAGE,
);
const [images, batch, rounds, seconds, threads] = ['images', 'batch', 'rounds', 'seconds', 'threads'].map(
  (k) => Number(values[k as keyof typeof values]),
) as [number, number, number, number, number];
if (
  ![images, batch, rounds, threads].every(Number.isInteger) ||
  images < batch ||
  batch < 1 ||
  rounds < 1 ||
  threads < 0 ||
  !(seconds > 0)
) {
  reportScriptError(
    new BenchError(
      'E_USAGE',
      '--images >= --batch >= 1, --rounds >= 1, --threads >= 0 (integers), --seconds > 0',
      {
        hint: USAGE,
      },
    ),
  );
  process.exit();
}

/** Seed of the agreement images: not the calibration seed (see src/run/int8-cache.ts). */
const SEED = 11;

function argmaxRows(logits: Float32Array, rows: number): number[] {
  const width = logits.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let k = 1; k < width; k++) if (logits[r * width + k]! > logits[r * width + best]!) best = k;
    return best;
  });
}

/** Each logit minus its class's mean over the images. */
function centre(logits: Float32Array, rows: number): Float32Array {
  const width = logits.length / rows;
  const mean = new Float64Array(width);
  for (let i = 0; i < logits.length; i++) mean[i % width]! += logits[i]! / rows;
  return Float32Array.from(logits, (v, i) => v - mean[i % width]!);
}

async function session(path: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}

/** Runs completed in `seconds` of a bare loop, as images per second. */
async function rate(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await s.run(feeds);
    n++;
  }
  return (n * batch * 1000) / (performance.now() - start);
}

async function compare(name: string): Promise<void> {
  const entry = getZooEntry(name);
  const [, c, h, w] = entry.inputShape;
  const fp32Path = await ensureZooModel(entry.name, { precision: 'fp32' });
  const int8Path = await ensureZooModel(entry.name, { precision: 'int8' });
  const [f, q] = [await session(fp32Path), await session(int8Path)];
  try {
    const all = generateInputs([{ name: 'input', dtype: 'float32', shape: [images, c, h, w] }], SEED).get(
      'input',
    )!.data as Float32Array;
    const per = c * h * w;
    const n = Math.floor(images / batch) * batch;
    const logits = { f: new Float32Array(n * 1000), q: new Float32Array(n * 1000) };
    for (let i = 0; i < n; i += batch) {
      const x = new ort.Tensor('float32', all.subarray(i * per, (i + batch) * per), [batch, c, h, w]);
      logits.f.set((await f.run({ input: x })).logits!.data as Float32Array, i * 1000);
      logits.q.set((await q.run({ input: x })).logits!.data as Float32Array, i * 1000);
    }
    const top = { f: argmaxRows(logits.f, n), q: argmaxRows(logits.q, n) };
    const agree = top.q.filter((k, i) => k === top.f[i]).length;
    const centred = { f: argmaxRows(centre(logits.f, n), n), q: argmaxRows(centre(logits.q, n), n) };
    const agreeCentred = centred.q.filter((k, i) => k === centred.f[i]).length;
    let err = 0;
    let ref = 0;
    for (let i = 0; i < logits.f.length; i++) {
      err += (logits.q[i]! - logits.f[i]!) ** 2;
      ref += logits.f[i]! ** 2;
    }
    const feeds = { input: new ort.Tensor('float32', all.subarray(0, batch * per), [batch, c, h, w]) };
    const fr: number[] = [];
    const qr: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // ABBA: the order flips every round.
      if (r % 2 === 0) {
        fr.push(await rate(f, feeds));
        qr.push(await rate(q, feeds));
      } else {
        qr.push(await rate(q, feeds));
        fr.push(await rate(f, feeds));
      }
    }
    const [fm, qm] = [median(fr), median(qr)];
    process.stdout.write(
      `${name.padEnd(14)} top-1 agreement ${agree}/${n} (${new Set(top.f).size} distinct fp32 classes); centred ${agreeCentred}/${n} (${new Set(centred.f).size} classes); logit rel. RMS error ${(100 * Math.sqrt(err / ref)).toFixed(2)} %\n` +
        `${''.padEnd(14)} batch ${batch}: fp32 ${fm.toFixed(1)} img/s, int8 ${qm.toFixed(1)} img/s, int8/fp32 x${(qm / fm).toFixed(2)} (medians of ${rounds} rounds of ${seconds} s)\n`,
    );
  } finally {
    await f.release();
    await q.release();
  }
}

runScript(async () => {
  process.stdout.write(
    `onnxruntime-node ${ort.env.versions.common} CPU, intra-op threads ${threads === 0 ? 'default' : threads}; seeded N(0,1) images (seed ${SEED})\n`,
  );
  for (const name of values.models.split(',')) await compare(name.trim());
});

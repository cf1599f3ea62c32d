/**
 * Zoo build benchmark: build time, output size and peak RSS per model (each model in its own
 * child process, so the peak RSS is that build's alone). With --ort, also loads the build in
 * onnxruntime-node (CPU) and times one batch-1 inference after a warm-up run.
 *
 *   npx tsc -p . && node dist/bench/perf/zoo-build.js [--precision fp32|fp16] [--ort] [model ...]
 *
 * Targets (issue): resnet50 builds in < 10 s; vit_b_16's peak RSS stays within about twice its file size.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildOnnx, getZooEntry, listZoo } from '../../models/index.js';
import { float32ToFloat16Bits } from '../../src/graph/fp16.js';
import { BenchError } from '../../src/core/errors.js';
import { parseScriptArgs, runScript } from './script.js';

interface ChildResult {
  model: string;
  precision: 'fp32' | 'fp16';
  buildMs: number;
  bytes: number;
  peakRssMiB: number;
  baselineRssMiB: number;
  ort?: { createMs: number; runMs: number } | { error: string };
}

async function child(model: string, precision: 'fp32' | 'fp16', withOrt: boolean): Promise<ChildResult> {
  const baselineRssMiB = process.resourceUsage().maxRSS / 1024;
  const t0 = performance.now();
  const bytes = buildOnnx(model, { precision });
  const buildMs = performance.now() - t0;
  const peakRssMiB = process.resourceUsage().maxRSS / 1024; // before ORT, which copies the model
  const result: ChildResult = { model, precision, buildMs, bytes: bytes.length, peakRssMiB, baselineRssMiB };
  if (withOrt) {
    try {
      const { default: ort } = await import('onnxruntime-node');
      const t1 = performance.now();
      const session = await ort.InferenceSession.create(bytes);
      const createMs = performance.now() - t1;
      const [, c, h, w] = getZooEntry(model).inputShape;
      const x = Float32Array.from({ length: c * h * w }, (_, i) => Math.sin(i / 97));
      const input =
        precision === 'fp16'
          ? new ort.Tensor('float16', Uint16Array.from(x, float32ToFloat16Bits), [1, c, h, w])
          : new ort.Tensor('float32', x, [1, c, h, w]);
      await session.run({ input });
      const t2 = performance.now();
      await session.run({ input });
      result.ort = { createMs, runMs: performance.now() - t2 };
    } catch (e) {
      result.ort = { error: e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e) };
    }
  }
  return result;
}

/** How the script is called. */
const USAGE = 'node dist/bench/perf/zoo-build.js [--precision fp32|fp16] [--ort] [model ...]';

function main(argv: string[]): void {
  const { values, positionals } = parseScriptArgs(
    {
      args: argv,
      options: { precision: { type: 'string', default: 'fp32' }, ort: { type: 'boolean' } },
      allowPositionals: true,
    },
    USAGE,
  );
  const precision = values.precision;
  if (precision !== 'fp32' && precision !== 'fp16') {
    throw new BenchError('E_USAGE', `--precision '${precision}': expected fp32 or fp16`, { hint: USAGE });
  }
  const withOrt = values.ort === true;
  const names = positionals.length > 0 ? positionals : listZoo().map((e) => e.name);
  for (const name of names) getZooEntry(name); // an unknown name fails before any build
  const self = fileURLToPath(import.meta.url);
  console.log(
    `model               prec  build_s   size_MiB  peak_rss_MiB  rss/size  ${withOrt ? 'ort_create_s  ort_run_b1_ms' : ''}`,
  );
  for (const name of names) {
    const out = execFileSync(process.execPath, [self, '--child', name, precision, withOrt ? 'ort' : ''], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out) as ChildResult;
    const mib = r.bytes / 2 ** 20;
    const ort = !r.ort
      ? ''
      : 'error' in r.ort
        ? `ORT error: ${r.ort.error}`
        : `${(r.ort.createMs / 1000).toFixed(2).padStart(12)}  ${r.ort.runMs.toFixed(1).padStart(13)}`;
    console.log(
      `${name.padEnd(20)}${r.precision}  ${(r.buildMs / 1000).toFixed(2).padStart(7)}  ${mib.toFixed(1).padStart(9)}  ${r.peakRssMiB.toFixed(0).padStart(12)}  ${((r.peakRssMiB - r.baselineRssMiB) / mib).toFixed(2).padStart(8)}  ${ort}`,
    );
  }
  console.log(
    'rss/size = (peak RSS - RSS before the build) / file size; measured on this machine (CPU), see `node --version`.',
  );
}

if (process.argv[2] === '--child') {
  const [, , , model, precision, ort] = process.argv;
  child(model ?? '', precision === 'fp16' ? 'fp16' : 'fp32', ort === 'ort').then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
} else {
  runScript(() => main(process.argv.slice(2)));
}

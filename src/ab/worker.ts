/**
 * One side of `bench ab`, in its own process: `node dist/src/ab/worker.js`, forked with an IPC channel.
 * It loads the side's model once, then runs a timed slice each time the parent asks, so the two sides
 * never share a process, a thread pool or an allocator. With --a-dir/--b-dir the parent runs the worker
 * of that installation, so its onnxruntime-node and harness are the ones measured.
 */
import { errorMessage, tolerateClosedTerminal } from '../core/errors.js';
import { TOOL_VERSION } from '../core/version.js';
import type { LoadedModel } from '../engines/engine.js';
import { parseOrtOptions } from '../engines/ort-options.js';
import { measure } from '../measure/measure.js';
import { loadEngine } from '../run/engines.js';
import { generateInputs, resolveInputShapes } from '../run/inputs.js';
import { resolveModel } from '../run/models.js';
import type { FromWorker, ToWorker } from './protocol.js';

tolerateClosedTerminal();
let loaded: LoadedModel | undefined;
let batch = 1;

function send(m: FromWorker): void {
  if (process.connected) process.send?.(m);
}

async function handle(m: ToWorker): Promise<void> {
  if (m.kind === 'exit') {
    process.exit(0);
  }
  if (m.kind === 'load') {
    const { spec } = m;
    batch = m.batch;
    const resolved = resolveModel(spec.model, {
      engine: spec.engine,
      precision: spec.precision,
      seed: m.seed,
    });
    const engine = await loadEngine(spec.engine);
    const ort = parseOrtOptions(spec.epOptions, spec.engine, 'cpu');
    loaded = await engine.load({
      modelPath: resolved.path,
      device: 'cpu',
      precision: resolved.precision,
      threads: spec.threads,
      transfer: 'include',
      session: ort.session,
      sessionConfig: ort.config,
    });
    // A benchmark hook: H100E_AB_BUSY_US=N spins N microseconds before each run, a known extra cost
    // (bench/perf/ab-sensitivity.ts uses it as a synthetic slowdown of side B).
    const busyUs = Number(process.env['H100E_AB_BUSY_US'] ?? 0);
    if (busyUs > 0) {
      const model = loaded;
      const run = model.run.bind(model);
      model.run = () => {
        const until = performance.now() + busyUs / 1000;
        while (performance.now() < until);
        return run();
      };
    }
    const shapes = resolveInputShapes(loaded.inputs, batch, {});
    await loaded.bind(generateInputs(shapes, m.seed));
    send({
      kind: 'loaded',
      modelName: resolved.name,
      sha256: resolved.sha256,
      precision: resolved.precision,
      engineVersion: engine.version,
      provider: loaded.provider,
      toolVersion: TOOL_VERSION,
    });
    return;
  }
  if (!loaded) throw new Error('slice before load');
  const r = await measure(loaded, batch, {
    scenario: 'offline',
    warmupIterations: 0,
    minDurationS: m.seconds,
    maxDurationS: m.seconds,
    minIterations: 1,
    relCiPct: 0.01,
    concurrency: 1,
    seed: 0,
  });
  send({
    kind: 'slice',
    iterations: r.iterations,
    wallS: r.wallTimeS,
    samplesMs: m.warmup ? [] : r.samplesMs,
  });
}

// A test hook: H100E_AB_CRASH_AFTER=N makes the worker exit abruptly on its Nth slice (a crash mid-run).
const crashAfter = Number(process.env['H100E_AB_CRASH_AFTER'] ?? 0);
let slices = 0;
process.on('message', (m: ToWorker) => {
  if (m.kind === 'slice' && crashAfter > 0 && ++slices >= crashAfter) process.exit(70);
  handle(m).catch((e: unknown) =>
    send({ kind: 'error', message: errorMessage(e).split('\n')[0] ?? 'error' }),
  );
});
process.on('disconnect', () => process.exit(0));

/**
 * One side of `bench ab` as a normal run of the result file: its latency samples pooled over every
 * round, with the statistics `bench run` computes, so compare, report and estimate read it as any run.
 */
import { errorMessage } from '../core/errors.js';
import type { AbRound, AbSection, AbSideSpec } from '../results/ab-schema.js';
import { runKey } from '../results/key.js';
import type { Environment, ModelInfo, RunConfig, RunResult, RunWarning } from '../results/schema.js';
import { resolveInputShapes } from '../run/inputs.js';
import { resolveModel } from '../run/models.js';
import { describeModel } from '../run/run.js';
import { summarize, throughputFromLatency } from '../stats/statistics.js';

/** What {@link sideRun} needs. */
export interface SideRunInput {
  side: 'a' | 'b';
  spec: AbSideSpec;
  /** What the side's worker loaded (name, hash, precision, engine version, provider). */
  loaded: NonNullable<AbSection['loaded']['a']>;
  o: { batch: number; seed: number; roundS: number; maxDurationS: number; relCiPct: number };
  environment: Environment;
  startedAt: string;
  rounds: readonly AbRound[];
  samplesMs: number[];
  /** The side's failure, when it failed. */
  failed: string | undefined;
}

/**
 * The model as the analyzer sees it, named and hashed as the worker loaded it (with --a-dir the
 * worker's installation resolved it). A model this installation cannot resolve keeps only those.
 */
function modelInfo(x: SideRunInput, warnings: RunWarning[]): ModelInfo {
  const { spec, loaded } = x;
  const bare: ModelInfo = {
    name: loaded.modelName,
    source: 'file',
    sha256: loaded.sha256,
    precision: loaded.precision,
    params: 0,
    macsPerImage: null,
    flopsPerImage: null,
    inputs: [],
  };
  try {
    const resolved = resolveModel(spec.model, {
      engine: spec.engine,
      precision: spec.precision,
      seed: x.o.seed,
    });
    const info = describeModel(resolved, { seed: x.o.seed, shapes: [] }, warnings);
    let inputs = info.inputs;
    try {
      inputs = resolved.inputs ? resolveInputShapes(resolved.inputs, x.o.batch, {}) : [];
    } catch {
      // A model whose inputs need --shape keeps none here; the measurement itself is unaffected.
    }
    return { ...info, name: loaded.modelName, sha256: loaded.sha256, precision: loaded.precision, inputs };
  } catch (e) {
    warnings.push({
      code: 'W_ANALYSIS_FAILED',
      message: `static analysis failed: ${errorMessage(e)}`,
      advice: 'GFLOP/s and roofline figures are left out for this side',
    });
    return bare;
  }
}

/** Side `x.side`'s run: status ok with the pooled statistics, or failed with the side's message. */
export function sideRun(x: SideRunInput): RunResult {
  const warnings: RunWarning[] = [];
  const model = modelInfo(x, warnings);
  const engine = { name: x.spec.engine, version: x.loaded.engineVersion, provider: x.loaded.provider };
  const config: RunConfig = {
    scenario: 'offline',
    batch: x.o.batch,
    threads: x.spec.threads,
    concurrency: 1,
    warmupIterations: 0,
    minDurationS: x.o.roundS,
    minIterations: 1,
    maxDurationS: x.o.maxDurationS,
    relCiPct: x.o.relCiPct,
    transfer: 'include',
    seed: x.o.seed,
  };
  const base = {
    key: runKey({ model, engine, config }),
    startedAt: x.startedAt,
    model,
    engine,
    device: { requested: 'cpu' as const, actual: 'cpu' as const, name: x.environment.cpu.model },
    config,
    abSide: x.side,
  };
  const slices = x.rounds.map((r) => r[x.side]);
  const wallS = slices.reduce((s, r) => s + r.wallS, 0);
  const iterations = slices.reduce((s, r) => s + r.iterations, 0);
  if (x.failed !== undefined || x.samplesMs.length === 0) {
    return {
      ...base,
      status: 'failed',
      error: x.failed ?? 'no finished round',
      samplesMs: x.samplesMs,
      warnings,
    };
  }
  const latency = summarize(x.samplesMs);
  return {
    ...base,
    status: 'ok',
    latency,
    throughput: throughputFromLatency(
      latency,
      x.o.batch,
      1,
      wallS > 0 ? (iterations * x.o.batch) / wallS : 0,
    ),
    samplesMs: x.samplesMs,
    measuredDurationS: wallS,
    iterations,
    warnings,
  };
}

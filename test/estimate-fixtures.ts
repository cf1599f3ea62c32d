/** Result files built in memory for the H100e tests: exact numbers, no engine needed. */
import type { Environment, ResultFile, RunResult } from '../src/results/schema.js';

/** An environment with the given CPU model and nvidia-smi GPU names. */
export function env(cpuModel: string, gpus: string[] = []): Environment {
  return {
    hostname: 'h',
    os: { platform: 'linux', release: '6', arch: 'x64' },
    cpu: { model: cpuModel, logicalCores: 2, physicalCores: 2 },
    memoryBytes: 1,
    node: 'v20',
    tool: { name: 'h100e', version: '0.1.0' },
    packages: {},
    gpus: gpus.map((name, index) => ({ index, name })),
  };
}

/** One successful run with exact static costs and throughput. */
export function run(o: {
  model?: string;
  sha?: string;
  device: 'cpu' | 'cuda';
  provider?: string;
  precision?: 'fp32' | 'fp16';
  batch?: number;
  samplesPerS: number;
  flopsPerImage: number | null;
  weightBytes?: number;
  activationBytesPerImage?: number;
  deviceName?: string;
}): RunResult {
  const provider = o.provider ?? (o.device === 'cpu' ? 'cpu' : 'cuda');
  const batch = o.batch ?? 1;
  const model = o.model ?? 'net';
  return {
    key: `${model}@${o.sha ?? 'abc'}|ort|${provider}|${o.precision ?? 'fp32'}|b${batch}|offline|c1|t0`,
    startedAt: '2026-01-01T00:00:00.000Z',
    model: {
      name: model,
      source: 'zoo',
      sha256: o.sha ?? 'abc',
      params: 1,
      macsPerImage: o.flopsPerImage === null ? null : o.flopsPerImage / 2,
      flopsPerImage: o.flopsPerImage,
      weightBytes: o.weightBytes,
      activationBytesPerImage: o.activationBytesPerImage,
      inputs: [],
      precision: o.precision ?? 'fp32',
    },
    engine: { name: 'ort', version: '1.30.0', provider },
    device: {
      requested: o.device,
      actual: o.device,
      name: o.deviceName ?? (o.device === 'cpu' ? 'CPU' : 'GPU'),
      ...(o.device === 'cuda' ? { gpuIndex: 0 } : {}),
    },
    config: {
      scenario: 'offline',
      batch,
      threads: 0,
      concurrency: 1,
      warmupIterations: 1,
      minDurationS: 1,
      minIterations: 1,
      maxDurationS: 2,
      relCiPct: 2,
      transfer: 'include',
      seed: 0,
    },
    status: 'ok',
    throughput: {
      samplesPerS: o.samplesPerS,
      ci95: [o.samplesPerS, o.samplesPerS],
      method: 'median-latency',
      wallClockSamplesPerS: o.samplesPerS,
    },
    samplesMs: [],
    warnings: [],
  };
}

/** A result file around runs. */
export function file(environment: Environment, runs: RunResult[], command = 'bench run --test'): ResultFile {
  return { schemaVersion: 2, createdAt: '2026-01-01T00:00:00.000Z', command, environment, runs };
}

/** A figure divided by a test divisor on an H100 SXM, shaped as src/estimate returns it. */
export const divided = (samplesPerS: number, divisor: number, kind: 'capacity' | 'measured') => ({
  h100e: samplesPerS / divisor,
  derivation: {
    kind: 'measured' as const,
    samplesPerS,
    divisor: { samplesPerS: divisor, device: 'H100 SXM', file: `test ${kind} divisor`, command: 'test' },
    pairing: 'same-config' as const,
    reference: { engine: 'ort', provider: 'cuda', transfer: 'include' },
    run: { engine: 'ort', provider: 'cuda' },
  },
  caveats: [],
  notes: [],
});
/** A 16-bit or 8-bit spec figure of 1 (the H100 is the unit). */
export const unitSpec = (rule: 16 | 8) => ({
  h100e: 1,
  derivation: { kind: 'spec' as const, rule, value: 1, h100Value: 1 },
  caveats: [],
  notes: [],
});

/**
 * Building blocks of SYNTHETIC result files for tests (compare, report, the fixture generator):
 * made-up machines and settings, nothing measured.
 */
import { runKey } from '../src/results/key.js';
import type { LoadedFile } from '../src/results/load.js';
import type { DeviceInfo, Environment, RunConfig, RunResult, RunWarning } from '../src/results/schema.js';
import { summarize, throughputFromLatency } from '../src/stats/statistics.js';

/** A made-up Linux machine named `hostname` with CPU `cpu` and onnxruntime-node `ortVersion`. */
export function syntheticEnv(hostname: string, cpu = 'Synthetic CPU', ortVersion = '1.30.0'): Environment {
  return {
    hostname,
    os: { platform: 'linux', release: '6.1.0-synthetic', arch: 'x64' },
    cpu: { model: cpu, logicalCores: 2 },
    memoryBytes: 8 * 1024 ** 3,
    node: 'v20.19.0',
    tool: { name: 'h100e', version: '0.1.0' },
    packages: { 'onnxruntime-node': ortVersion },
    gpus: [],
  };
}

/** Fixed measurement settings of a synthetic run; `extra` adds the server fields (qps, bound, findPeak). */
export function syntheticConfig(
  scenario: RunConfig['scenario'],
  batch: number,
  threads: number,
  extra: Partial<Pick<RunConfig, 'qps' | 'latencyBoundMs' | 'findPeak'>> = {},
): RunConfig {
  return {
    scenario,
    batch,
    threads,
    concurrency: 1,
    warmupIterations: 2,
    minDurationS: 1,
    minIterations: 5,
    maxDurationS: 10,
    relCiPct: 2,
    transfer: 'include',
    seed: 1,
    ...extra,
  };
}

/** What varies between the synthetic runs of the compare and report tests. */
export interface SyntheticRunSpec {
  model: string;
  batch: number;
  /** Hand-picked per-iteration latencies; every statistic is computed from them. */
  samplesMs: number[];
  /** offline (default) or single-stream; `server` below makes a server run. */
  scenario?: 'offline' | 'single-stream';
  precision?: 'fp32' | 'fp16';
  /** One character repeated to a sha256 (default 'a'): another character is another model file. */
  shaChar?: string;
  provider?: string;
  device?: DeviceInfo;
  threads?: number;
  /** Height and width of the image input (default 32). */
  imageSize?: number;
  /** A server run at `qps` with a p99 bound (p99 defaults to the samples' p99). */
  server?: { qps: number; boundMs: number; achievedQps: number; met: boolean; p99Ms?: number };
  warnings?: RunWarning[];
}

/** A successful synthetic run: a tiny zoo-like model, the given latencies, and the statistics of them. */
export function syntheticRun(o: SyntheticRunSpec): RunResult {
  const batch = o.batch;
  const model = {
    name: o.model,
    source: 'zoo' as const,
    sha256: (o.shaChar ?? 'a').repeat(64),
    params: 1000,
    macsPerImage: 1_000_000,
    flopsPerImage: 2_000_000,
    inputs: [
      { name: 'input', dtype: 'float32' as const, shape: [batch, 3, o.imageSize ?? 32, o.imageSize ?? 32] },
    ],
    precision: o.precision ?? 'fp32',
  };
  const engine = { name: 'ort' as const, version: '1.30.0', provider: o.provider ?? 'cpu' };
  const s = o.server;
  const config = syntheticConfig(
    s ? 'server' : (o.scenario ?? 'offline'),
    batch,
    o.threads ?? 2,
    s ? { qps: s.qps, latencyBoundMs: s.boundMs } : {},
  );
  const latency = summarize(o.samplesMs);
  return {
    key: runKey({ model, engine, config }),
    startedAt: '2026-01-01T00:00:00.000Z',
    model,
    engine,
    device: o.device ?? { requested: 'cpu', actual: 'cpu', name: 'Synthetic CPU' },
    config,
    status: 'ok',
    latency,
    throughput: throughputFromLatency(latency, batch, 1, 1000),
    samplesMs: o.samplesMs,
    ...(s
      ? {
          server: {
            targetQps: s.qps,
            achievedQps: s.achievedQps,
            p99Ms: s.p99Ms ?? latency.p99Ms,
            latencyBoundMs: s.boundMs,
            met: s.met,
          },
        }
      : {}),
    warnings: o.warnings ?? [],
  };
}

/** A loaded synthetic result file named `label` holding `runs`, measured on syntheticEnv(`host`). */
export function syntheticFile(label: string, runs: RunResult[], host = 'synthetic-host'): LoadedFile {
  return {
    path: label,
    label,
    data: {
      schemaVersion: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      command: 'bench',
      environment: syntheticEnv(host),
      runs,
    },
  };
}

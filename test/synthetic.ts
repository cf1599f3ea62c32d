/**
 * Building blocks of SYNTHETIC result files for tests (compare, report, the fixture generator):
 * made-up machines and settings, nothing measured.
 */
import type { Environment, RunConfig } from '../src/results/schema.js';

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

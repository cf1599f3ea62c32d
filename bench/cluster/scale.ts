/**
 * Scale check of `bench cluster collect` (a benchmark, not a test): generates a census folder of
 * NODES nodes x GPUS GPUs x CONFIGS configurations of node files shaped like `bench run --gpus all`
 * writes them (with raw samples), then runs the real CLI's collect on it in a child process and prints
 * its wall time and peak RSS (from /usr/bin/time). Target (issue 18): 1,000 x 8 x 6 in <= 30 s and
 * <= 2 GB on the 2-core dev machine.
 *
 *   npx tsc -p . && node dist/bench/cluster/scale.js [--nodes 1000] [--gpus 8] [--configs 6] [--samples 200] [--keep]
 *
 * The throughputs are generated (seeded): they exercise the census, they are not measurements.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError } from '../../src/core/errors.js';
import { packageVersions } from '../../src/env/environment.js';
import { writeManifest, type Manifest } from '../../src/cluster/manifest.js';
import { mulberry32 } from '../../src/core/random.js';
import { SCHEMA_VERSION, type ResultFile, type RunResult } from '../../src/results/schema.js';
import { PACKAGE_ROOT, TOOL_VERSION } from '../../src/core/version.js';
import { parseScriptArgsOrExit, runScript } from '../perf/script.js';

const USAGE =
  'node dist/bench/cluster/scale.js [--nodes 1000] [--gpus 8] [--configs 6] [--samples 200] [--keep]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      nodes: { type: 'string', default: '1000' },
      gpus: { type: 'string', default: '8' },
      configs: { type: 'string', default: '6' },
      samples: { type: 'string', default: '200' },
      keep: { type: 'boolean', default: false },
    },
  },
  USAGE,
);

function count(flag: string, v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0)
    throw new BenchError('E_USAGE', `--${flag} '${v}': expected a positive integer`, { hint: USAGE });
  return Number(v);
}

const GPU = 'NVIDIA H100 80GB HBM3';
const RUN_ARGS = [
  '--model',
  'resnet50',
  '--device',
  'cuda',
  '--precision',
  'fp16',
  '--batch',
  '1,8,32,64,128,256',
];

function run(batch: number, gpu: number, samplesPerS: number, samples: number, rnd: () => number): RunResult {
  const latency = (batch / samplesPerS) * 1000;
  const samplesMs = Array.from({ length: samples }, () => latency * (0.97 + 0.06 * rnd()));
  return {
    key: `resnet50@0123456789ab|ort|cuda|fp16|b${batch}|offline|c1|t0|gpu${gpu}`,
    startedAt: '2026-12-07T00:00:00.000Z',
    model: {
      name: 'resnet50',
      source: 'zoo',
      sha256: '0123456789abcdef',
      params: 25_557_032,
      macsPerImage: 4.09e9,
      flopsPerImage: 8.18e9,
      inputs: [{ name: 'input', dtype: 'float16', shape: [batch, 3, 224, 224] }],
      precision: 'fp16',
    },
    engine: { name: 'ort', version: '1.30.0', provider: 'cuda' },
    device: { requested: 'cuda', actual: 'cuda', name: GPU, gpuIndex: gpu },
    config: {
      scenario: 'offline',
      batch,
      threads: 0,
      concurrency: 1,
      warmupIterations: 5,
      minDurationS: 3,
      minIterations: 10,
      maxDurationS: 30,
      relCiPct: 2,
      transfer: 'include',
      seed: 0,
    },
    status: 'ok',
    latency: {
      count: samples,
      meanMs: latency,
      sdMs: latency * 0.02,
      medianMs: latency,
      p50Ms: latency,
      p90Ms: latency * 1.02,
      p95Ms: latency * 1.03,
      p99Ms: latency * 1.03,
      p999Ms: latency * 1.03,
      minMs: latency * 0.97,
      maxMs: latency * 1.03,
      cv: 0.02,
      madMs: latency * 0.01,
      medianCi95Ms: [latency * 0.99, latency * 1.01],
      outliers: 0,
    },
    throughput: {
      samplesPerS,
      ci95: [samplesPerS * 0.99, samplesPerS * 1.01],
      method: 'median-latency',
      wallClockSamplesPerS: samplesPerS * 0.98,
    },
    samplesMs,
    measuredDurationS: 3,
    iterations: samples,
    power: { avgW: 500 + 100 * rnd(), maxW: 690, readings: 30, samplesPerJoule: samplesPerS / 550 },
    warnings: [],
  };
}

runScript(() => {
  const nodes = count('nodes', values.nodes);
  const gpus = count('gpus', values.gpus);
  const configs = count('configs', values.configs);
  const samples = count('samples', values.samples);
  const batches = [1, 8, 32, 64, 128, 256, 512, 1024].slice(0, configs);
  const root = mkdtempSync(join(tmpdir(), 'h100e-cluster-scale-'));
  const dir = join(root, 'census');
  mkdirSync(join(dir, 'nodes'), { recursive: true });
  mkdirSync(join(dir, 'steps'));
  const names = Array.from({ length: nodes }, (_, i) => `gpu${String(i + 1).padStart(4, '0')}`);
  const manifest: Manifest = {
    manifestVersion: 1,
    kind: 'h100e-cluster-census',
    censusId: 'scale-test',
    createdAt: new Date().toISOString(),
    command: `bench cluster slurm ${RUN_ARGS.join(' ')} --gpus-per-node ${gpus} --out ${dir}`,
    runArgs: RUN_ARGS,
    runCommand: `bench run ${RUN_ARGS.join(' ')} --gpus all --out "${dir}/nodes/$SLURMD_NODENAME.json"`,
    tool: { name: 'h100e', version: TOOL_VERSION },
    packages: packageVersions(),
    request: { nodeState: 'idle', exclusive: true, sbatchArgs: [], gpusPerNode: gpus, nodes },
    jobs: [
      {
        jobId: '1',
        submittedAt: new Date().toISOString(),
        nodes: [],
        nodeCount: nodes,
        script: 'census.sbatch',
        resume: false,
      },
    ],
  };
  writeManifest(dir, manifest);
  writeFileSync(join(dir, 'steps', 'job-1.nodes'), names.join('\n') + '\n');
  const rnd = mulberry32(18);
  const t0 = Date.now();
  let bytes = 0;
  for (const [n, node] of names.entries()) {
    const runs: RunResult[] = [];
    for (const batch of batches) {
      for (let g = 0; g < gpus; g++) {
        // About 1 GPU in 200 runs 20 % slow: the outliers the census should name.
        const slow = (n * gpus + g) % 197 === 0 ? 0.8 : 1;
        runs.push(run(batch, g, 3000 * Math.log2(batch + 1) * slow * (0.98 + 0.04 * rnd()), samples, rnd));
      }
    }
    const file: ResultFile = {
      schemaVersion: SCHEMA_VERSION,
      createdAt: new Date().toISOString(),
      command: `bench run ${RUN_ARGS.join(' ')} --gpus all --out ${dir}/nodes/${node}.json`,
      environment: {
        hostname: node,
        os: { platform: 'linux', release: '6.1', arch: 'x64' },
        cpu: { model: 'Intel(R) Xeon(R) Platinum 8480+', logicalCores: 224 },
        memoryBytes: 2 ** 41,
        node: process.version,
        tool: { name: 'h100e', version: TOOL_VERSION },
        packages: packageVersions(),
        gpus: Array.from({ length: gpus }, (_, index) => ({
          index,
          name: GPU,
          smClockMaxMHz: 1980,
          memClockMaxMHz: 2619,
          powerLimitW: 700,
        })),
        slurm: { nodeName: node, jobId: '1', stepId: String(n) },
      },
      runs,
    };
    const text = JSON.stringify(file);
    bytes += text.length;
    writeFileSync(join(dir, 'nodes', `${node}.json`), text);
    writeFileSync(join(dir, 'steps', `${node}.exit`), '0 1\n');
  }
  process.stdout.write(
    `generated ${nodes} nodes x ${gpus} GPUs x ${batches.length} configurations (${samples} samples per run, ${(bytes / 2 ** 20).toFixed(0)} MiB) in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${dir}\n`,
  );
  const cli = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
  const out = join(root, 'census.json');
  // /usr/bin/time -f: %e wall seconds, %M peak RSS in KiB, of the collect process alone.
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'TIME %e %M', process.execPath, cli, 'cluster', 'collect', dir, '--out', out],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  );
  if (r.error)
    throw new BenchError('E_UNSUPPORTED', `cannot run /usr/bin/time (${r.error.message})`, {
      hint: 'apt-get install time',
    });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (!m)
    throw new BenchError(
      'E_BAD_INPUT',
      `collect failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  const fleet = /^squeezenet|^resnet50.*$/m.exec(r.stdout)?.[0] ?? '';
  const seconds = Number(m[1]);
  const rssMiB = Number(m[2]) / 1024;
  process.stdout.write(
    `collect: ${seconds.toFixed(1)} s wall, peak RSS ${rssMiB.toFixed(0)} MiB (target <= 30 s, <= 2048 MiB): ${seconds <= 30 && rssMiB <= 2048 ? 'within' : 'OVER'} target\n` +
      `collect exit ${r.status}; first fleet line: ${fleet}\n`,
  );
  if (values.keep) process.stdout.write(`kept ${root}\n`);
  else rmSync(root, { recursive: true, force: true });
  return seconds <= 30 && rssMiB <= 2048 ? 0 : 1;
});

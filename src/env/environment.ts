/**
 * The machine and software a result was measured with, recorded in every result file so figures from
 * different machines are never compared blind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../results/schema.js';
import { gitCommit, PACKAGE_ROOT, TOOL_VERSION } from '../core/version.js';
import { queryGpus, type NvidiaSmiOptions } from './nvidia-smi.js';

/** Packages whose versions change measured figures; absent ones are simply not listed. */
const RECORDED_PACKAGES = [
  'onnxruntime-node',
  'onnxruntime-common',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
] as const;

const require = createRequire(join(PACKAGE_ROOT, 'package.json'));

/**
 * Version of an installed package, or undefined. Reads `<node_modules>/<name>/package.json` along the
 * resolution path directly, because packages with an `exports` map refuse `require('x/package.json')`.
 */
export function installedVersion(name: string): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
      if (typeof version === 'string') return version;
    } catch {
      // unreadable package.json: keep looking further up
    }
  }
  return undefined;
}

/** Versions of RECORDED_PACKAGES (or `names`) that are installed. */
export function packageVersions(names: readonly string[] = RECORDED_PACKAGES): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = installedVersion(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Physical cores from /proc/cpuinfo text: distinct (physical id, core id) pairs. Undefined when the
 * text lacks topology (some VMs and non-x86 kernels), rather than guessing from SMT.
 */
export function physicalCoresFromCpuinfo(text: string): number | undefined {
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size > 0 ? cores.size : undefined;
}

/** Physical cores of this Linux machine from /proc/cpuinfo; undefined elsewhere or without topology. */
export function physicalCores(): number | undefined {
  if (platform() !== 'linux') return undefined;
  try {
    return physicalCoresFromCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
}

/** CPU model name: os.cpus(), else /proc/cpuinfo's "model name", else "unknown CPU". */
function cpuModel(): string {
  const model = cpus()[0]?.model.trim();
  if (model) return model;
  try {
    return (
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU'
    );
  } catch {
    return 'unknown CPU';
  }
}

/**
 * The Slurm step this process runs in, from the variables slurmd sets (SLURMD_NODENAME, SLURM_JOB_ID,
 * SLURM_STEP_ID); undefined outside Slurm. `bench cluster` names each node's file and row by it.
 */
export function slurmPlacement(env: NodeJS.ProcessEnv = process.env): Environment['slurm'] {
  const nodeName = env['SLURMD_NODENAME'];
  const jobId = env['SLURM_JOB_ID'];
  if (!nodeName || !jobId) return undefined;
  const stepId = env['SLURM_STEP_ID'];
  return { nodeName, jobId, ...(stepId ? { stepId } : {}) };
}

/** Captures the environment; `nvidiaSmi` options let tests substitute a fake binary. */
export async function captureEnvironment(
  options: { nvidiaSmi?: NvidiaSmiOptions } = {},
): Promise<Environment> {
  const gpus = await queryGpus(options.nvidiaSmi);
  const physical = physicalCores();
  const commit = gitCommit();
  const slurm = slurmPlacement();
  return {
    hostname: hostname(),
    os: { platform: platform(), release: release(), arch: arch() },
    cpu: {
      model: cpuModel(),
      logicalCores: cpus().length,
      ...(physical !== undefined ? { physicalCores: physical } : {}),
    },
    memoryBytes: totalmem(),
    node: process.version,
    tool: { name: 'h100e', version: TOOL_VERSION, ...(commit ? { gitCommit: commit } : {}) },
    packages: packageVersions(),
    gpus,
    ...(slurm ? { slurm } : {}),
  };
}

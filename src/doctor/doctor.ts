/**
 * `bench doctor`: what can and cannot run on this machine, each "no" with its reason and the exact
 * remedy. Providers are judged by really running a one-node model (CPU in-process; GPU providers in
 * child processes with a time limit), library checks only explain why.
 */
import ort from 'onnxruntime-node';
import type { DeviceProbe } from '../engines/engine.js';
import { checkCudaProvider, checkTensorrtProvider, type CudaReadiness } from '../engines/ort-cuda.js';
import { probeModelBytes } from '../engines/probe-model.js';
import { captureEnvironment, installedVersion } from '../env/environment.js';
import { probeNvidiaSmi, type NvidiaSmiOptions, type NvidiaSmiProbe } from '../env/nvidia-smi.js';
import {
  checkVulkan,
  noAdapterRemedy,
  renderNodes,
  softwareAdapterName,
  softwareVulkanOnly,
  type VulkanStatus,
} from '../env/vulkan.js';
import { errorMessage } from '../core/errors.js';
import type { Environment } from '../results/schema.js';
import { tidyOrtError, tryProviderInChild } from '../engines/provider-trial.js';
import { checkTfjsBackends, type TfjsBackendCheck } from './tfjs-backends.js';

/** One onnxruntime provider's verdict plus how it was reached. */
interface ProviderCheck extends DeviceProbe {
  /** "session" when a model really ran (or failed to); "libraries" when the library check already said no. */
  method: 'session' | 'libraries';
  /** Extra facts: native loader lines, library readiness. */
  notes: string[];
  /** Per-library outcome for cuda/tensorrt. */
  libraries?: CudaReadiness['checks'];
}

/** Everything `bench doctor` reports. */
export interface DoctorReport {
  environment: Environment;
  nvidiaSmi: NvidiaSmiProbe;
  ort: { version: string; providers: ProviderCheck[] };
  vulkan: VulkanStatus;
  tfjs: TfjsBackendCheck[];
}

/** Options, mainly for tests. */
export interface DoctorOptions {
  nvidiaSmi?: NvidiaSmiOptions;
  /** Time limit per child-process provider trial. */
  trialTimeoutMs?: number;
  /** Skip the tfjs backend trials (they load TensorFlow.js in children). */
  skipTfjs?: boolean;
}

/** Runs the probe model on the CPU provider in this process and checks the numbers. */
async function checkCpuProvider(cpuModel: string): Promise<ProviderCheck> {
  try {
    const session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: ['cpu'] });
    try {
      const out = await session.run({
        x: new ort.Tensor('float32', new Float32Array([1, -1, 2, -2]), [1, 4]),
      });
      const got = Array.from(out.y?.data as Float32Array);
      // Relu([1, -1, 2, -2]) = [1, 0, 2, 0]
      if (got.join() !== '1,0,2,0') throw new Error(`probe model gave ${got.join(',')}, expected 1,0,2,0`);
    } finally {
      await session.release();
    }
    return { device: 'cpu', usable: true, deviceName: cpuModel, method: 'session', notes: [] };
  } catch (e) {
    return {
      device: 'cpu',
      usable: false,
      deviceName: cpuModel,
      reason: tidyOrtError(errorMessage(e)),
      remedy:
        'reinstall onnxruntime-node (`npm rebuild onnxruntime-node`); the CPU provider ships inside the npm package',
      method: 'session',
      notes: [],
    };
  }
}

async function checkWebgpu(vulkan: VulkanStatus, timeoutMs: number): Promise<ProviderCheck> {
  const trial = await tryProviderInChild('webgpu', timeoutMs);
  const notes = [...trial.nativeNotes];
  if (vulkan.icds.length > 0) notes.push(`Vulkan drivers: ${vulkan.icds.join(', ')}`);
  const software = softwareVulkanOnly(vulkan.icds, renderNodes());
  if (trial.ok && software) {
    notes.push(
      '`--device auto` skips it; `--device webgpu` runs on it and labels the figures as CPU figures',
    );
    return {
      device: 'webgpu',
      usable: true,
      software: true,
      deviceName: softwareAdapterName(software),
      method: 'session',
      notes,
    };
  }
  if (trial.ok) {
    // onnxruntime-node does not report which adapter Dawn chose; say so rather than guess.
    return {
      device: 'webgpu',
      usable: true,
      deviceName: 'WebGPU adapter (name not reported by onnxruntime-node)',
      method: 'session',
      notes,
    };
  }
  const reason = vulkan.usable ? trial.error : `${trial.error} (${vulkan.reason})`;
  const remedy =
    vulkan.remedy ??
    noAdapterRemedy(vulkan.icds) ??
    'update the GPU driver so that it offers Vulkan 1.1 or newer; `vulkaninfo --summary` lists what the loader sees';
  return {
    device: 'webgpu',
    usable: false,
    reason: reason ?? 'unknown error',
    remedy,
    method: 'session',
    notes,
  };
}

async function checkGpuProvider(
  device: 'cuda' | 'tensorrt',
  readiness: CudaReadiness,
  gpuName: string | undefined,
  timeoutMs: number,
): Promise<ProviderCheck> {
  const base = { device, libraries: readiness.checks, ...(gpuName ? { deviceName: gpuName } : {}) };
  if (!readiness.usable) {
    return {
      ...base,
      usable: false,
      reason: readiness.reason ?? 'not ready',
      remedy: readiness.remedy ?? '',
      method: 'libraries',
      notes: [],
    };
  }
  const trial = await tryProviderInChild(device, timeoutMs);
  if (trial.ok) return { ...base, usable: true, method: 'session', notes: trial.nativeNotes };
  return {
    ...base,
    usable: false,
    reason: trial.error ?? 'session failed',
    remedy:
      'libraries load but a session failed: run `nvidia-smi` to check the driver sees the GPU, and compare the driver’s CUDA version with 12.x',
    method: 'session',
    notes: trial.nativeNotes,
  };
}

/** Gathers the whole report. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const timeoutMs = options.trialTimeoutMs ?? 30_000;
  const [environment, nvidiaSmi] = await Promise.all([
    captureEnvironment(options.nvidiaSmi ? { nvidiaSmi: options.nvidiaSmi } : {}),
    probeNvidiaSmi(options.nvidiaSmi),
  ]);
  const vulkan = checkVulkan();
  const gpuName = nvidiaSmi.gpus[0]?.name;
  const providers: ProviderCheck[] = [];
  providers.push(await checkCpuProvider(environment.cpu.model));
  providers.push(await checkWebgpu(vulkan, timeoutMs));
  providers.push(await checkGpuProvider('cuda', checkCudaProvider(), gpuName, timeoutMs));
  providers.push(await checkGpuProvider('tensorrt', checkTensorrtProvider(), gpuName, timeoutMs));
  const tfjs = options.skipTfjs ? [] : await checkTfjsBackends();
  return {
    environment,
    nvidiaSmi,
    ort: { version: installedVersion('onnxruntime-node') ?? 'unknown', providers },
    vulkan,
    tfjs,
  };
}

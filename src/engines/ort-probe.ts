/**
 * Whether an onnxruntime execution provider can run here: the probe model is really run on the
 * provider in a child process (src/engines/provider-trial.ts), so native log lines, a driver that
 * hangs, or a crash in Dawn/CUDA stay out of the harness. For CUDA and TensorRT a failure is explained
 * by the readiness checks (which library is missing, and the remedy). Cached per process.
 */
import { cpus } from 'node:os';
import {
  checkVulkan,
  noAdapterRemedy,
  renderNodes,
  softwareAdapterName,
  softwareVulkanOnly,
} from '../env/vulkan.js';
import { tryProviderInChild } from './provider-trial.js';
import type { DeviceKind } from '../results/schema.js';
import type { DeviceProbe } from './engine.js';
import { checkCudaProvider, checkTensorrtProvider } from './ort-cuda.js';

const WEBGPU_REMEDY =
  'needs a GPU with a Vulkan driver and the Vulkan loader (Debian: apt-get install libvulkan1); `npx bench doctor` shows the adapter check';

const cache = new Map<DeviceKind, Promise<DeviceProbe>>();

/** Probes one device for onnxruntime-node (cached per process). */
export function probeOrtDevice(device: DeviceKind): Promise<DeviceProbe> {
  let probe = cache.get(device);
  if (!probe) {
    probe = device === 'cpu' ? Promise.resolve(cpuProbe()) : probeGpu(device);
    cache.set(device, probe);
  }
  return probe;
}

function cpuProbe(): DeviceProbe {
  return { device: 'cpu', usable: true, deviceName: cpus()[0]?.model.trim() ?? 'unknown CPU' };
}

async function probeGpu(device: Exclude<DeviceKind, 'cpu'>): Promise<DeviceProbe> {
  const trial = await tryProviderInChild(device, 20_000);
  const software = device === 'webgpu' ? softwareVulkanOnly(checkVulkan().icds, renderNodes()) : undefined;
  if (trial.ok && software) {
    return { device, usable: true, software: true, deviceName: softwareAdapterName(software) };
  }
  if (trial.ok) return { device, usable: true };
  if (device === 'webgpu') {
    const why = [trial.error, ...trial.nativeNotes].filter(Boolean).join('; ');
    const remedy = noAdapterRemedy(checkVulkan().icds) ?? WEBGPU_REMEDY;
    return { device, usable: false, reason: why || 'no WebGPU adapter', remedy };
  }
  // The thrown error only says "Failed to load shared library"; the readiness checks name the piece.
  const readiness = device === 'cuda' ? await checkCudaProvider() : await checkTensorrtProvider();
  return {
    device,
    usable: false,
    reason: readiness.reason ?? trial.error ?? 'the provider failed to start',
    ...(readiness.remedy ? { remedy: readiness.remedy } : {}),
  };
}

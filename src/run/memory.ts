/**
 * The memory check before each configuration (issue 20): a configuration whose estimated working set
 * exceeds the free memory of its device is recorded `skipped` with the figures instead of running into
 * the OOM killer; `--force-oversize` runs it anyway. An engine's out-of-memory error that still happens
 * is recorded `failed` with a reason that says so.
 *
 * Estimate: (weight bytes + peak live activation bytes per image x batch) x {@link SAFETY_FACTOR}, from
 * the static analyzer (analyze/index.ts peakLiveBytes). Free memory: os.freemem() (MemAvailable on
 * Linux) for the CPU, nvidia-smi's memory.free for CUDA and TensorRT; WebGPU is not checked (no
 * portable figure). `H100E_FREE_MEMORY_BYTES` replaces the figure (tests, or a limit of your own).
 */
import { freemem } from 'node:os';
import type { DeviceKind } from '../results/schema.js';
import { gpuFreeMemoryMiB } from '../env/nvidia-smi.js';

/**
 * What the estimate is multiplied by. The analyzer's figures leave out what engines add: a second,
 * prepacked copy of the weights (onnxruntime's CPU kernels), scratch buffers such as im2col, arena
 * rounding, and the input copies the harness binds. 2 is a margin, not a measurement: it skips only
 * configurations whose figures alone already come to half the free memory.
 */
export const SAFETY_FACTOR = 2;

/** The figures behind one configuration's check. */
export interface MemoryCheck {
  /** Estimated working set in bytes, the safety factor included. */
  neededBytes: number;
  /** Free memory of the device in bytes. */
  freeBytes: number;
  /** Where the free figure came from (host RAM, nvidia-smi, the environment). */
  freeSource: string;
  weightBytes: number;
  peakActivationBytesPerImage: number;
  batch: number;
}

/** The free memory of `device` (GPU `gpuIndex`), or undefined when it is not known. */
export async function freeMemory(
  device: DeviceKind,
  gpuIndex: number,
): Promise<{ bytes: number; source: string } | undefined> {
  const injected = process.env['H100E_FREE_MEMORY_BYTES'];
  if (injected !== undefined && injected.trim() !== '' && Number.isFinite(Number(injected))) {
    return { bytes: Number(injected), source: 'H100E_FREE_MEMORY_BYTES' };
  }
  if (device === 'cpu') return { bytes: freemem(), source: 'free host RAM' };
  if (device === 'cuda' || device === 'tensorrt') {
    const mib = await gpuFreeMemoryMiB(gpuIndex);
    return mib === undefined
      ? undefined
      : { bytes: mib * 2 ** 20, source: `free memory of GPU ${gpuIndex} (nvidia-smi)` };
  }
  return undefined;
}

/** The check of one configuration; undefined when the model's figures or the free memory are unknown. */
export function checkMemory(
  model: { weightBytes?: number; peakActivationBytesPerImage?: number },
  batch: number,
  free: { bytes: number; source: string } | undefined,
): MemoryCheck | undefined {
  if (!free || model.weightBytes === undefined || model.peakActivationBytesPerImage === undefined)
    return undefined;
  const neededBytes = (model.weightBytes + model.peakActivationBytesPerImage * batch) * SAFETY_FACTOR;
  return {
    neededBytes,
    freeBytes: free.bytes,
    freeSource: free.source,
    weightBytes: model.weightBytes,
    peakActivationBytesPerImage: model.peakActivationBytesPerImage,
    batch,
  };
}

/** Bytes in the largest binary unit that keeps them at or above 1, one decimal. */
function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** The reason a skipped configuration records: the figures and the way out. */
export function oversizeReason(c: MemoryCheck): string {
  return `needs about ${formatBytes(c.neededBytes)} (weights ${formatBytes(c.weightBytes)} + peak activations ${formatBytes(c.peakActivationBytesPerImage)} x batch ${c.batch}, x${SAFETY_FACTOR} safety) but ${formatBytes(c.freeBytes)} is free (${c.freeSource}); --force-oversize runs it anyway`;
}

/** Engine messages that mean memory ran out (onnxruntime, CUDA, TensorFlow.js, V8 allocations). */
const OOM =
  /out of memory|bad_alloc|failed to allocate|allocation failed|cannot allocate memory|CUDA_ERROR_OUT_OF_MEMORY|OOM|Array buffer allocation failed|Invalid typed array length/i;

/** A failed configuration's error, with "out of memory" spelled out when the engine's message means it. */
export function failureReason(message: string, check: MemoryCheck | undefined): string {
  if (!OOM.test(message)) return message;
  const figures = check
    ? ` (estimated ${formatBytes(check.neededBytes)}, ${formatBytes(check.freeBytes)} free)`
    : '';
  return `out of memory${figures}: ${message}`;
}

/**
 * The roofline method: time per batch = max(FLOPs / peak, bytes / bandwidth) on each device, using the
 * analyzer's FLOPs and bytes. Weights are read once per batch; activations once per image.
 */
import type { Precision } from '../results/schema.js';
import type { DevicePeaks } from '../catalog/device-peaks.js';

/** The static cost of one configuration. */
export interface RooflineWork {
  flopsPerImage: number;
  weightBytes: number;
  activationBytesPerImage: number;
  batch: number;
}

/** The roofline bound of one configuration on one device. */
export interface RooflineBound {
  /** Upper bound on throughput, images per second. */
  samplesPerS: number;
  /** Time per batch in seconds. */
  timePerBatchS: number;
  bound: 'compute' | 'memory';
  /** Peak used, TFLOP/s, and which one. */
  peakTflops: number;
  peakLabel: string;
}

/**
 * The peak that bounds a run at `precision`: fp16 uses the dense 16-bit tensor rate; fp32 uses the
 * higher of TF32 tensor and fp32 (ORT's CUDA provider enables TF32 by default, and a bound must not
 * undercut what the hardware can do); int8 uses the dense 8-bit rate. Null when the device has no figure.
 */
function peakFor(p: DevicePeaks, precision: Precision): { tflops: number; label: string } | null {
  if (precision === 'fp16')
    return p.dense16Tflops === null ? null : { tflops: p.dense16Tflops, label: 'dense 16-bit' };
  // int8 MACs count 2 integer ops each, like FLOPs, so TOPS stand in for TFLOP/s.
  if (precision === 'int8') return p.int8Tops === null ? null : { tflops: p.int8Tops, label: 'dense 8-bit' };
  const candidates = [
    { tflops: p.tf32Tflops, label: 'TF32 tensor' },
    { tflops: p.fp32Tflops, label: 'fp32' },
  ].filter((c): c is { tflops: number; label: string } => c.tflops !== null);
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (b.tflops > a.tflops ? b : a));
}

/** The roofline bound of `work` at `peakTflops` and `bandwidthGBps`. */
export function rooflineBound(
  work: RooflineWork,
  peakTflops: number,
  bandwidthGBps: number,
  peakLabel = '',
): RooflineBound {
  const computeS = (work.batch * work.flopsPerImage) / (peakTflops * 1e12);
  const memoryS = (work.weightBytes + work.batch * work.activationBytesPerImage) / (bandwidthGBps * 1e9);
  const timePerBatchS = Math.max(computeS, memoryS);
  return {
    samplesPerS: work.batch / timePerBatchS,
    timePerBatchS,
    bound: computeS >= memoryS ? 'compute' : 'memory',
    peakTflops,
    peakLabel,
  };
}

/** Roofline bound of `work` on a device at a precision; null (with the reason) when a figure is missing. */
export function rooflineOn(
  work: RooflineWork,
  p: DevicePeaks,
  precision: Precision,
): { ok: true; value: RooflineBound } | { ok: false; reason: string } {
  const peak = peakFor(p, precision);
  if (!peak) return { ok: false, reason: `${p.name} has no ${precision} peak figure` };
  if (p.bandwidthGBps === null) return { ok: false, reason: `${p.name} has no memory bandwidth figure` };
  return { ok: true, value: rooflineBound(work, peak.tflops, p.bandwidthGBps, peak.label) };
}

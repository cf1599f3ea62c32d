/** Peak rates of whatever device an estimate is about: a catalog entry or a CPU derived from /proc/cpuinfo. */
import { dense16Tflops, type CatalogDevice } from './catalog.js';
import type { CpuPeak } from '../env/cpu-peak.js';

/** Peak rates of one device, with where each came from. */
export interface DevicePeaks {
  /** Display name. */
  name: string;
  origin: 'catalog' | 'cpuinfo' | 'user';
  dense16Tflops: number | null;
  int8Tops: number | null;
  fp32Tflops: number | null;
  tf32Tflops: number | null;
  bandwidthGBps: number | null;
  /** Method text for the 16-bit figure, the 8-bit figure, the fp32 figure and the bandwidth. */
  notes: { dense16: string; int8: string; fp32: string; bandwidth: string };
}

/** Peaks of a catalog device; the notes name the catalog source. */
export function peaksFromCatalog(d: CatalogDevice): DevicePeaks {
  const src = (field: string): string => {
    const s = d.sources.find((x) => (x.fields as string[]).includes(field));
    return s ? `catalog "${d.name}", ${s.title}` : `catalog "${d.name}": no figure`;
  };
  const d16 = dense16Tflops(d);
  return {
    name: d.name,
    origin: 'catalog',
    dense16Tflops: d16,
    int8Tops: d.int8Tops,
    fp32Tflops: d.fp32Tflops,
    tf32Tflops: d.tf32TensorTflops,
    bandwidthGBps: d.bandwidthGBps,
    notes: {
      dense16: src(d.fp16TensorTflops !== null ? 'fp16TensorTflops' : 'bf16TensorTflops'),
      int8: src('int8Tops'),
      fp32: src(d.tf32TensorTflops !== null ? 'tf32TensorTflops' : 'fp32Tflops'),
      bandwidth: src('bandwidthGBps'),
    },
  };
}

/** Peaks of a CPU from cpu-peak.ts; the notes carry the derivation. */
export function peaksFromCpu(p: CpuPeak, origin: 'cpuinfo' | 'user' = 'cpuinfo'): DevicePeaks {
  return {
    name: `${p.model} (CPU)`,
    origin,
    dense16Tflops: p.dense16Tflops,
    int8Tops: p.int8Tops,
    fp32Tflops: p.fp32Tflops,
    tf32Tflops: null,
    bandwidthGBps: p.bandwidthGBps,
    notes: { dense16: p.dense16Method, int8: p.int8Method, fp32: p.method, bandwidth: p.bandwidthMethod },
  };
}

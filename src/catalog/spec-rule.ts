/**
 * The spec method: Epoch AI's two H100-equivalent rules, side by side. A device's dense 16-bit
 * FLOP/s over the H100 SXM's 989.4 TFLOP/s, and its dense 8-bit OP/s over 1,979 TOPS.
 */
import type { DevicePeaks } from './device-peaks.js';

/** H100 SXM dense fp16/bf16 tensor TFLOP/s (the 16-bit rule's divisor). */
export const H100_DENSE16_TFLOPS = 989.4;
/** H100 SXM dense int8 tensor TOPS (the 8-bit rule's divisor). */
export const H100_DENSE8_TOPS = 1979;

/** H100e of a device by both rules; null where the device has no figure for that precision. */
export interface SpecH100e {
  rule16: number | null;
  rule8: number | null;
}

/** Applies both Epoch AI rules to a device's peaks. */
export function specH100e(p: Pick<DevicePeaks, 'dense16Tflops' | 'int8Tops'>): SpecH100e {
  return {
    rule16: p.dense16Tflops === null ? null : p.dense16Tflops / H100_DENSE16_TFLOPS,
    rule8: p.int8Tops === null ? null : p.int8Tops / H100_DENSE8_TOPS,
  };
}

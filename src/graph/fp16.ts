/** IEEE 754 binary32 -> binary16 conversion with round-to-nearest-even (as numpy / torch `.half()`). */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Bits of the float16 nearest to `x` (ties to even). Overflow gives ±Inf, values below half the
 * smallest subnormal give ±0, NaN stays a quiet NaN.
 */
export function float32ToFloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal result: value = m * 2^-24; the 24-bit significand (implicit 1 included) is shifted right.
    if (e < -10) return sign;
    const sig = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = sig & ((1 << shift) - 1);
    let r = sig >>> shift;
    if (rem > half || (rem === half && (r & 1) === 1)) r++; // may carry into the smallest normal: still correct
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++; // a carry rolls into the exponent (up to Inf): correct
  return sign | r;
}

/** Converts a whole tensor; the result's bytes are little-endian float16 on little-endian hosts. */
export function float32ArrayToFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32ToFloat16Bits(src[i] ?? 0);
  return out;
}

/** The float value of float16 bits (for tests and for reading fp16 outputs). */
export function float16BitsToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

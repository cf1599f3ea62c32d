import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from '../src/graph/fp16.js';

describe('float32 -> float16 (round to nearest, ties to even)', () => {
  // [input, expected bits, why]
  const cases: [number, number, string][] = [
    [0, 0x0000, 'zero'],
    [-0, 0x8000, 'negative zero keeps its sign'],
    [1, 0x3c00, '1.0: exponent 15, mantissa 0'],
    [-2, 0xc000, '-2.0: sign, exponent 16'],
    [0.1, 0x2e66, '0.1 = 1.6 * 2^-4; mantissa 0.6 * 1024 = 614.4 -> 614 = 0x266'],
    [65504, 0x7bff, 'largest finite half'],
    [65519, 0x7bff, 'just below the midpoint to 65536 rounds down'],
    [65520, 0x7c00, 'midpoint between 65504 and 65536 ties to even -> Inf'],
    [1e6, 0x7c00, 'overflow -> +Inf'],
    [Infinity, 0x7c00, '+Inf'],
    [-Infinity, 0xfc00, '-Inf'],
    [2 ** -14, 0x0400, 'smallest normal'],
    [2 ** -24, 0x0001, 'smallest subnormal'],
    [2 ** -25, 0x0000, 'half the smallest subnormal ties to even (0)'],
    [1.5 * 2 ** -25, 0x0001, 'above that midpoint rounds up to the smallest subnormal'],
    [3 * 2 ** -25, 0x0002, '1.5 subnormal ulps ties to even -> 2'],
    [2 ** -26, 0x0000, 'underflow -> 0'],
    [2 ** -14 - 2 ** -25, 0x0400, 'midpoint of max subnormal and min normal ties to even (min normal)'],
    [1 + 2 ** -11, 0x3c00, 'midpoint of 1 and next half ties to even (down)'],
    [1 + 3 * 2 ** -11, 0x3c02, 'midpoint of 1+2^-10 and 1+2^-9 ties to even (up)'],
    [1 + 2 ** -11 + 2 ** -20, 0x3c01, 'just above the midpoint rounds up'],
    [2047 * 2 ** -11 + 2 ** -12, 0x3c00, 'rounding carries into the exponent: 0x3bff + 1 = 0x3c00'],
  ];
  for (const [x, bits, why] of cases) {
    it(`${x} -> 0x${bits.toString(16).padStart(4, '0')} (${why})`, () => {
      expect(float32ToFloat16Bits(x)).toBe(bits);
    });
  }

  it('NaN stays a quiet NaN', () => {
    const h = float32ToFloat16Bits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x3ff).not.toBe(0);
    expect(float16BitsToFloat32(h)).toBeNaN();
  });

  it('round-trips every finite half exactly', () => {
    const mismatches: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf / NaN
      if (float32ToFloat16Bits(float16BitsToFloat32(h)) !== h) mismatches.push(h);
    }
    expect(mismatches).toEqual([]);
  });

  it('converts arrays element by element', () => {
    expect(Array.from(float32ArrayToFloat16(Float32Array.from([1, -2, 65504])))).toEqual([
      0x3c00, 0xc000, 0x7bff,
    ]);
  });
});

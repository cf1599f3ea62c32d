import { describe, expect, it } from 'vitest';
import { deriveCpuPeak, parseCpuinfo } from '../src/env/cpu-peak.js';

/** Two-core /proc/cpuinfo text of a given vendor, family and flag list. */
function cpuinfo(vendor: string, family: number, flags: string, mhz = '2400.000'): string {
  return [0, 1]
    .map(
      (i) =>
        `processor\t: ${i}\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel name\t: Test ${vendor} ${family}\nphysical id\t: 0\ncore id\t\t: ${i}\ncpu MHz\t\t: ${mhz}\nflags\t\t: ${flags}\n`,
    )
    .join('\n');
}

const AVX512 = 'fpu sse2 avx fma avx2 avx512f avx512_vnni avx512_bf16';

describe('CPU clock', () => {
  it('prefers cpufreq cpuinfo_max_freq (kHz) over the moving "cpu MHz" and says which it used', () => {
    const cpu = parseCpuinfo(cpuinfo('GenuineIntel', 6, AVX512, '1200.000'), '3700000\n');
    expect([cpu.ghz, cpu.clockSource, cpu.vendor, cpu.family]).toEqual([
      3.7,
      'cpuinfo_max_freq',
      'GenuineIntel',
      6,
    ]);
    expect(deriveCpuPeak(cpu).method).toBe(
      'derived from /proc/cpuinfo and cpufreq: 2 cores x 3.700 GHz (cpuinfo_max_freq, the highest clock cpufreq reports; a boost clock on most parts) x 64 FLOP/cycle (AVX-512 FMA: 16 lanes x 2 x 2 units (assumed))',
    );
  });

  it('falls back to "cpu MHz" of processor 0 when cpuinfo_max_freq is absent, empty or not a number', () => {
    for (const max of [undefined, '', '0', 'n/a']) {
      const cpu = parseCpuinfo(cpuinfo('GenuineIntel', 6, 'fpu sse2 avx fma avx2', '2500.000'), max);
      expect([cpu.ghz, cpu.clockSource], String(max)).toEqual([2.5, 'cpu MHz']);
    }
    const p = deriveCpuPeak(parseCpuinfo(cpuinfo('GenuineIntel', 6, 'fpu sse2 avx fma avx2', '2500.000')));
    expect(p.fp32Tflops).toBeCloseTo(0.16, 12); // 2 x 2.5e9 x 32
    expect(p.method).toBe(
      "derived from /proc/cpuinfo: 2 cores x 2.500 GHz ('cpu MHz' of processor 0, the clock when read; no cpuinfo_max_freq to read) x 32 FLOP/cycle (AVX2 FMA: 8 lanes x 2 x 2 units (assumed))",
    );
  });
});

describe('CPU FLOP per cycle by datapath width', () => {
  it('counts AMD Zen 4 (family 25) AVX-512 at the 256-bit rate', () => {
    const p = deriveCpuPeak(parseCpuinfo(cpuinfo('AuthenticAMD', 25, AVX512), '3700000'));
    expect(p.fp32Tflops).toBeCloseTo(0.2368, 12); // 2 x 3.7e9 x 32
    expect(p.dense16Tflops).toBeCloseTo(0.4736, 12); // 2 x 3.7e9 x 64 (bf16 = 2x fp32)
    expect(p.int8Tops).toBeCloseTo(0.9472, 12); // 2 x 3.7e9 x 128
    expect(p.method).toMatch(
      / x 32 FLOP\/cycle \(AVX-512 FMA on 256-bit units \(AMD Zen 4, cpu family 25\): 8 lanes x 2 x 2 units\)$/,
    );
    expect(p.dense16Method).toMatch(
      / x 64 FLOP\/cycle \(AVX-512 BF16 dot products, 2x the fp32 rate on 256-bit units \(AMD Zen 4, cpu family 25\)\)$/,
    );
    expect(p.int8Method).toMatch(
      / x 128 OP\/cycle \(AVX-512 VNNI on 256-bit units \(AMD Zen 4, cpu family 25\): 8 lanes x 4 MAC x 2 OP x 2 units\)$/,
    );
  });

  it('keeps two 512-bit units for AMD Zen 5 (family 26) and says mobile parts have half', () => {
    const p = deriveCpuPeak(parseCpuinfo(cpuinfo('AuthenticAMD', 26, AVX512), '3700000'));
    expect(p.fp32Tflops).toBeCloseTo(0.4736, 12); // 2 x 3.7e9 x 64
    expect(p.dense16Tflops).toBeCloseTo(0.9472, 12); // 2 x 3.7e9 x 128
    expect(p.int8Tops).toBeCloseTo(1.8944, 12); // 2 x 3.7e9 x 256
    expect(p.method).toMatch(
      / x 64 FLOP\/cycle \(AVX-512 FMA: 16 lanes x 2 x 2 units \(AMD Zen 5, cpu family 26: 512-bit datapaths on desktop and server parts; mobile Zen 5 has 256-bit ones, half this\)\)$/,
    );
  });

  it('keeps the assumed two 512-bit units for an Intel AVX-512 CPU and AVX2 for AMD Zen 3', () => {
    const intel = deriveCpuPeak(parseCpuinfo(cpuinfo('GenuineIntel', 6, AVX512), '3700000'));
    expect([intel.fp32Tflops, intel.int8Tops]).toEqual([0.4736, 1.8944]); // x 64, x 256
    // Zen 3 is family 25 too, without AVX-512: the AVX2 rate, no VNNI
    const zen3 = deriveCpuPeak(parseCpuinfo(cpuinfo('AuthenticAMD', 25, 'fpu sse2 avx fma avx2'), '3700000'));
    expect([zen3.fp32Tflops, zen3.int8Tops]).toEqual([0.2368, null]); // x 32
  });
});

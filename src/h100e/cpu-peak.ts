/**
 * Peak rates of a CPU, derived from /proc/cpuinfo because no CPU is in the catalog: cores x clock x
 * FLOP per cycle from the SIMD flags. Every figure carries the arithmetic that produced it.
 */
import { readFileSync } from 'node:fs';

/** What /proc/cpuinfo says about the machine. */
export interface CpuInfo {
  model: string;
  /** Physical cores (distinct physical id / core id pairs; processors when those are absent). */
  cores: number;
  /** Clock in GHz as /proc/cpuinfo reports it ("cpu MHz" of the first processor). */
  ghz: number;
  flags: Set<string>;
}

/** Peak rates of a CPU with the method in words. */
export interface CpuPeak {
  model: string;
  /** fp32 vector peak in TFLOP/s. */
  fp32Tflops: number;
  /** Best 16-bit rate in TFLOP/s (bf16 dot products when the flag exists, else the fp32 peak). */
  dense16Tflops: number;
  /** int8 dot-product peak in TOPS (VNNI), null when no VNNI flag. */
  int8Tops: number | null;
  /** Memory bandwidth in GB/s: an assumption unless the user gave it. */
  bandwidthGBps: number;
  /** How the compute figures were obtained. */
  method: string;
  /** How the 16-bit figure was obtained. */
  dense16Method: string;
  /** How the int8 figure was obtained (or why there is none). */
  int8Method: string;
  /** Where the bandwidth figure comes from. */
  bandwidthMethod: string;
}

/**
 * Assumed CPU memory bandwidth when the user gives none: one DDR4-2666 channel is 21.3 GB/s in
 * theory; 20 GB/s is a deliberately conservative figure for a small VM. Override with --cpu-bandwidth.
 */
export const DEFAULT_CPU_BANDWIDTH_GBPS = 20;

/** Parses /proc/cpuinfo text. */
export function parseCpuinfo(text: string): CpuInfo {
  const blocks = text.split(/\n\s*\n/).filter((b) => b.includes('processor'));
  const field = (block: string, key: string): string | undefined => {
    const m = new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(block);
    return m?.[1]?.trim();
  };
  const first = blocks[0] ?? text;
  const pairs = new Set(
    blocks
      .map((b) => [field(b, 'physical id'), field(b, 'core id')])
      .filter(([p, c]) => p !== undefined && c !== undefined)
      .map(([p, c]) => `${p}/${c}`),
  );
  return {
    model: field(first, 'model name') ?? 'unknown CPU',
    cores: pairs.size > 0 ? pairs.size : Math.max(1, blocks.length),
    ghz: Number(field(first, 'cpu MHz') ?? '0') / 1000,
    flags: new Set((field(first, 'flags') ?? '').split(/\s+/).filter(Boolean)),
  };
}

/**
 * fp32 FLOP per cycle per core from SIMD flags: lanes x 2 (fused multiply-add) x 2 FMA units.
 * Two FMA units is an assumption (true of recent server cores; some parts have one).
 */
export function fp32FlopsPerCycle(flags: Set<string>): { value: number; why: string } {
  if (flags.has('avx512f') && flags.has('fma'))
    return { value: 64, why: 'AVX-512 FMA: 16 lanes x 2 x 2 units (assumed)' };
  if (flags.has('avx2') && flags.has('fma'))
    return { value: 32, why: 'AVX2 FMA: 8 lanes x 2 x 2 units (assumed)' };
  if (flags.has('avx')) return { value: 16, why: 'AVX: 8 lanes x (1 add + 1 mul)' };
  return { value: 8, why: 'SSE: 4 lanes x (1 add + 1 mul)' };
}

/** int8 OP per cycle per core from VNNI flags: lanes x 4 int8 MACs x 2 OP x 2 units; null without VNNI. */
export function int8OpsPerCycle(flags: Set<string>): { value: number; why: string } | null {
  if (flags.has('avx512_vnni'))
    return { value: 256, why: 'AVX-512 VNNI: 16 lanes x 4 MAC x 2 OP x 2 units (assumed)' };
  if (flags.has('avx_vnni'))
    return { value: 128, why: 'AVX-VNNI: 8 lanes x 4 MAC x 2 OP x 2 units (assumed)' };
  return null;
}

/** Peak rates of `cpu`; `bandwidthGBps` given means user-provided, otherwise the documented default. */
export function deriveCpuPeak(cpu: CpuInfo, bandwidthGBps?: number): CpuPeak {
  const f = fp32FlopsPerCycle(cpu.flags);
  const fp32Tflops = (cpu.cores * cpu.ghz * 1e9 * f.value) / 1e12;
  const bf16 = cpu.flags.has('avx512_bf16');
  const i8 = int8OpsPerCycle(cpu.flags);
  const base = `derived from /proc/cpuinfo: ${cpu.cores} cores x ${cpu.ghz.toFixed(3)} GHz`;
  return {
    model: cpu.model,
    fp32Tflops,
    dense16Tflops: bf16 ? 2 * fp32Tflops : fp32Tflops,
    int8Tops: i8 ? (cpu.cores * cpu.ghz * 1e9 * i8.value) / 1e12 : null,
    bandwidthGBps: bandwidthGBps ?? DEFAULT_CPU_BANDWIDTH_GBPS,
    method: `${base} x ${f.value} FLOP/cycle (${f.why})`,
    dense16Method: bf16
      ? `${base} x ${2 * f.value} FLOP/cycle (AVX-512 BF16 dot products, 2x the fp32 rate)`
      : `${base} x ${f.value} FLOP/cycle: the fp32 vector peak stands in (no 16-bit flag in /proc/cpuinfo)`,
    int8Method: i8
      ? `${base} x ${i8.value} OP/cycle (${i8.why})`
      : 'no VNNI flag in /proc/cpuinfo: int8 rate not derived',
    bandwidthMethod:
      bandwidthGBps === undefined
        ? `assumption: ${DEFAULT_CPU_BANDWIDTH_GBPS} GB/s (about one DDR4-2666 channel); set --cpu-bandwidth`
        : `user-provided: --cpu-bandwidth ${bandwidthGBps}`,
  };
}

let local: CpuInfo | null | undefined;

/** This machine's /proc/cpuinfo, parsed once; null where it cannot be read (not Linux). */
export function localCpuInfo(): CpuInfo | null {
  if (local === undefined) {
    try {
      local = parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
    } catch {
      local = null;
    }
  }
  return local;
}

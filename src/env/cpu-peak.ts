/**
 * Peak rates of a CPU, derived from /proc/cpuinfo because no CPU is in the catalog: cores x clock x
 * FLOP per cycle from the SIMD flags (and, for AMD, the CPU family, which sets the datapath width).
 * The clock is cpufreq's cpuinfo_max_freq where readable. Every figure carries the arithmetic that
 * produced it.
 */
import { readFileSync } from 'node:fs';

/** Where the clock of a CpuInfo comes from. */
type CpuClockSource = 'cpuinfo_max_freq' | 'cpu MHz';

/** What /proc/cpuinfo (and cpufreq's maximum clock) say about the machine. */
export interface CpuInfo {
  model: string;
  /** vendor_id of the first processor ("GenuineIntel", "AuthenticAMD"); '' when absent. */
  vendor: string;
  /** "cpu family" of the first processor, decimal; null when absent. */
  family: number | null;
  /** Physical cores (distinct physical id / core id pairs; processors when those are absent). */
  cores: number;
  /** Clock in GHz: cpuinfo_max_freq when it was given, else "cpu MHz" of the first processor. */
  ghz: number;
  /** Which of the two the clock is. */
  clockSource: CpuClockSource;
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
const DEFAULT_CPU_BANDWIDTH_GBPS = 20;

/**
 * Parses /proc/cpuinfo text, with the content of cpufreq's cpuinfo_max_freq (kHz) when readable.
 * The maximum is preferred because "cpu MHz" is the clock at the moment of reading, which frequency
 * scaling moves from one run to the next; a peak should not.
 */
export function parseCpuinfo(text: string, cpuinfoMaxFreqKHz?: string): CpuInfo {
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
  const maxKHz = Number(cpuinfoMaxFreqKHz?.trim() || NaN);
  const family = Number(field(first, 'cpu family') ?? NaN);
  return {
    model: field(first, 'model name') ?? 'unknown CPU',
    vendor: field(first, 'vendor_id') ?? '',
    family: Number.isInteger(family) ? family : null,
    cores: pairs.size > 0 ? pairs.size : Math.max(1, blocks.length),
    ...(Number.isFinite(maxKHz) && maxKHz > 0
      ? { ghz: maxKHz / 1e6, clockSource: 'cpuinfo_max_freq' as const }
      : { ghz: Number(field(first, 'cpu MHz') ?? '0') / 1000, clockSource: 'cpu MHz' as const }),
    flags: new Set((field(first, 'flags') ?? '').split(/\s+/).filter(Boolean)),
  };
}

/** The parts of a CpuInfo that set FLOP per cycle. */
type CpuArch = Pick<CpuInfo, 'flags' | 'vendor' | 'family'>;

/**
 * How an AVX-512 CPU executes 512-bit instructions, where the vendor says: AMD Zen 4 (family 25; Zen 3
 * of the same family has no AVX-512) splits them over 256-bit units, so it peaks at the AVX2 rate;
 * Zen 5 (family 26) has 512-bit datapaths on desktop and server parts. Undefined for anything else,
 * which keeps the assumed two 512-bit units.
 */
function amdAvx512(cpu: CpuArch): 'zen4' | 'zen5' | undefined {
  if (cpu.vendor !== 'AuthenticAMD' || !cpu.flags.has('avx512f')) return undefined;
  return cpu.family === 25 ? 'zen4' : cpu.family === 26 ? 'zen5' : undefined;
}

const ZEN4 = 'on 256-bit units (AMD Zen 4, cpu family 25)';
const ZEN5 =
  'AMD Zen 5, cpu family 26: 512-bit datapaths on desktop and server parts; mobile Zen 5 has 256-bit ones, half this';

/**
 * fp32 FLOP per cycle per core from SIMD flags: lanes x 2 (fused multiply-add) x 2 FMA units.
 * Two FMA units is an assumption (true of recent server cores; some parts have one).
 */
function fp32FlopsPerCycle(cpu: CpuArch): { value: number; why: string } {
  const { flags } = cpu;
  const amd = amdAvx512(cpu);
  if (amd === 'zen4' && flags.has('fma'))
    return { value: 32, why: `AVX-512 FMA ${ZEN4}: 8 lanes x 2 x 2 units` };
  if (amd === 'zen5' && flags.has('fma'))
    return { value: 64, why: `AVX-512 FMA: 16 lanes x 2 x 2 units (${ZEN5})` };
  if (flags.has('avx512f') && flags.has('fma'))
    return { value: 64, why: 'AVX-512 FMA: 16 lanes x 2 x 2 units (assumed)' };
  if (flags.has('avx2') && flags.has('fma'))
    return { value: 32, why: 'AVX2 FMA: 8 lanes x 2 x 2 units (assumed)' };
  if (flags.has('avx')) return { value: 16, why: 'AVX: 8 lanes x (1 add + 1 mul)' };
  return { value: 8, why: 'SSE: 4 lanes x (1 add + 1 mul)' };
}

/** int8 OP per cycle per core from VNNI flags: lanes x 4 int8 MACs x 2 OP x 2 units; null without VNNI. */
function int8OpsPerCycle(cpu: CpuArch): { value: number; why: string } | null {
  const { flags } = cpu;
  const amd = amdAvx512(cpu);
  if (amd === 'zen4' && flags.has('avx512_vnni'))
    return { value: 128, why: `AVX-512 VNNI ${ZEN4}: 8 lanes x 4 MAC x 2 OP x 2 units` };
  if (amd === 'zen5' && flags.has('avx512_vnni'))
    return { value: 256, why: `AVX-512 VNNI: 16 lanes x 4 MAC x 2 OP x 2 units (${ZEN5})` };
  if (flags.has('avx512_vnni'))
    return { value: 256, why: 'AVX-512 VNNI: 16 lanes x 4 MAC x 2 OP x 2 units (assumed)' };
  if (flags.has('avx_vnni'))
    return { value: 128, why: 'AVX-VNNI: 8 lanes x 4 MAC x 2 OP x 2 units (assumed)' };
  return null;
}

/** Peak rates of `cpu`; `bandwidthGBps` given means user-provided, otherwise the documented default. */
export function deriveCpuPeak(cpu: CpuInfo, bandwidthGBps?: number): CpuPeak {
  const f = fp32FlopsPerCycle(cpu);
  const fp32Tflops = (cpu.cores * cpu.ghz * 1e9 * f.value) / 1e12;
  const bf16 = cpu.flags.has('avx512_bf16');
  const i8 = int8OpsPerCycle(cpu);
  const base =
    cpu.clockSource === 'cpuinfo_max_freq'
      ? `derived from /proc/cpuinfo and cpufreq: ${cpu.cores} cores x ${cpu.ghz.toFixed(3)} GHz (cpuinfo_max_freq, the highest clock cpufreq reports; a boost clock on most parts)`
      : `derived from /proc/cpuinfo: ${cpu.cores} cores x ${cpu.ghz.toFixed(3)} GHz ('cpu MHz' of processor 0, the clock when read; no cpuinfo_max_freq to read)`;
  return {
    model: cpu.model,
    fp32Tflops,
    dense16Tflops: bf16 ? 2 * fp32Tflops : fp32Tflops,
    int8Tops: i8 ? (cpu.cores * cpu.ghz * 1e9 * i8.value) / 1e12 : null,
    bandwidthGBps: bandwidthGBps ?? DEFAULT_CPU_BANDWIDTH_GBPS,
    method: `${base} x ${f.value} FLOP/cycle (${f.why})`,
    dense16Method: bf16
      ? `${base} x ${2 * f.value} FLOP/cycle (AVX-512 BF16 dot products, 2x the fp32 rate${amdAvx512(cpu) === 'zen4' ? ` ${ZEN4}` : ''})`
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

/** Where cpufreq publishes the highest clock of the first CPU, in kHz (absent in most VMs). */
const CPUINFO_MAX_FREQ_PATH = '/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq';

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * This machine's /proc/cpuinfo with cpufreq's maximum clock, parsed once; null where /proc/cpuinfo
 * cannot be read (not Linux).
 */
export function localCpuInfo(): CpuInfo | null {
  if (local === undefined) {
    const text = readOptional('/proc/cpuinfo');
    local = text === undefined ? null : parseCpuinfo(text, readOptional(CPUINFO_MAX_FREQ_PATH));
  }
  return local;
}

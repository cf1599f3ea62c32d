/**
 * Board power and memory during a measurement window, from `nvidia-smi -lms` running beside the
 * benchmark. nvidia-smi samples at a fixed interval, so the plain mean of the readings is the
 * time-weighted mean power.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { nvidiaSmiBinary, type NvidiaSmiOptions } from './nvidia-smi.js';

/** What a sampler saw between start and stop. */
export interface PowerSummary {
  avgW: number;
  maxW: number;
  /** Readings with a power figure. */
  readings: number;
  /** Highest memory.used seen, MiB; undefined when nvidia-smi never reported it. */
  maxMemoryUsedMiB?: number;
}

/** A running sampler. */
export interface PowerSampler {
  /** False when nvidia-smi is absent: `stop()` then resolves to null. */
  readonly active: boolean;
  /** Ends sampling; null when nothing was read (no binary, no power sensor, or nvidia-smi failed). */
  stop(): Promise<PowerSummary | null>;
}

/** One reading: "power.draw, memory.used" as printed with csv,noheader,nounits. */
export interface PowerReading {
  powerW?: number;
  memoryUsedMiB?: number;
}

function cell(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === '' || t.startsWith('[')) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses one line of `--query-gpu=power.draw,memory.used --format=csv,noheader,nounits`; null for noise. */
export function parsePowerLine(line: string): PowerReading | null {
  const cells = line.split(',');
  if (cells.length < 2) return null;
  const powerW = cell(cells[0]);
  const memoryUsedMiB = cell(cells[1]);
  if (powerW === undefined && memoryUsedMiB === undefined) return null;
  const reading: PowerReading = {};
  if (powerW !== undefined) reading.powerW = powerW;
  if (memoryUsedMiB !== undefined) reading.memoryUsedMiB = memoryUsedMiB;
  return reading;
}

/** Mean and maximum of the readings that carry power; null when none do. */
export function summarizePower(readings: readonly PowerReading[]): PowerSummary | null {
  const watts = readings.flatMap((r) => (r.powerW === undefined ? [] : [r.powerW]));
  if (watts.length === 0) return null;
  const mem = readings.flatMap((r) => (r.memoryUsedMiB === undefined ? [] : [r.memoryUsedMiB]));
  const summary: PowerSummary = {
    avgW: watts.reduce((a, b) => a + b, 0) / watts.length,
    maxW: Math.max(...watts),
    readings: watts.length,
  };
  if (mem.length > 0) summary.maxMemoryUsedMiB = Math.max(...mem);
  return summary;
}

/** Parses a whole block of sampler output. */
export function parsePowerText(text: string): PowerReading[] {
  return text.split(/\r?\n/).flatMap((l) => {
    const r = parsePowerLine(l);
    return r ? [r] : [];
  });
}

/** Images per joule: throughput (images/s) over mean power (J/s). */
export function samplesPerJoule(samplesPerS: number, avgW: number): number {
  return avgW > 0 ? samplesPerS / avgW : 0;
}

/**
 * Starts `nvidia-smi --query-gpu=power.draw,memory.used --format=csv,noheader,nounits -lms <intervalMs> -i <gpuIndex>`.
 * Without nvidia-smi it returns an inactive sampler instead of failing, so callers need no GPU check.
 */
export function startPowerSampler(
  gpuIndex: number,
  intervalMs = 100,
  options: NvidiaSmiOptions = {},
): PowerSampler {
  const bin = nvidiaSmiBinary(options);
  if (!bin) return { active: false, stop: () => Promise.resolve(null) };
  const args = [
    '--query-gpu=power.draw,memory.used',
    '--format=csv,noheader,nounits',
    '-lms',
    String(Math.max(1, Math.round(intervalMs))),
    '-i',
    String(gpuIndex),
  ];
  const readings: PowerReading[] = [];
  let pending = '';
  let exited = false;
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return { active: false, stop: () => Promise.resolve(null) };
  }
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('close', () => {
      exited = true;
      resolve();
    });
    // A spawn error (e.g. binary removed since lookup) also ends the sampler quietly.
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const r = parsePowerLine(line);
      if (r) readings.push(r);
    }
  });
  return {
    active: true,
    async stop() {
      let killer: NodeJS.Timeout | undefined;
      if (!exited) {
        child.kill('SIGTERM');
        // A wedged nvidia-smi must not hang the benchmark's end.
        killer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      }
      await exitedPromise;
      if (killer) clearTimeout(killer);
      const last = parsePowerLine(pending);
      if (last) readings.push(last);
      pending = '';
      return summarizePower(readings);
    },
  };
}

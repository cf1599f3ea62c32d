/**
 * GPUs as nvidia-smi reports them. Everything here degrades to "no GPUs" when the binary is absent or
 * cannot talk to the driver, so callers never have to special-case CPU-only machines.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuInfo } from '../results/schema.js';

/** Fields asked of `nvidia-smi --query-gpu`, in the order `parseGpuCsv` expects them. */
const GPU_QUERY_FIELDS = [
  'index',
  'name',
  'uuid',
  'driver_version',
  'memory.total',
  'clocks.max.sm',
  'clocks.max.mem',
  'power.limit',
  // Last, so a driver that does not know it can be asked again without it (see probeNvidiaSmi).
  'mig.mode.current',
] as const;

const queryArgs = (fields: readonly string[]): string[] => [
  `--query-gpu=${fields.join(',')}`,
  '--format=csv,noheader,nounits',
];

/** Arguments of the GPU inventory query (CSV, no header, no units). */
export const GPU_QUERY_ARGS = queryArgs(GPU_QUERY_FIELDS);
/** The same query without MIG mode, for drivers older than R450 that refuse the field. */
export const GPU_QUERY_ARGS_NO_MIG = queryArgs(GPU_QUERY_FIELDS.filter((f) => f !== 'mig.mode.current'));

/** What nvidia-smi said, or why it said nothing. */
export interface NvidiaSmiProbe {
  /** True when nvidia-smi ran and answered the query. */
  available: boolean;
  gpus: GpuInfo[];
  /** CUDA version the driver supports (header of plain `nvidia-smi`), e.g. "12.4". */
  cudaVersion?: string;
  /** Why there is no answer: binary absent, or its own error line (e.g. driver not loaded). */
  error?: string;
  /** Path of the binary that ran. */
  binary?: string;
}

/** Options shared by the nvidia-smi helpers; tests point `bin` or `env.PATH` at a fake script. */
export interface NvidiaSmiOptions {
  /** Explicit binary; otherwise `nvidia-smi` is looked up on `env.PATH`. */
  bin?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A cell nvidia-smi uses for "no value": "[N/A]", "[Not Supported]", "N/A", "" and similar. */
function isMissing(cell: string): boolean {
  return cell === '' || /^\[.*\]$/.test(cell) || /^n\/?a$/i.test(cell);
}

function numberCell(cell: string | undefined): number | undefined {
  if (cell === undefined || isMissing(cell)) return undefined;
  const n = Number(cell);
  return Number.isFinite(n) ? n : undefined;
}

function textCell(cell: string | undefined): string | undefined {
  return cell === undefined || isMissing(cell) ? undefined : cell;
}

/**
 * Parses the output of `nvidia-smi --query-gpu=<GPU_QUERY_FIELDS> --format=csv,noheader,nounits`.
 * Lines that do not start with a numeric index (warnings, blank lines) are skipped.
 */
export function parseGpuCsv(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    // GPU names never contain ", " in practice, and the other fields are tokens, so a plain split suffices.
    const cells = line.split(',').map((c) => c.trim());
    const index = numberCell(cells[0]);
    const name = textCell(cells[1]);
    if (index === undefined || !Number.isInteger(index) || name === undefined) continue;
    const gpu: GpuInfo = { index, name };
    const uuid = textCell(cells[2]);
    const driverVersion = textCell(cells[3]);
    const memoryTotalMiB = numberCell(cells[4]);
    const smClockMaxMHz = numberCell(cells[5]);
    const memClockMaxMHz = numberCell(cells[6]);
    const powerLimitW = numberCell(cells[7]);
    const mig = textCell(cells[8]);
    if (uuid !== undefined) gpu.uuid = uuid;
    if (driverVersion !== undefined) gpu.driverVersion = driverVersion;
    if (memoryTotalMiB !== undefined) gpu.memoryTotalMiB = memoryTotalMiB;
    if (smClockMaxMHz !== undefined) gpu.smClockMaxMHz = smClockMaxMHz;
    if (memClockMaxMHz !== undefined) gpu.memClockMaxMHz = memClockMaxMHz;
    if (powerLimitW !== undefined) gpu.powerLimitW = powerLimitW;
    if (mig === 'Enabled' || mig === 'Disabled') gpu.migEnabled = mig === 'Enabled';
    gpus.push(gpu);
  }
  return gpus;
}

/** The "CUDA Version: 12.4" figure from the header of plain `nvidia-smi`, if present. */
export function parseCudaVersion(header: string): string | undefined {
  return /CUDA Version\s*:\s*([0-9]+(?:\.[0-9]+)*)/i.exec(header)?.[1];
}

/** Full path of `name` on `pathVar`, or undefined; a sync stat walk so an absent binary costs no spawn. */
export function findOnPath(name: string, pathVar: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Resolves the binary to run, or undefined when there is none. */
export function nvidiaSmiBinary(options: NvidiaSmiOptions = {}): string | undefined {
  return options.bin ?? findOnPath('nvidia-smi', (options.env ?? process.env).PATH);
}

function run(
  bin: string,
  args: string[],
  options: NvidiaSmiOptions,
): Promise<{ ok: boolean; stdout: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { timeout: options.timeoutMs ?? 10_000, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout });
        // nvidia-smi prints its reason (e.g. "couldn't communicate with the NVIDIA driver") on stdout.
        const said = `${stdout}\n${stderr}`
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l.length > 0);
        resolve({ ok: false, stdout, error: said ?? err.message });
      },
    );
  });
}

/** Runs the GPU query and the header query (for the CUDA version) and says what it found or why not. */
export async function probeNvidiaSmi(options: NvidiaSmiOptions = {}): Promise<NvidiaSmiProbe> {
  const bin = nvidiaSmiBinary(options);
  if (!bin) return { available: false, gpus: [], error: 'nvidia-smi not found on PATH' };
  const [first, header] = await Promise.all([run(bin, GPU_QUERY_ARGS, options), run(bin, [], options)]);
  const query =
    !first.ok && /not a valid field/i.test(first.error ?? '')
      ? await run(bin, GPU_QUERY_ARGS_NO_MIG, options)
      : first;
  if (!query.ok)
    return { available: false, gpus: [], error: query.error ?? 'nvidia-smi failed', binary: bin };
  const cudaVersion = header.ok ? parseCudaVersion(header.stdout) : undefined;
  const gpus = parseGpuCsv(query.stdout).map((g) => (cudaVersion ? { ...g, cudaVersion } : g));
  const probe: NvidiaSmiProbe = { available: true, gpus, binary: bin };
  if (cudaVersion) probe.cudaVersion = cudaVersion;
  return probe;
}

/** The GPUs nvidia-smi lists; [] when it is absent or fails. */
export async function queryGpus(options: NvidiaSmiOptions = {}): Promise<GpuInfo[]> {
  return (await probeNvidiaSmi(options)).gpus;
}

/** Free memory of GPU `index` in MiB as nvidia-smi reports it now; undefined when it cannot tell. */
export async function gpuFreeMemoryMiB(
  index: number,
  options: NvidiaSmiOptions = {},
): Promise<number | undefined> {
  const bin = nvidiaSmiBinary(options);
  if (!bin) return undefined;
  const r = await run(
    bin,
    ['--query-gpu=memory.free', '--format=csv,noheader,nounits', '-i', String(index)],
    options,
  );
  if (!r.ok) return undefined;
  const value = Number(r.stdout.trim().split('\n')[0]);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Readiness of onnxruntime-node's CUDA and TensorRT execution providers, without creating a session.
 * onnxruntime-node 1.30 ships only the CPU (and WebGPU) providers in the npm package; the CUDA 12
 * provider libraries come from NuGet via its install script (`bench setup cuda`), and they load CUDA
 * 12.x and cuDNN 9 from the system (onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider).
 * Every missing piece is named with its own remedy.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../core/version.js';
import {
  commonLibraryDirs,
  ldconfigCache,
  locateLibrary,
  otherVersions,
  probeLibraries,
  type LibraryLoad,
} from '../env/shared-libs.js';

/** What `checkCudaProvider` / `checkTensorrtProvider` report. */
export interface CudaReadiness {
  usable: boolean;
  /** Why not (one line naming every missing piece). */
  reason?: string;
  /** The exact remedies, most fundamental first. */
  remedy?: string;
  /** File or library names that are missing. */
  missing: string[];
  /** Every requirement with its outcome, for `bench doctor`. */
  checks: RequirementCheck[];
}

/** What a requirement is, for grouping remedies. */
export type RequirementKind = 'provider' | 'driver' | 'cuda' | 'cudnn' | 'tensorrt';

/** One required file or library. */
interface RequirementCheck {
  name: string;
  kind: RequirementKind;
  ok: boolean;
  /** Where it is (or sits unused, when found on disk but not on the loader path). */
  path?: string;
  /** Why it failed, when it did. */
  detail?: string;
}

/** Options for tests and unusual layouts. */
export interface CudaCheckOptions {
  /** Directory holding onnxruntime_binding.node; default: the installed onnxruntime-node's. */
  binDir?: string;
  /** Environment of the loader child (LD_LIBRARY_PATH matters). */
  env?: NodeJS.ProcessEnv;
  /** Extra directories searched for libraries that are on disk but not on the loader path. */
  extraDirs?: readonly string[];
}

/** Provider files the onnxruntime-node installer puts beside the binding (script/install-metadata.js). */
export const CUDA_PROVIDER_FILES = [
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_cuda.so',
] as const;
/** The TensorRT provider file from the same NuGet package. */
export const TENSORRT_PROVIDER_FILE = 'libonnxruntime_providers_tensorrt.so';

/**
 * Libraries the CUDA provider loads, by soname, with what they belong to, for the CUDA major version it
 * was built against: 12 for onnxruntime-node's own NuGet provider, 13 for the CUDA 13 builds the GPU
 * campaign carries (bench/device/CUDA.md). cuFFT's soname runs one behind the toolkit's.
 */
export function cudaLibraries(major: number): readonly { name: string; kind: RequirementKind }[] {
  return [
    { name: 'libcuda.so.1', kind: 'driver' },
    { name: `libcudart.so.${major}`, kind: 'cuda' },
    { name: `libcublasLt.so.${major}`, kind: 'cuda' },
    { name: `libcublas.so.${major}`, kind: 'cuda' },
    { name: `libcufft.so.${major - 1}`, kind: 'cuda' },
    { name: 'libcurand.so.10', kind: 'cuda' },
    { name: 'libcudnn.so.9', kind: 'cudnn' },
  ];
}

/** Bytes of the provider's head searched for its libcudart soname: the dynamic string table sits early. */
const PROVIDER_HEAD_BYTES = 8 * 1024 * 1024;

/**
 * The CUDA major version the installed provider links (its `libcudart.so.N`), read from the head of
 * the file rather than assumed; 12 (onnxruntime-node's own provider) when there is no file to read.
 */
export function providerCudaMajor(binDir: string): number {
  const path = join(binDir, 'libonnxruntime_providers_cuda.so');
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(PROVIDER_HEAD_BYTES);
    const n = readSync(fd, head, 0, head.length, 0);
    const m = /libcudart\.so\.(\d+)/.exec(head.subarray(0, n).toString('latin1'));
    return m ? Number(m[1]) : 12;
  } catch {
    return 12;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Libraries the TensorRT provider loads in addition (TensorRT 10). */
const TENSORRT_LIBRARIES: readonly { name: string; kind: RequirementKind }[] = [
  { name: 'libnvinfer.so.10', kind: 'tensorrt' },
  { name: 'libnvinfer_plugin.so.10', kind: 'tensorrt' },
  { name: 'libnvonnxparser.so.10', kind: 'tensorrt' },
];

/** Remedy per kind of requirement; the provider one is filled in with the bin directory. */
export const REMEDIES: Record<RequirementKind, string> = {
  provider: 'run `npx bench setup cuda` (fetches onnxruntime-node’s CUDA 12 provider libraries from NuGet)',
  driver:
    'install the NVIDIA driver (it provides libcuda.so.1 and nvidia-smi); in a container, start it with `--gpus all` (NVIDIA Container Toolkit)',
  cuda: 'install the CUDA 12 libraries: `apt-get install cuda-libraries-12-8` from NVIDIA’s CUDA apt repository (any 12.x works), or `pip install nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cufft-cu12 nvidia-curand-cu12` and add each nvidia/*/lib directory to LD_LIBRARY_PATH',
  cudnn:
    'install cuDNN 9 for CUDA 12: `apt-get install cudnn9-cuda-12` (NVIDIA’s CUDA apt repository) or `pip install nvidia-cudnn-cu12` and add its nvidia/cudnn/lib directory to LD_LIBRARY_PATH',
  tensorrt:
    'install TensorRT 10 for CUDA 12: `apt-get install libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10` (NVIDIA’s CUDA apt repository) or `pip install tensorrt-cu12-libs` and add its tensorrt_libs directory to LD_LIBRARY_PATH',
};

const KIND_ORDER: RequirementKind[] = ['driver', 'provider', 'cuda', 'cudnn', 'tensorrt'];

/** Directory of the installed onnxruntime-node binding for this platform (bin/napi-v6/<os>/<arch>). */
export function ortBinaryDir(): string {
  const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  return join(root, 'bin', 'napi-v6', platform(), arch());
}

function checkProviderFiles(binDir: string, files: readonly string[]): RequirementCheck[] {
  return files.map((name) => {
    const path = join(binDir, name);
    return existsSync(path)
      ? { name, kind: 'provider' as const, ok: true, path }
      : { name, kind: 'provider' as const, ok: false, detail: `not in ${binDir}` };
  });
}

function checkLibraries(
  libs: readonly { name: string; kind: RequirementKind }[],
  options: CudaCheckOptions,
): RequirementCheck[] {
  const env = options.env ?? process.env;
  const loads = new Map<string, LibraryLoad>(
    probeLibraries(
      libs.map((l) => l.name),
      env,
    ).map((l) => [l.name, l]),
  );
  const failed = libs.filter((l) => !loads.get(l.name)?.loadable);
  // Only pay for ldconfig and directory scans when something is missing.
  const ldcache = failed.length > 0 ? ldconfigCache() : new Map<string, string[]>();
  const extraDirs = [...commonLibraryDirs(env), ...(options.extraDirs ?? [])];
  return libs.map(({ name, kind }) => {
    const load = loads.get(name);
    if (load?.loadable) {
      const path = locateLibrary(name, { env, ldcache })[0];
      return { name, kind, ok: true, ...(path ? { path } : {}) };
    }
    const onDisk = locateLibrary(name, { env, extraDirs, ldcache });
    if (onDisk.length > 0) {
      const dir = dirname(onDisk[0]!);
      return {
        name,
        kind,
        ok: false,
        path: onDisk[0]!,
        detail: `found at ${onDisk[0]} but the loader cannot use it (${load?.error ?? 'not loadable'}); export LD_LIBRARY_PATH=${dir}:$LD_LIBRARY_PATH`,
      };
    }
    const others = otherVersions(name, { env, extraDirs, ldcache });
    const detail =
      others.length > 0 ? `not found (only other major versions present: ${others.join(', ')})` : 'not found';
    return { name, kind, ok: false, detail };
  });
}

/** What each kind of requirement is called in a reason line. */
const KIND_LABEL: Record<RequirementKind, string> = {
  driver: 'NVIDIA driver',
  provider: 'onnxruntime CUDA provider files',
  cuda: 'CUDA 12 libraries',
  cudnn: 'cuDNN 9',
  tensorrt: 'TensorRT 10 libraries',
};

function describe(c: RequirementCheck): string {
  if (!c.detail || c.detail === 'not found' || c.kind === 'provider') return c.name;
  const instead = /other major versions present: ([^)]+)/.exec(c.detail)?.[1];
  if (instead) return `${c.name} [only ${instead} present]`;
  return c.path ? `${c.name} [at ${c.path}, off the loader path]` : `${c.name} [${c.detail}]`;
}

function summarize(checks: RequirementCheck[], binDir: string): CudaReadiness {
  const bad = checks.filter((c) => !c.ok);
  if (bad.length === 0) return { usable: true, missing: [], checks };
  const parts: string[] = [];
  const remedies: string[] = [];
  for (const kind of KIND_ORDER) {
    const ofKind = bad.filter((c) => c.kind === kind);
    if (ofKind.length === 0) continue;
    const where = kind === 'provider' ? ` not in ${binDir}` : '';
    parts.push(`${KIND_LABEL[kind]} (${ofKind.map(describe).join(', ')}${where})`);
    // A library that is on disk but off the loader path needs LD_LIBRARY_PATH, not an install.
    const pathFixes = ofKind.filter((c) => c.path && c.detail?.includes('LD_LIBRARY_PATH'));
    for (const c of pathFixes) remedies.push(`for ${c.name}: ${c.detail!.split('; ')[1]}`);
    if (pathFixes.length < ofKind.length) remedies.push(REMEDIES[kind]);
  }
  return {
    usable: false,
    reason: `missing ${parts.join('; ')}`,
    remedy: remedies.join('; '),
    missing: bad.map((c) => c.name),
    checks,
  };
}

function unsupportedPlatform(): CudaReadiness | undefined {
  if (platform() === 'linux' && arch() === 'x64') return undefined;
  // onnxruntime-node publishes CUDA provider binaries for linux/x64 only (script/install-metadata.js).
  return {
    usable: false,
    reason: `onnxruntime-node has no CUDA provider build for ${platform()}/${arch()}`,
    remedy: 'run on Linux x86-64 with an NVIDIA GPU',
    missing: [...CUDA_PROVIDER_FILES],
    checks: [],
  };
}

/** Whether onnxruntime-node's CUDA provider can load here: provider files, driver, CUDA 12, cuDNN 9. */
export function checkCudaProvider(options: CudaCheckOptions = {}): CudaReadiness {
  if (!options.binDir) {
    const unsupported = unsupportedPlatform();
    if (unsupported) return unsupported;
  }
  const binDir = options.binDir ?? ortBinaryDir();
  const checks = [
    ...checkProviderFiles(binDir, CUDA_PROVIDER_FILES),
    ...checkLibraries(cudaLibraries(providerCudaMajor(binDir)), options),
  ];
  return summarize(checks, binDir);
}

/** Whether the TensorRT provider can load: everything CUDA needs plus its provider file and TensorRT 10. */
export function checkTensorrtProvider(options: CudaCheckOptions = {}): CudaReadiness {
  if (!options.binDir) {
    const unsupported = unsupportedPlatform();
    if (unsupported)
      return { ...unsupported, reason: (unsupported.reason ?? '').replace('CUDA', 'TensorRT') };
  }
  const binDir = options.binDir ?? ortBinaryDir();
  const checks = [
    ...checkProviderFiles(binDir, [...CUDA_PROVIDER_FILES, TENSORRT_PROVIDER_FILE]),
    ...checkLibraries([...cudaLibraries(providerCudaMajor(binDir)), ...TENSORRT_LIBRARIES], options),
  ];
  return summarize(checks, binDir);
}

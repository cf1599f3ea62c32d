/**
 * TensorFlow.js backend selection. tfjs keeps one global backend per process, so this module owns the
 * choice: cuda -> @tensorflow/tfjs-node-gpu; cpu -> @tensorflow/tfjs-node, else wasm (SIMD), else the
 * plain JavaScript 'cpu' backend. The native packages are optional peers (their install downloads
 * libtensorflow), so they are only ever loaded with a dynamic import inside try/catch.
 *
 * Threads, as found on Node 20 with tfjs 4.22 (see test/tfjs-backend.test.ts):
 * - wasm: tfjs leaves threads off on Node, because Node's Worker refuses the blob: URLs its pthreads
 *   start from; engines/tfjs-wasm-threads.ts starts them from the package's own scripts instead, so
 *   the threaded SIMD binary runs with up to 8 threads (by default one per physical core, as
 *   onnxruntime). The thread count that really ran is recorded.
 * - tensorflow (tfjs-node): TensorFlow reads TF_NUM_INTRAOP_THREADS when its context is created, so
 *   it is set before the first import and cannot change afterwards in the same process.
 * - cpu: plain JavaScript on the main thread, always 1.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  getThreadsCount as wasmThreadsCount,
  setThreadsCount,
  setWasmPaths,
} from '@tensorflow/tfjs-backend-wasm';
import { BenchError, errorMessage } from '../core/errors.js';
import type { DeviceKind } from '../results/schema.js';
import { PACKAGE_ROOT } from '../core/version.js';
import type { DeviceProbe } from './engine.js';
import {
  defaultWasmThreads,
  TFJS_WASM_MAX_THREADS,
  threadedScripts,
  withWasmThreads,
  type ThreadedScripts,
} from './tfjs-wasm-threads.js';

const require = createRequire(import.meta.url);

/** Backends this harness drives; the name is what tf.getBackend() reports. */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The optional native packages. */
type TfjsNativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** CUDA stack tfjs-node-gpu 4.22 is built against (TensorFlow 2.9.1). */
const TFJS_GPU_REQUIREMENT = 'CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8)';

/** Install remedy for `--engine tfjs --device cuda`. */
export const TFJS_GPU_REMEDY = `npm install @tensorflow/tfjs-node-gpu (needs an NVIDIA driver with ${TFJS_GPU_REQUIREMENT})`;

/** What was asked of the backend selection. */
export interface BackendRequest {
  device: DeviceKind;
  /** Intra-op threads; 0 = backend default. */
  threads: number;
  /** Use exactly this backend (tests, or a user pinning one); no fallback. */
  force?: TfjsBackendName;
}

/** The backend that was set up, and what it really does. */
export interface BackendChoice {
  backend: TfjsBackendName;
  /** Native package that provides the 'tensorflow' backend, when that one runs. */
  nativePackage?: TfjsNativePackage;
  /** Whether TensorFlow placed ops on a GPU (tensorflow backend from tfjs-node-gpu only). */
  usingGpu: boolean;
  threadsRequested: number;
  /** Threads that run; a string where TensorFlow decides from the environment. */
  threadsActual: number | string;
  /** wasm only: whether the SIMD binary runs. */
  simd?: boolean;
  /** Backends tried before this one, each with why it was not used. */
  skipped: string[];
  /** Problems the user should see on stderr (never fatal). */
  warnings: string[];
}

/** Outcome of importing an optional native package. */
type NativeLoad = { ok: true } | { ok: false; installed: boolean; error: string };

const nativeLoads = new Map<TfjsNativePackage, Promise<NativeLoad>>();

/** True when `name` resolves from this package (installed), without loading it. */
export function isPackageInstalled(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Imports a native package once per process; it registers the 'tensorflow' backend as a side effect. */
function loadNative(name: TfjsNativePackage, threads: number): Promise<NativeLoad> {
  let load = nativeLoads.get(name);
  if (!load) {
    load = (async (): Promise<NativeLoad> => {
      if (!isPackageInstalled(name))
        return { ok: false, installed: false, error: `${name} is not installed` };
      // TensorFlow reads these once, when the binding creates its eager context during the import.
      if (threads > 0 && process.env['TF_NUM_INTRAOP_THREADS'] === undefined) {
        process.env['TF_NUM_INTRAOP_THREADS'] = String(threads);
      }
      process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '2';
      try {
        const specifier: string = name;
        await import(specifier);
      } catch (e) {
        return { ok: false, installed: true, error: `${name} failed to load: ${firstLine(errorMessage(e))}` };
      }
      if (!tf.findBackendFactory('tensorflow')) {
        // Happens when the native package resolved its own copy of @tensorflow/tfjs-core.
        return {
          ok: false,
          installed: true,
          error: `${name} registered its backend on another copy of tfjs-core (version mismatch with @tensorflow/tfjs ${tf.version.tfjs})`,
        };
      }
      return { ok: true };
    })();
    nativeLoads.set(name, load);
  }
  return load;
}

let wasmConfigured = false;
let wasmInitThreads: number | undefined;
/** The XNNPACK pool size the wasm backend is initialised with (set by configureWasm). */
let wasmPoolThreads = 1;
/** The threaded build's scripts, or why wasm runs single-threaded (set by configureWasm for a pool of 2 or more). */
let wasmThreading: ThreadedScripts | { error: string } | undefined;

/**
 * Points the wasm backend at its .wasm files inside node_modules (a file path: no fetch, no network)
 * and switches multi-threading on when the threaded build's scripts are there.
 */
function configureWasm(threads: number): void {
  if (wasmConfigured) return;
  const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(`${distDir}/`);
  wasmPoolThreads = threads > 0 ? threads : defaultWasmThreads();
  // One thread needs no pthreads: the single-threaded SIMD build starts no workers at all.
  wasmThreading = wasmPoolThreads > 1 ? threadedScripts() : undefined;
  if (wasmThreading && 'workerSource' in wasmThreading) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(wasmPoolThreads);
  wasmInitThreads = threads;
  wasmConfigured = true;
}

/** Why the wasm backend runs `actual` threads where `threads` were asked. */
function wasmThreadsReason(threads: number, actual: number, simd: boolean): string {
  if (wasmThreading && 'error' in wasmThreading) return `multi-threading is off: ${wasmThreading.error}`;
  if (!simd) return 'its threaded binary needs WebAssembly SIMD, which this Node.js lacks';
  if (wasmInitThreads !== threads) {
    return `it was initialised for ${wasmInitThreads || 'default'} threads earlier in this process and keeps ${actual}`;
  }
  if (threads > TFJS_WASM_MAX_THREADS) return `tfjs caps its thread pool at ${TFJS_WASM_MAX_THREADS}`;
  return 'tfjs started no more';
}

/** Sets `name` as the global backend; false when its initialisation failed. */
async function trySetBackend(name: TfjsBackendName): Promise<boolean> {
  if (tf.getBackend() === name && tf.findBackend(name)) return true;
  // tfjs logs a failed initialisation itself with console.warn; the reason ends up in `skipped`.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  } finally {
    console.warn = warn;
  }
}

/** Sets up the backend for `request` (global to the process) and reports what really runs. */
export async function selectTfjsBackend(request: BackendRequest): Promise<BackendChoice> {
  const { device, threads } = request;
  if (device === 'tensorrt' || device === 'webgpu') {
    const probe = await probeTfjsDevice(device);
    throw new BenchError(
      'E_DEVICE_UNAVAILABLE',
      `--engine tfjs cannot run on --device ${device}: ${probe.reason ?? 'unsupported'}`,
      {
        hint: probe.remedy,
      },
    );
  }
  if (device === 'cuda') return selectGpu(threads);

  const order: TfjsBackendName[] = request.force ? [request.force] : ['tensorflow', 'wasm', 'cpu'];
  const skipped: string[] = [];
  for (const backend of order) {
    const choice = await trySetup(backend, threads, skipped);
    if (choice) return choice;
  }
  throw new BenchError(
    'E_DEVICE_UNAVAILABLE',
    `the tfjs ${request.force ?? 'cpu'} backend could not start: ${skipped.join('; ')}`,
    {
      hint: request.force
        ? 'pick another tfjs backend or leave the choice to the harness'
        : 'reinstall @tensorflow/tfjs',
    },
  );
}

async function trySetup(
  backend: TfjsBackendName,
  threads: number,
  skipped: string[],
): Promise<BackendChoice | undefined> {
  const warnings: string[] = [];
  if (backend === 'tensorflow') {
    const load = await loadNative('@tensorflow/tfjs-node', threads);
    if (!load.ok) {
      skipped.push(`tensorflow: ${load.error}`);
      return undefined;
    }
    if (!(await trySetBackend('tensorflow'))) {
      skipped.push('tensorflow: backend initialisation failed');
      return undefined;
    }
    return {
      backend,
      nativePackage: '@tensorflow/tfjs-node',
      usingGpu: false,
      threadsRequested: threads,
      threadsActual: intraOpThreadsDescription(),
      skipped,
      warnings,
    };
  }
  if (backend === 'wasm') {
    configureWasm(threads);
    const threading = wasmThreading;
    const init = (): Promise<boolean> => trySetBackend('wasm');
    const ok =
      threading && 'workerSource' in threading
        ? await withWasmThreads(threading, wasmPoolThreads, init)
        : await init();
    if (!ok) {
      skipped.push(
        'wasm: backend initialisation failed (the .wasm binaries could not be loaded from node_modules)',
      );
      return undefined;
    }
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const actual = wasmThreadsCount();
    if (threads > 0 && actual !== threads) {
      warnings.push(
        `the tfjs wasm backend runs ${actual} thread(s), not the ${threads} asked: ${wasmThreadsReason(threads, actual, simd)}`,
      );
    }
    return {
      backend,
      usingGpu: false,
      threadsRequested: threads,
      threadsActual: actual,
      simd,
      skipped,
      warnings,
    };
  }
  if (!(await trySetBackend('cpu'))) {
    skipped.push('cpu: backend initialisation failed');
    return undefined;
  }
  if (threads > 1)
    warnings.push(
      `the plain tfjs cpu backend is single-threaded JavaScript; --threads ${threads} has no effect`,
    );
  return { backend, usingGpu: false, threadsRequested: threads, threadsActual: 1, skipped, warnings };
}

async function selectGpu(threads: number): Promise<BackendChoice> {
  const name = '@tensorflow/tfjs-node-gpu';
  const load = await loadNative(name, threads);
  if (!load.ok) {
    throw new BenchError('E_DEVICE_UNAVAILABLE', `--engine tfjs --device cuda needs ${name}: ${load.error}`, {
      hint: TFJS_GPU_REMEDY,
    });
  }
  if (!(await trySetBackend('tensorflow'))) {
    throw new BenchError(
      'E_DEVICE_UNAVAILABLE',
      `${name} loaded but its tensorflow backend failed to initialise`,
      { hint: TFJS_GPU_REMEDY },
    );
  }
  const usingGpu = backendUsesGpu();
  const warnings = usingGpu
    ? []
    : [
        `${name} loaded but TensorFlow sees no GPU, so ops run on the CPU: it needs ${TFJS_GPU_REQUIREMENT}; set TF_CPP_MIN_LOG_LEVEL=0 to see which library failed to load`,
      ];
  return {
    backend: 'tensorflow',
    nativePackage: name,
    usingGpu,
    threadsRequested: threads,
    threadsActual: intraOpThreadsDescription(),
    skipped: [],
    warnings,
  };
}

/**
 * Whether the tensorflow backend placed ops on a GPU. tfjs-node's NodeJSKernelBackend sets
 * `isUsingGpuDevice` from TensorFlow's own device list (a "GPU" device exists), which is false when
 * libcudnn/libcudart fail to load even though the -gpu package imported fine.
 */
function backendUsesGpu(): boolean {
  const backend = tf.findBackend('tensorflow') as unknown as { isUsingGpuDevice?: unknown } | null;
  return backend?.isUsingGpuDevice === true;
}

function intraOpThreadsDescription(): string {
  const env = process.env['TF_NUM_INTRAOP_THREADS'];
  return env ? `TF_NUM_INTRAOP_THREADS=${env}` : 'TensorFlow default (one per core)';
}

/** The child for the cuda probe: loads tfjs-node-gpu apart from the harness and prints one JSON line. */
const GPU_PROBE_SOURCE = `
const { createRequire } = require('node:module');
try {
  const tf = createRequire(process.env.H100E_PKG_JSON)('@tensorflow/tfjs-node-gpu');
  const b = tf.backend();
  console.log(JSON.stringify({ ok: true, gpu: b.isUsingGpuDevice === true }));
} catch (e) { console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e).split('\\n')[0] })); }
`;

function probeGpuInChild(): Promise<{ ok: boolean; gpu?: boolean; error?: string }> {
  return new Promise((resolve) => {
    void import('node:child_process').then(({ execFile }) => {
      execFile(
        process.execPath,
        ['-e', GPU_PROBE_SOURCE],
        {
          timeout: 60_000,
          env: {
            ...process.env,
            TF_CPP_MIN_LOG_LEVEL: '2',
            H100E_PKG_JSON: join(PACKAGE_ROOT, 'package.json'),
          },
        },
        (err, stdout) => {
          try {
            resolve(
              JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
                ok: boolean;
                gpu?: boolean;
                error?: string;
              },
            );
          } catch {
            resolve({
              ok: false,
              error: err?.killed ? 'no answer within 60 s' : (err?.message ?? 'the probe printed nothing'),
            });
          }
        },
      );
    });
  });
}

const probes = new Map<DeviceKind, Promise<DeviceProbe>>();

/** Whether tfjs can run on `device` here, without changing the process's backend (cached). */
export function probeTfjsDevice(device: DeviceKind): Promise<DeviceProbe> {
  let probe = probes.get(device);
  if (!probe) {
    probe = probeUncached(device);
    probes.set(device, probe);
  }
  return probe;
}

async function probeUncached(device: DeviceKind): Promise<DeviceProbe> {
  switch (device) {
    case 'cpu':
      // The plain JavaScript backend always runs, so cpu is always usable.
      return { device, usable: true, deviceName: cpus()[0]?.model.trim() ?? 'unknown CPU' };
    case 'tensorrt':
      return {
        device,
        usable: false,
        reason: 'TensorFlow.js has no TensorRT backend',
        remedy: 'use --engine ort --device tensorrt',
      };
    case 'webgpu':
      return {
        device,
        usable: false,
        reason: 'the TensorFlow.js WebGPU backend needs navigator.gpu, which Node.js does not provide',
        remedy: 'use --engine ort --device webgpu',
      };
    case 'cuda': {
      if (!isPackageInstalled('@tensorflow/tfjs-node-gpu')) {
        return {
          device,
          usable: false,
          reason: '@tensorflow/tfjs-node-gpu is not installed',
          remedy: TFJS_GPU_REMEDY,
        };
      }
      const trial = await probeGpuInChild();
      if (!trial.ok)
        return {
          device,
          usable: false,
          reason: trial.error ?? 'tfjs-node-gpu failed to load',
          remedy: TFJS_GPU_REMEDY,
        };
      if (!trial.gpu) {
        return {
          device,
          usable: false,
          reason: 'tfjs-node-gpu loaded but TensorFlow sees no GPU device',
          remedy: `install ${TFJS_GPU_REQUIREMENT} and check nvidia-smi`,
        };
      }
      return { device, usable: true };
    }
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

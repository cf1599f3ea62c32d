/**
 * Multi-threaded TensorFlow.js wasm on Node.
 *
 * tfjs 4.22 reports WASM_HAS_MULTITHREAD_SUPPORT=false on Node (tfjs issue #3830), and forcing it on
 * fails: Emscripten starts each pthread worker from a blob: URL holding the worker script, and hands
 * the workers the main script as a Blob, and Node's Worker takes neither (ERR_WORKER_PATH). Yet the
 * package ships both scripts (wasm-out/), and Emscripten's worker script has a Node branch. So while
 * the backend initialises (Emscripten creates its pool of 8 workers then, and keeps the Worker class
 * it found for any later one) `worker_threads.Worker` is a subclass that starts the worker script
 * from its text, gives the workers the main script's path, and never keeps Node from exiting. The
 * class is put back afterwards; the ESM bindings of `node:worker_threads` never see the change.
 *
 * tfjs also caps XNNPACK's pool at half the logical cores (assuming two hyperthreads per core) and
 * at 8, once, when the module is instantiated. A pool of N threads is honoured up to 8 by letting
 * os.cpus() report at least 2N cores during that instantiation. The thread count the backend then
 * reports is what the result records.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { physicalCores } from '../env/environment.js';

const require = createRequire(import.meta.url);

/** tfjs's ceiling on the XNNPACK pool (max_num_threads in its backend.cc; 8 workers are pre-created). */
export const TFJS_WASM_MAX_THREADS = 8;

/**
 * The wasm backend's pool when --threads is 0: one thread per physical core, onnxruntime's default,
 * so the engines compare at their defaults (tfjs's own rule, half the logical cores for two
 * hyperthreads per core, would give a 2-vCPU VM one thread, and is the fallback where the physical
 * count is unknown); at most tfjs's 8.
 */
export function defaultWasmThreads(
  cores: { physical?: number; logical: number } = { physical: physicalCores(), logical: cpus().length },
): number {
  return Math.min(TFJS_WASM_MAX_THREADS, cores.physical ?? Math.max(1, Math.floor(cores.logical / 2)));
}

/** What starting threaded wasm needs: the two scripts of the threaded SIMD build. */
export interface ThreadedScripts {
  /** The pthread worker's source, as Emscripten would put it in a Blob. */
  workerSource: string;
  /** Path of the main script that defines WasmBackendModuleThreadedSimd, which each worker evaluates. */
  mainScriptPath: string;
}

/** The threaded build's scripts in the installed package, or why they cannot be used. */
export function threadedScripts(): ThreadedScripts | { error: string } {
  const pkg = '@tensorflow/tfjs-backend-wasm';
  let dir: string;
  try {
    dir = join(dirname(require.resolve(`${pkg}/package.json`)), 'wasm-out');
  } catch {
    return { error: `${pkg} is not installed` };
  }
  const mainScriptPath = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerModule = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  if (!existsSync(mainScriptPath) || !existsSync(workerModule)) {
    return { error: `${pkg} has no threaded SIMD scripts in wasm-out/` };
  }
  const { wasmWorkerContents } = require(workerModule) as { wasmWorkerContents?: unknown };
  if (
    typeof wasmWorkerContents !== 'string' ||
    !wasmWorkerContents.includes('WasmBackendModuleThreadedSimd')
  ) {
    return { error: `${pkg}'s pthread worker script is not the one this harness knows` };
  }
  // As tfjs does before making its Blob: the template literal turned the script's "\n" escapes into
  // line breaks, which inside its string literals are syntax errors.
  return { workerSource: wasmWorkerContents.replace(/\n/g, '\\n'), mainScriptPath };
}

/** The mutable CommonJS exports of `node:worker_threads` and `node:os` that Emscripten reads. */
interface WorkerThreadsExports {
  Worker: typeof import('node:worker_threads').Worker;
}
interface OsExports {
  cpus: typeof import('node:os').cpus;
}

/**
 * Runs `init` (tf.setBackend('wasm') with multi-threading switched on) where Node can start tfjs's
 * pthread workers, and where a pool of `threads` threads fits under tfjs's cap.
 */
export async function withWasmThreads<T>(
  scripts: ThreadedScripts,
  threads: number,
  init: () => Promise<T>,
): Promise<T> {
  const workerThreads = require('node:worker_threads') as WorkerThreadsExports;
  const os = require('node:os') as OsExports;
  const Original = workerThreads.Worker;
  const realCpus = os.cpus;
  class ScriptWorker extends Original {
    constructor(filename: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      if (String(filename).startsWith('blob:')) super(scripts.workerSource, { ...options, eval: true });
      else super(filename, options);
    }

    /**
     * Emscripten refs a worker while its pthread runs, but XNNPACK's threads wait for work for as
     * long as the process lives, so Node would never exit. Work is handed to them synchronously from
     * the main thread, which is busy (not exiting) until it is done, so they can stay unref'd.
     */
    override ref(): void {
      this.unref();
    }

    override postMessage(
      message: unknown,
      transfer?: readonly import('node:worker_threads').TransferListItem[],
    ): void {
      // Emscripten's "load" message carries the main script as a Blob, which the worker cannot read.
      const msg = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      if (msg?.cmd === 'load' && typeof msg.urlOrBlob !== 'string') {
        message = { ...msg, urlOrBlob: scripts.mainScriptPath };
      }
      super.postMessage(message, transfer);
    }
  }
  workerThreads.Worker = ScriptWorker;
  if (threads > 0) {
    os.cpus = () => {
      const real = realCpus();
      const wanted = 2 * Math.min(threads, TFJS_WASM_MAX_THREADS);
      const first = real[0];
      return !first || real.length >= wanted
        ? real
        : [...real, ...Array<typeof first>(wanted - real.length).fill(first)];
    };
  }
  try {
    return await init();
  } finally {
    workerThreads.Worker = Original;
    os.cpus = realCpus;
  }
}

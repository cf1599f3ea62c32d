/** Which TensorFlow.js backends can run here: wasm and cpu (pure JS), tfjs-node and tfjs-node-gpu. */
import { defaultWasmThreads, TFJS_WASM_MAX_THREADS, threadedScripts } from '../engines/tfjs-wasm-threads.js';
import { installedVersion, physicalCores } from '../env/environment.js';
import { runNodeChild } from '../engines/node-child.js';

/** Names of the tfjs backends the harness knows. */
type TfjsBackendName = 'cpu' | 'wasm' | 'tensorflow' | 'tensorflow-gpu';

/** One backend's state. */
export interface TfjsBackendCheck {
  backend: TfjsBackendName;
  /** Package that provides it. */
  package: string;
  version?: string;
  usable: boolean;
  reason?: string;
  remedy?: string;
  /** What a usable backend does here (wasm: how many threads). */
  notes?: string[];
}

/** Imports the backend in a child, switches to it and adds two tensors; prints {ok, backend, error}. */
function childSource(importLine: string, backend: string): string {
  return `
import * as tf from '@tensorflow/tfjs';
try {
  ${importLine}
  const ok = await tf.setBackend(${JSON.stringify(backend)});
  await tf.ready();
  const y = Array.from(tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])).dataSync());
  const good = ok && tf.getBackend() === ${JSON.stringify(backend)} && y.join() === '4,6';
  console.log(JSON.stringify({ ok: good, error: good ? undefined : 'backend ' + tf.getBackend() + ' gave ' + y.join(',') }));
} catch (e) { console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e).split('\\n')[0] })); }
`;
}

async function trial(
  pkg: string,
  backend: TfjsBackendName,
  importLine: string,
  tfBackend: string,
  remedy: string,
): Promise<TfjsBackendCheck> {
  const version = installedVersion(pkg);
  if (!version) return { backend, package: pkg, usable: false, reason: `${pkg} is not installed`, remedy };
  const outcome = await runNodeChild(childSource(importLine, tfBackend), { timeoutMs: 60_000 });
  const r = outcome.result as { ok?: boolean; error?: string } | undefined;
  if (r?.ok) return { backend, package: pkg, version, usable: true };
  const reason =
    r?.error ??
    (outcome.timedOut
      ? 'no answer within 60 s'
      : `check process ended without an answer (exit ${String(outcome.exit)})`);
  return { backend, package: pkg, version, usable: false, reason, remedy };
}

/** How many threads the wasm backend runs here, as `bench run --engine tfjs` sets it up. */
export function wasmThreadsNote(): string {
  const scripts = threadedScripts();
  if ('error' in scripts) return `single-threaded: ${scripts.error}`;
  const n = defaultWasmThreads();
  const rule = physicalCores() !== undefined ? 'one per physical core' : 'half the logical cores';
  return `multi-threaded: ${n} thread${n === 1 ? '' : 's'} by default here (${rule}), --threads up to ${TFJS_WASM_MAX_THREADS}`;
}

/** Checks every tfjs backend; absent optional packages are reported with the install command. */
export async function checkTfjsBackends(): Promise<TfjsBackendCheck[]> {
  const results: TfjsBackendCheck[] = [];
  // Sequential on purpose: each child loads a large library and the machine may have two cores.
  results.push(await trial('@tensorflow/tfjs', 'cpu', '', 'cpu', 'npm install @tensorflow/tfjs'));
  const wasm = await trial(
    '@tensorflow/tfjs-backend-wasm',
    'wasm',
    "await import('@tensorflow/tfjs-backend-wasm');",
    'wasm',
    'npm install @tensorflow/tfjs-backend-wasm',
  );
  results.push(wasm.usable ? { ...wasm, notes: [wasmThreadsNote()] } : wasm);
  results.push(
    await trial(
      '@tensorflow/tfjs-node',
      'tensorflow',
      "await import('@tensorflow/tfjs-node');",
      'tensorflow',
      'npm install @tensorflow/tfjs-node (optional; its install step downloads libtensorflow, so it needs network)',
    ),
  );
  results.push(
    await trial(
      '@tensorflow/tfjs-node-gpu',
      'tensorflow-gpu',
      "await import('@tensorflow/tfjs-node-gpu');",
      'tensorflow',
      'npm install @tensorflow/tfjs-node-gpu (optional; needs an NVIDIA driver with CUDA 11.2 and cuDNN 8.1 libraries, per the tfjs-node-gpu README)',
    ),
  );
  return results;
}

/**
 * Really runs onnxruntime-node's probe model on one execution provider in a child process and keeps
 * the child's stderr, because Dawn and the CUDA provider explain themselves there (e.g. "Couldn't
 * load Vulkan: libvulkan.so.1 ...") rather than in the thrown error.
 */
import { probeModelBytes } from './probe-model.js';
import { runNodeChild } from './node-child.js';

/** Outcome of one provider trial. */
export interface ProviderTrialResult {
  ok: boolean;
  /** One line: the thrown error without ORT's source-location prefix, or the time-out. */
  error?: string;
  /** Lines from native stderr that explain a failure (Vulkan, Dawn, CUDA), at most three. */
  nativeNotes: string[];
  ms: number;
}

const SOURCE = `
import ort from 'onnxruntime-node';
const bytes = Buffer.from(process.env.H100E_PROBE_MODEL, 'base64');
try {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: [process.env.H100E_PROVIDER], logSeverityLevel: 3 });
  const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, -1, 2, -2]), [1, 4]) });
  const y = out.y; const d = y.location === 'cpu' ? y.data : await y.getData();
  const got = Array.from(d);
  const ok = got.join() === '1,0,2,0';
  console.log(JSON.stringify({ ok, error: ok ? undefined : 'probe model gave ' + got.join(',') + ', expected 1,0,2,0' }));
} catch (e) { console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e) })); }
`;

/** First line of an ORT error, minus "/onnxruntime_src/... <check> was false." noise. */
export function tidyOrtError(message: string): string {
  const line =
    message
      .split('\n')
      .find((l) => l.trim().length > 0)
      ?.trim() ?? message;
  const checked = line.split(' was false. ');
  const tail = checked.length > 1 ? checked[checked.length - 1]! : line;
  return tail
    .replace(/^\/onnxruntime_src\/\S+\s+/, '')
    .replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '')
    .trim();
}

/** Native stderr lines worth showing: loader failures and adapter messages, ANSI colours removed. */
export function nativeNotes(stderr: string): string[] {
  return (
    stderr
      // ORT colours its log lines; strip the escape sequences (ESC is char code 27).
      .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) =>
        /vulkan|adapter|cannot open shared object|Failed to load library|cuda|cudnn|nvinfer/i.test(l),
      )
      .filter((l) => !/^at /.test(l))
      .map((l) =>
        tidyOrtError(
          l.replace(/^Warning:\s*/, '').replace(/^\d{4}-\d\d-\d\d [\d:.]+ \[[EWI]:[^\]]*\]\s*/, ''),
        ),
      )
      .slice(0, 3)
  );
}

/** Creates a session for `provider` on the probe model and checks its output (Relu of [1,-1,2,-2]). */
export async function tryProviderInChild(provider: string, timeoutMs = 30_000): Promise<ProviderTrialResult> {
  const t0 = performance.now();
  const outcome = await runNodeChild(SOURCE, {
    timeoutMs,
    env: {
      ...process.env,
      H100E_PROBE_MODEL: Buffer.from(probeModelBytes()).toString('base64'),
      H100E_PROVIDER: provider,
    },
  });
  const ms = performance.now() - t0;
  const notes = nativeNotes(outcome.stderr);
  const r = outcome.result as { ok?: unknown; error?: unknown } | undefined;
  if (r && typeof r.ok === 'boolean') {
    return r.ok
      ? { ok: true, nativeNotes: notes, ms }
      : { ok: false, error: tidyOrtError(String(r.error ?? 'unknown error')), nativeNotes: notes, ms };
  }
  const error = outcome.timedOut
    ? `no answer within ${Math.round(timeoutMs / 1000)} s (the provider hung while starting)`
    : `the check process ended without an answer (exit ${String(outcome.exit)})`;
  return { ok: false, error, nativeNotes: notes, ms };
}

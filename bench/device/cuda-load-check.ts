/**
 * Loads an onnxruntime-node package folder (the one cuda-pack.sh bundles) and runs the probe model
 * first on the CPU, then with `executionProviders: [provider]`, printing one JSON line. cuda-pack.sh
 * runs it on the CPU machine, where the CUDA provider can get only as far as its first CUDA library:
 * an error naming libcublasLt.so.13 there shows that the binding, its core and the (trimmed) provider
 * pair up and that the dynamic linker accepts the provider's ELF. On the GPU machine the same check
 * should say ok.
 *
 *   node dist/bench/device/cuda-load-check.js [--provider cuda] ORT_PACKAGE_DIR
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, errorMessage } from '../../src/core/errors.js';
import { probeModelBytes } from '../../src/engines/probe-model.js';
import { parseScriptArgs, runScript } from '../perf/script.js';

const USAGE = 'node dist/bench/device/cuda-load-check.js [--provider cuda] ORT_PACKAGE_DIR';

interface OrtLike {
  InferenceSession: {
    create(
      bytes: Uint8Array,
      options: object,
    ): Promise<{
      run(feeds: object): Promise<Record<string, { data: unknown }>>;
    }>;
  };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => object;
}

async function runProbe(ort: OrtLike, provider: string): Promise<{ ok: boolean; error?: string }> {
  try {
    const session = await ort.InferenceSession.create(probeModelBytes(), {
      executionProviders: [provider],
      logSeverityLevel: 3,
    });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, -1, 2, -2]), [1, 4]) });
    const got = Array.from(out.y?.data as Float32Array).join();
    return got === '1,0,2,0'
      ? { ok: true }
      : { ok: false, error: `probe model gave ${got}, expected 1,0,2,0` };
  } catch (e) {
    return { ok: false, error: errorMessage(e).split('\n')[0] ?? '' };
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseScriptArgs(
    { options: { provider: { type: 'string', default: 'cuda' } }, allowPositionals: true },
    USAGE,
  );
  const [dirArg] = positionals;
  if (!dirArg || positionals.length !== 1)
    throw new BenchError('E_USAGE', 'expected one ORT_PACKAGE_DIR', { hint: USAGE });
  const dir = resolve(dirArg);
  if (!existsSync(join(dir, 'package.json')))
    throw new BenchError('E_FILE_NOT_FOUND', `${dirArg}: no package.json (not an onnxruntime-node folder)`, {
      hint: USAGE,
    });
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string })
    .version;
  const ort = createRequire(join(dir, 'package.json'))(dir) as OrtLike;
  const cpu = await runProbe(ort, 'cpu');
  const gpu = await runProbe(ort, values.provider);
  console.log(JSON.stringify({ version, cpu, [values.provider]: gpu }));
  return cpu.ok ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runScript(main);

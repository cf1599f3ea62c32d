/** Engine selection by name; tfjs is imported lazily so ort-only runs never load TensorFlow.js. */
import type { Engine } from '../engines/engine.js';
import { createOrtEngine } from '../engines/ort.js';
import { BenchError } from '../core/errors.js';
import type { EngineName } from '../results/schema.js';

/** The engine for `--engine NAME`. */
export async function loadEngine(name: EngineName): Promise<Engine> {
  if (name === 'ort') return createOrtEngine();
  let tfjs: typeof import('../engines/tfjs.js');
  try {
    tfjs = await import('../engines/tfjs.js');
  } catch (e) {
    // A trimmed install (e.g. the GPU machine's pack) leaves TensorFlow.js out.
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new BenchError(
        'E_UNSUPPORTED',
        '--engine tfjs: TensorFlow.js (@tensorflow/tfjs) is not installed here',
        {
          hint: 'npm install @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
          cause: e,
        },
      );
    }
    throw e;
  }
  return tfjs.createTfjsEngine();
}

/** Engine selection by name; tfjs is imported lazily so ort-only runs never load TensorFlow.js. */
import type { Engine } from '../engines/engine.js';
import { createOrtEngine } from '../engines/ort.js';
import type { EngineName } from '../results/schema.js';

/** The engine for `--engine NAME`. */
export async function loadEngine(name: EngineName): Promise<Engine> {
  if (name === 'ort') return createOrtEngine();
  const { createTfjsEngine } = await import('../engines/tfjs.js');
  return createTfjsEngine();
}

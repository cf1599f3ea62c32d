/**
 * Checks of a model's external data (tensors kept in side files, as every model over 2 GB and many
 * exports are): each side file must lie in the model's folder and hold the bytes its tensors claim.
 * Only sizes are read here, never the bytes, so checking a multi-gigabyte model stays instant.
 */
import { statSync } from 'node:fs';
import { BenchError } from '../core/errors.js';
import { attr, externalRef, isExternal, type OnnxGraph, type OnnxTensor } from './onnx.js';

/** Initializers and Constant-node tensors of the top-level graph that live in side files. */
function externalTensors(graph: OnnxGraph): OnnxTensor[] {
  const constants = (graph.node ?? [])
    .filter((n) => n.opType === 'Constant')
    .map((n) => attr(n, 'value')?.t)
    .filter((t): t is OnnxTensor => t !== undefined && t !== null);
  return [...(graph.initializer ?? []), ...constants].filter(isExternal);
}

/**
 * Throws a one-line BenchError naming the side file when one is outside the model's folder, missing,
 * or shorter than a tensor's range; returns the side files' paths (relative, as the model names them).
 */
export function checkExternalData(graph: OnnxGraph, baseDir: string, label: string): string[] {
  const sizes = new Map<string, number>();
  for (const t of externalTensors(graph)) {
    const ref = externalRef(t, baseDir, label);
    let size = sizes.get(ref.file);
    if (size === undefined) {
      try {
        const st = statSync(ref.file);
        size = st.isFile() ? st.size : -1;
      } catch {
        size = -1;
      }
      sizes.set(ref.file, size);
    }
    if (size < 0) {
      throw new BenchError(
        'E_FILE_NOT_FOUND',
        `${label}: external data file ${ref.file} (for tensor '${t.name ?? ''}') not found`,
        { hint: `keep the .onnx file next to the side file '${ref.location}' it was saved with` },
      );
    }
    if (ref.offset + ref.length > size) {
      throw new BenchError(
        'E_FILE_CORRUPT',
        `${label}: external data file ${ref.file} is ${size} bytes, but tensor '${t.name ?? ''}' needs bytes ${ref.offset}..${ref.offset + ref.length}`,
        { hint: 'the side file is cut short or belongs to another export; copy or export it again' },
      );
    }
  }
  return [...new Set(externalTensors(graph).map((t) => externalRef(t, baseDir, label).location))];
}

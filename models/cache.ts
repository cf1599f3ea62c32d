/**
 * On-disk cache of built zoo models. Key: name, precision, seed and BUILDER_VERSION (all in the
 * file name), so a builder change never serves stale bytes. Files are written to a temporary
 * name, fsynced and renamed, so concurrent builders, interrupted runs and power losses never leave
 * a partial model; an empty or short file (from an older writer) counts as missing and is rebuilt.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { buildOnnx, getZooEntry } from './index.js';
import { BenchError, errorMessage } from '../src/core/errors.js';
import { writeFileAtomicRaw } from '../src/results/io.js';
import type { Precision } from '../src/results/schema.js';
import { BUILDER_VERSION } from './version.js';

export { BUILDER_VERSION } from './version.js';

/**
 * H100E_CACHE_DIR when set, else `models/` in the user's cache folder (XDG_CACHE_HOME or ~/.cache on
 * Linux, by env-paths): a global install's package folder is not writable by its users.
 */
export function defaultCacheDir(): string {
  const env = process.env.H100E_CACHE_DIR;
  return env && env.length > 0 ? env : join(envPaths('h100e', { suffix: '' }).cache, 'models');
}

/**
 * Fewer bytes than any zoo model (the smallest, tiny_cnn, is kilobytes): such a cached file was
 * cut short, e.g. renamed before its data reached the disk, and must not be handed to an engine.
 */
const MIN_CACHED_MODEL_BYTES = 256;

/** True when `path` is a cached model worth trusting: a regular file of plausible size. */
function usableCacheFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && st.size >= MIN_CACHED_MODEL_BYTES;
  } catch {
    return false;
  }
}

/** File name of a cached build (the cache key). */
export function zooCacheFileName(name: string, precision: Precision, seed: number): string {
  return `${name}-${precision}-seed${seed}-b${BUILDER_VERSION}.onnx`;
}

/** Path of the zoo model's .onnx file, building and caching it first if needed. */
export function zooModelPath(
  name: string,
  opts: { precision: Precision; seed?: number; cacheDir?: string },
): string {
  getZooEntry(name); // unknown names fail before touching the disk
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new BenchError('E_BAD_INPUT', `seed ${seed} is not an integer in 0..4294967295`, {
      hint: 'pass --seed with a non-negative integer',
    });
  }
  const dir = opts.cacheDir ?? defaultCacheDir();
  const path = join(dir, zooCacheFileName(name, opts.precision, seed));
  if (usableCacheFile(path)) return path;
  if (opts.precision === 'int8') {
    // int8 builds need an asynchronous calibration pass through onnxruntime (see int8-cache.ts).
    throw new BenchError(
      'E_UNSUPPORTED',
      `the int8 build of ${name} (seed ${seed}) is not in the cache ${dir}`,
      {
        hint: `build it first: bench models export ${name} --precision int8 --seed ${seed} --out ${name}-int8.onnx`,
      },
    );
  }
  // Built outside the try: a builder bug must surface as itself, not as an unwritable cache.
  return writeCachedModel(dir, path, buildOnnx(name, { precision: opts.precision, seed }));
}

/**
 * Writes a built model into the cache folder `dir` at `path`, atomically (the rename replaces a short
 * file left by an earlier crash); an unwritable cache is a one-line error naming the folder.
 */
export function writeCachedModel(dir: string, path: string, bytes: Uint8Array): string {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomicRaw(path, bytes);
  } catch (e) {
    throw new BenchError('E_UNWRITABLE', `cannot write the model cache ${dir}: ${errorMessage(e)}`, {
      hint: 'set H100E_CACHE_DIR to a writable folder',
      cause: e,
    });
  }
  return path;
}

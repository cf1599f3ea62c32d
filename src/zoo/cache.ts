/**
 * On-disk cache of built zoo models. Key: name, precision, seed and BUILDER_VERSION (all in the
 * file name), so a builder change never serves stale bytes. Files are written to a temporary
 * name and renamed, so concurrent builders and interrupted runs never leave a partial model.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnnx, getZooEntry } from '../../models/index.js';
import { BenchError, errorMessage } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { BUILDER_VERSION } from './version.js';

export { BUILDER_VERSION } from './version.js';

/** H100E_CACHE_DIR when set, else `<package root>/models/.cache` (git-ignored). */
export function defaultCacheDir(): string {
  const env = process.env.H100E_CACHE_DIR;
  return env && env.length > 0 ? env : join(PACKAGE_ROOT, 'models', '.cache');
}

/** File name of a cached build (the cache key). */
export function zooCacheFileName(name: string, precision: 'fp32' | 'fp16', seed: number): string {
  return `${name}-${precision}-seed${seed}-b${BUILDER_VERSION}.onnx`;
}

/** Path of the zoo model's .onnx file, building and caching it first if needed. */
export function zooModelPath(
  name: string,
  opts: { precision: 'fp32' | 'fp16'; seed?: number; cacheDir?: string },
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
  if (existsSync(path)) return path;
  // Built outside the try: a builder bug must surface as itself, not as an unwritable cache.
  const bytes = buildOnnx(name, { precision: opts.precision, seed });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // force covers a missing file but not a missing folder (ENOTDIR); the original error matters more
    }
    throw new BenchError('E_UNWRITABLE', `cannot write the model cache ${dir}: ${errorMessage(e)}`, {
      hint: 'set H100E_CACHE_DIR to a writable folder',
      cause: e,
    });
  }
  return path;
}

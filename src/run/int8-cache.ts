/**
 * int8 zoo builds: the fp32 build quantized to QDQ form (see int8.ts), cached beside the other builds
 * under the same key scheme. Asynchronous because calibration runs onnxruntime; callers await
 * {@link ensureZooModel} before the synchronous {@link zooModelPath} can hand out an int8 file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { BenchError } from '../core/errors.js';
import type { Precision } from '../results/schema.js';
import { defaultCacheDir, writeCachedModel, zooCacheFileName, zooModelPath } from '../../models/cache.js';
import { quantizeQdq } from './int8-build.js';

/** Seeded images in the calibration batch: enough for stable per-tensor min/max on these models. */
const CALIBRATION_IMAGES = 8;
/** Calibration inputs use a seed of their own, so agreement checks on the run's seeds are out-of-sample. */
const CALIBRATION_SEED = 0x1a7;

/** Path of the zoo model at `precision`, building (and, for int8, calibrating) and caching it first. */
export async function ensureZooModel(
  name: string,
  opts: { precision: Precision; seed?: number; cacheDir?: string },
): Promise<string> {
  if (opts.precision !== 'int8') return zooModelPath(name, opts);
  const seed = opts.seed ?? 0;
  const dir = opts.cacheDir ?? defaultCacheDir();
  try {
    return zooModelPath(name, opts);
  } catch (e) {
    if (!(e instanceof BenchError) || e.code !== 'E_UNSUPPORTED') throw e;
  }
  const fp32 = zooModelPath(name, { precision: 'fp32', seed, cacheDir: dir });
  const [, c, h, w] = getZooEntry(name).inputShape;
  const bytes = await quantizeQdq(readFileSync(fp32), {
    seed: CALIBRATION_SEED,
    images: CALIBRATION_IMAGES,
    input: { name: 'input', chw: [c, h, w] },
  });
  return writeCachedModel(dir, join(dir, zooCacheFileName(name, 'int8', seed)), bytes);
}

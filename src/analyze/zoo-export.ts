/** `bench models export`: writes a zoo model's ONNX file where the user asks, checking the target first. */
import { copyFileSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { BenchError, errorMessage } from '../core/errors.js';
import { splitExternalData } from '../graph/external-data.js';
import type { Precision } from '../results/schema.js';
import { checkOutFile, fsyncFile, tempPathFor, writeFileAtomicRaw } from '../results/io.js';
import { zooModelPath } from '../../models/cache.js';

/** Options of {@link exportZooModel}. */
export interface ExportOptions {
  name: string;
  precision: Precision;
  seed: number;
  out: string;
  /** Replace an existing file. */
  force?: boolean;
  /** Write large tensors to `<out>.data` beside the model (ONNX external data). */
  externalData?: boolean;
  cacheDir?: string;
}

/** What was written. */
export interface ExportResult {
  path: string;
  name: string;
  precision: Precision;
  seed: number;
  bytes: number;
  /** The side file, when written with external data. */
  dataPath?: string;
}

/** Validates the name and the target, builds (or reuses the cached build) and copies it to `out`. */
export function exportZooModel(opts: ExportOptions): ExportResult {
  getZooEntry(opts.name);
  checkOutFile(opts.out, { force: opts.force });
  const cached = zooModelPath(opts.name, {
    precision: opts.precision,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
  });
  const path = resolve(opts.out);
  if (opts.externalData) return exportExternal(opts, cached, path);
  // Hidden temp name like result files (`.name.PID.TIME.N.tmp`), fsynced before the rename so a power
  // loss cannot leave an empty model under the final name. A copy, not a read into memory: models
  // reach hundreds of MB.
  const tmp = tempPathFor(path);
  try {
    copyFileSync(cached, tmp);
    fsyncFile(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new BenchError('E_UNWRITABLE', `cannot write --out ${opts.out}: ${errorMessage(e)}`, {
      hint: 'check free space and permissions',
      cause: e,
    });
  }
  return { path, name: opts.name, precision: opts.precision, seed: opts.seed, bytes: statSync(path).size };
}

/** The external-data form: the model and its side file, each written atomically. */
function exportExternal(opts: ExportOptions, cached: string, path: string): ExportResult {
  const dataPath = `${path}.data`;
  checkOutFile(dataPath, { force: opts.force });
  const { model, data } = splitExternalData(readFileSync(cached), basename(dataPath));
  try {
    // Side file first: a model on disk must never point at data that is not there yet.
    writeFileAtomicRaw(dataPath, data);
    writeFileAtomicRaw(path, model);
  } catch (e) {
    throw new BenchError('E_UNWRITABLE', `cannot write --out ${opts.out}: ${errorMessage(e)}`, {
      hint: 'check free space and permissions',
      cause: e,
    });
  }
  return {
    path,
    name: opts.name,
    precision: opts.precision,
    seed: opts.seed,
    bytes: model.length,
    dataPath,
  };
}

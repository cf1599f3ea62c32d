/** `bench models export`: writes a zoo model's ONNX file where the user asks, checking the target first. */
import { accessSync, constants, copyFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getZooEntry } from '../../models/index.js';
import { BenchError, errorMessage } from '../errors.js';
import { zooModelPath } from '../zoo/cache.js';

/** Options of {@link exportZooModel}. */
export interface ExportOptions {
  name: string;
  precision: 'fp32' | 'fp16';
  seed: number;
  out: string;
  /** Replace an existing file. */
  force?: boolean;
  cacheDir?: string;
}

/** What was written. */
export interface ExportResult {
  path: string;
  name: string;
  precision: 'fp32' | 'fp16';
  seed: number;
  bytes: number;
}

/** Throws E_UNWRITABLE / E_EXISTS when `out` cannot take a new file; cheap, so it runs before any build. */
export function checkWritableOut(out: string, force = false): void {
  const path = resolve(out);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) {
    throw new BenchError('E_UNWRITABLE', `--out ${out} is a directory`, {
      hint: 'give a file name, e.g. --out model.onnx',
    });
  }
  if (existing && !force) {
    throw new BenchError('E_EXISTS', `--out ${out} already exists`, {
      hint: 'pass --force to replace it, or choose another name',
    });
  }
  const dir = dirname(path);
  let dirOk = false;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) {
    throw new BenchError('E_UNWRITABLE', `--out ${out}: folder ${dir} does not exist`, {
      hint: `create it first (mkdir -p ${dir})`,
    });
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existing) accessSync(path, constants.W_OK);
  } catch {
    throw new BenchError('E_UNWRITABLE', `--out ${out} is not writable`, {
      hint: `choose a folder you can write to`,
    });
  }
}

/** Validates the name and the target, builds (or reuses the cached build) and copies it to `out`. */
export function exportZooModel(opts: ExportOptions): ExportResult {
  getZooEntry(opts.name);
  checkWritableOut(opts.out, opts.force);
  const cached = zooModelPath(opts.name, {
    precision: opts.precision,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
  });
  const path = resolve(opts.out);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    copyFileSync(cached, tmp);
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

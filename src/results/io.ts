/** Reading and writing result files: validated both ways, written atomically. */
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { BenchError, errorMessage } from '../errors.js';
import { ResultFileSchema, SCHEMA_VERSION, type ResultFile } from './schema.js';

/**
 * Writes `data` to `path` atomically: a temp file in the same folder, fsync, rename. A crash or
 * Ctrl-C mid-write leaves the previous complete file, never a torn one.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new BenchError('E_UNWRITABLE', `cannot write ${path}: ${errorMessage(e)}`, {
      hint: 'check free space and that the folder exists and is writable',
      cause: e,
    });
  }
}

/**
 * Fails before any work when `out` cannot take a new file: a directory, an existing file without
 * `force`, a missing or read-only folder. `flag` is what the message names (--out, --html...).
 */
export function checkOutFile(out: string, opts: { flag?: string; force?: boolean } = {}): void {
  const flag = opts.flag ?? '--out';
  const path = resolve(out);
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) {
    throw new BenchError('E_UNWRITABLE', `${flag} ${out} is a directory`, {
      hint: `give ${flag} a file path, not a folder`,
    });
  }
  if (existing && !opts.force) {
    throw new BenchError('E_EXISTS', `${flag} ${out} already exists`, {
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
    throw new BenchError('E_UNWRITABLE', `${flag} ${out}: folder ${dir} does not exist`, {
      hint: `create it first (mkdir -p ${dir})`,
    });
  }
  try {
    accessSync(dir, constants.W_OK);
    if (existing) accessSync(path, constants.W_OK);
  } catch {
    throw new BenchError('E_UNWRITABLE', `${flag} ${out} is not writable`, {
      hint: 'choose a folder you can write to',
    });
  }
}

/** Validates and writes a result file (atomically). Throws E_SCHEMA if the data is invalid. */
export function writeResultFile(path: string, file: ResultFile): void {
  const parsed = ResultFileSchema.safeParse(file);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BenchError(
      'E_SCHEMA',
      `internal error: result for ${path} does not validate at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
    );
  }
  writeFileAtomic(path, JSON.stringify(parsed.data, null, 2) + '\n');
}

/**
 * Upgrades older schema versions to the current one. Version 1 is the first; the hook is here so a
 * reader of a future version 2 keeps reading version 1 files.
 */
function migrate(raw: Record<string, unknown>, path: string): Record<string, unknown> {
  const version = raw['schemaVersion'];
  if (version === undefined) {
    throw new BenchError('E_SCHEMA', `${path}: not a result file (no "schemaVersion" field)`, {
      hint: 'pass a JSON file written by `bench run --out`',
    });
  }
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new BenchError('E_SCHEMA', `${path}: field "schemaVersion" must be an integer, got ${JSON.stringify(version)}`);
  }
  if (version > SCHEMA_VERSION) {
    throw new BenchError(
      'E_SCHEMA',
      `${path}: schema version ${version} is newer than this tool understands (${SCHEMA_VERSION})`,
      { hint: 'upgrade h100e to read it' },
    );
  }
  if (version < 1) {
    throw new BenchError('E_SCHEMA', `${path}: unknown schema version ${version}`);
  }
  return raw;
}

/**
 * Reads a UTF-8 file the user named. A missing or unreadable file is a one-line BenchError starting with
 * `label` (default: the path), e.g. "--pytorch p.json: no such file".
 */
export function readTextFile(path: string, options: { label?: string; hint?: string } = {}): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    const label = options.label ?? path;
    throw new BenchError(
      missing ? 'E_FILE_NOT_FOUND' : 'E_BAD_INPUT',
      missing ? `${label}: no such file` : `${label}: cannot read (${errorMessage(e)})`,
      options.hint ? { hint: options.hint } : {},
    );
  }
}

/** Parses JSON text from a user-named file; bad JSON is a one-line E_FILE_CORRUPT starting with `label`. */
export function parseJsonText(text: string, label: string, options: { hint?: string } = {}): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BenchError('E_FILE_CORRUPT', `${label}: not valid JSON (${errorMessage(e)})`, options.hint ? { hint: options.hint } : {});
  }
}

/** The first problem zod found, as `field "a.b": message`, for one-line schema errors. */
export function fieldIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `field "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`;
}

/** Reads, migrates and validates a result file; every failure is a one-line BenchError naming the file. */
export function readResultFile(path: string): ResultFile {
  const raw = parseJsonText(readTextFile(path), path);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BenchError('E_SCHEMA', `${path}: not a result file (expected a JSON object)`);
  }
  const migrated = migrate(raw as Record<string, unknown>, path);
  const parsed = ResultFileSchema.safeParse(migrated);
  if (!parsed.success) {
    throw new BenchError('E_SCHEMA', `${path}: schema version ${String(migrated['schemaVersion'])}, ${fieldIssue(parsed.error)}`);
  }
  return parsed.data;
}

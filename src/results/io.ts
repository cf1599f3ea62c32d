/** Reading and writing result files: validated both ways, written atomically. */
import {
  closeSync,
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
import { BenchError, errorMessage } from '../core/errors.js';
import { escapeChar } from '../core/escape.js';
import { ResultFileSchema, SCHEMA_VERSION, type ResultFile } from './schema.js';

/** Calls of {@link tempPathFor} so far: two in the same millisecond still get different names. */
let tempCount = 0;

/** A hidden temp name next to `path` (`.name.PID.TIME.N.tmp`), unique per process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${tempCount++}.tmp`);
}

/**
 * Flushes the file at `path` to disk, so a rename after it cannot leave an empty file under the final
 * name after a power loss. For files written by other means than {@link writeFileAtomicRaw} (a copy).
 */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Atomic writes so far in this process by path, counted for {@link injectedFault}. */
const writeCounts = new Map<string, number>();

/**
 * The fault injection of the write path, for tests of what a failing disk does (docs/reliability.md):
 * `H100E_INJECT_WRITE_FAULT=CODE@N` (e.g. `ENOSPC@2`) makes the Nth atomic write of any one file in
 * this process, and every later one of that file, fail with that errno code after writing half of the
 * temp file (per file, so a cache written once on the way does not shift the count). Unset: nothing.
 */
function injectedFault(path: string): NodeJS.ErrnoException | undefined {
  const spec = process.env['H100E_INJECT_WRITE_FAULT'];
  if (!spec) return undefined;
  const count = (writeCounts.get(path) ?? 0) + 1;
  writeCounts.set(path, count);
  const m = /^([A-Z]+)@(\d+)$/.exec(spec);
  if (!m || count < Number(m[2])) return undefined;
  const e: NodeJS.ErrnoException = new Error(`${m[1]}: injected fault, write`);
  e.code = m[1];
  return e;
}

/** errno codes of a disk that cannot take the write: full, failing, or no longer ours. */
const IO_FAULTS = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'EFBIG']);

/** The errno code of an I/O fault behind `e` (a raw fs error or a BenchError caused by one), if it is one. */
export function ioFaultCode(e: unknown): string | undefined {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && IO_FAULTS.has(code)) return code;
  }
  return undefined;
}

/**
 * Writes `data` to `path` atomically: a temp file in the same folder, fsync, rename. A crash or
 * Ctrl-C mid-write leaves the previous complete file, never a torn one; without the fsync a power
 * loss could leave the renamed file empty. Errors are the raw fs errors (callers word them).
 */
export function writeFileAtomicRaw(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      // writeSync may write less than asked for a large buffer; loop until all of it is down.
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const fault = injectedFault(resolve(path)); // tests only: H100E_INJECT_WRITE_FAULT
      if (fault) {
        writeSync(fd, bytes, 0, Math.floor(bytes.length / 2)); // half the file, then the error
        throw fault;
      }
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // force covers a missing file but not a missing folder (ENOTDIR); the original error matters more
    }
    throw e;
  }
}

/** {@link writeFileAtomicRaw} with a one-line E_UNWRITABLE naming `path` on failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomicRaw(path, data);
  } catch (e) {
    throw new BenchError('E_UNWRITABLE', `cannot write ${path}: ${errorMessage(e)}`, {
      hint: 'check free space and that the folder exists and is writable',
      cause: e,
    });
  }
}

/** The nearest existing ancestor of `dir` (resolved), and whether it is a folder. */
function nearestExisting(dir: string): { path: string; isDir: boolean } {
  for (let d = dir; ; d = dirname(d)) {
    try {
      return { path: d, isDir: statSync(d).isDirectory() };
    } catch {
      if (dirname(d) === d) return { path: d, isDir: true };
    }
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
  const found = nearestExisting(dir);
  if (!found.isDir) {
    // `mkdir -p` cannot help when a regular file sits where a folder should be.
    throw new BenchError('E_UNWRITABLE', `${flag} ${out}: ${found.path} is a file, not a folder`, {
      hint: `give ${flag} a path inside a folder`,
    });
  }
  if (found.path !== dir) {
    throw new BenchError('E_UNWRITABLE', `${flag} ${out}: folder ${dir} does not exist`, {
      hint: `create it first (mkdir -p ${dir})`,
    });
  }
  // Really create a file: access(W_OK) says yes to root on /proc or /sys and on read-only mounts,
  // and the write would then fail only after the measurement. Writers rename a temp file into
  // place, so the folder is what must take a new file (an existing read-only target does not matter).
  const probe = join(dir, `.${basename(path)}.${process.pid}.probe.tmp`);
  try {
    closeSync(openSync(probe, 'w'));
  } catch (e) {
    throw new BenchError('E_UNWRITABLE', `${flag} ${out}: cannot create a file in ${dir} (${errorMessage(e)})`, {
      hint: 'choose a folder you can write to',
    });
  } finally {
    try {
      rmSync(probe, { force: true });
    } catch {
      // nothing to remove when the folder refused the file
    }
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
 * Upgrades older schema versions to the current one. Version 2 only added optional fields (`ab` and
 * a run's `abSide`), so a version 1 file is a version 2 file once its number says so.
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
  return version === 1 ? { ...raw, schemaVersion: 2 } : raw;
}

/** What to pass instead, for errors about a result file the user named. */
const RESULT_FILE_HINT = 'pass a result file written by `bench run --out`';

/**
 * `text` quoted for a one-line error message: JSON-escaped (newlines, NUL and other control
 * characters become \n, \u0000...), cut with `...` so the result is at most `max` characters. Binary
 * or multi-line input echoed raw would garble the terminal and break the one-line contract.
 */
export function excerpt(text: string, max = 60): string {
  const chars = Array.from(text, escapeChar);
  if (chars.join('').length + 2 <= max) return `"${chars.join('')}"`;
  let body = '';
  // Whole escapes only (never half of a \u0000), leaving room for both quotes and the '...'.
  for (const e of chars) {
    if (body.length + e.length + 5 > max) break;
    body += e;
  }
  return `"${body}"...`;
}

/**
 * Reads a UTF-8 text file the user named. A missing, unreadable or binary file is a one-line BenchError
 * starting with `label` (default: the path), e.g. "--pytorch p.json: no such file", with `hint` (or a
 * generic one) saying what to pass.
 */
export function readTextFile(path: string, options: { label?: string; hint?: string } = {}): string {
  const label = options.label ?? path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BenchError('E_FILE_NOT_FOUND', `${label}: no such file`, {
        hint: options.hint ? `check the path, or ${options.hint}` : 'check the path and its spelling',
      });
    }
    if (code === 'EISDIR') {
      throw new BenchError('E_BAD_INPUT', `${label} is a folder, not a file`, {
        hint: options.hint ?? 'pass a file inside it',
      });
    }
    throw new BenchError('E_BAD_INPUT', `${label}: cannot read (${errorMessage(e)})`, {
      hint: 'check that the file exists and that you may read it (ls -l)',
    });
  }
  // No text format this tool reads allows NUL; it means a model, an archive or other binary data.
  if (text.includes('\u0000')) {
    throw new BenchError('E_FILE_CORRUPT', `${label}: binary data, not a text file (it starts with ${excerpt(text, 40)})`, {
      hint: options.hint ?? 'pass the text file (JSON or YAML) the command expects',
    });
  }
  return text;
}

/**
 * Parses JSON text from a user-named file; bad JSON or an empty file is a one-line E_FILE_CORRUPT
 * starting with `label`, quoting the start of the file escaped and cut short.
 */
export function parseJsonText(text: string, label: string, options: { hint?: string } = {}): unknown {
  if (text.trim() === '') {
    throw new BenchError('E_FILE_CORRUPT', `${label}: the file is empty`, {
      hint: options.hint ?? 'pass a JSON file; an interrupted write can leave an empty one',
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 quotes up to ~30 raw characters of input ("line1\nline2" with a real newline); drop that
    // and quote the file's start ourselves, escaped (BenchError escapes what is left of its message).
    const reason = errorMessage(e).replace(/, ".*"(\.\.\.)? is not valid JSON$/s, '');
    throw new BenchError('E_FILE_CORRUPT', `${label}: not valid JSON (${reason}); it starts with ${excerpt(text)}`, {
      hint: options.hint ?? 'pass a JSON file',
    });
  }
}

/** The first problem zod found, as `field "a.b": message`, for one-line schema errors. */
export function fieldIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `field "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`;
}

/** Reads, migrates and validates a result file; every failure is a one-line BenchError naming the file. */
export function readResultFile(path: string): ResultFile {
  const raw = parseJsonText(readTextFile(path, { hint: RESULT_FILE_HINT }), path, { hint: RESULT_FILE_HINT });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new BenchError('E_SCHEMA', `${path}: not a result file (expected a JSON object)`, {
      hint: RESULT_FILE_HINT,
    });
  }
  const migrated = migrate(raw as Record<string, unknown>, path);
  const parsed = ResultFileSchema.safeParse(migrated);
  if (!parsed.success) {
    // The version the file says, not the one it was migrated to.
    const version = String((raw as Record<string, unknown>)['schemaVersion']);
    throw new BenchError('E_SCHEMA', `${path}: schema version ${version}, ${fieldIssue(parsed.error)}`);
  }
  return parsed.data;
}

import { closeSync, openSync } from 'node:fs';
import { isatty } from 'node:tty';
import { escapeControls } from './escape.js';

/** Process exit codes, part of the CLI contract (documented in the README). */
export const ExitCode = {
  ok: 0,
  /** Some configuration failed or a regression gate tripped. */
  failed: 1,
  /** Usage error or bad input. */
  usage: 2,
  /** The requested device is unavailable and fallback was refused. */
  deviceUnavailable: 3,
  /**
   * An I/O error (disk full, EIO, permission lost) while a run rewrote its result file: the sweep
   * stopped and the file keeps its last complete version. 74 is sysexits' EX_IOERR.
   */
  ioError: 74,
  /** Interrupted by SIGINT (Ctrl-C). */
  interrupted: 130,
  /** Interrupted by SIGHUP (the terminal closed): the shell's 128 + 1. */
  hangup: 129,
  /** Interrupted by SIGTERM (a supervisor, `docker stop`, a CI timeout): the shell's 128 + 15. */
  terminated: 143,
} as const;

/** One of the exit codes above. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Machine-readable error codes; each maps to one exit code. */
export type BenchErrorCode =
  | 'E_USAGE'
  | 'E_BAD_INPUT'
  | 'E_FILE_NOT_FOUND'
  | 'E_FILE_CORRUPT'
  | 'E_UNKNOWN_MODEL'
  | 'E_UNKNOWN_DEVICE'
  | 'E_DEVICE_UNAVAILABLE'
  | 'E_SCHEMA'
  | 'E_UNWRITABLE'
  | 'E_EXISTS'
  | 'E_LOCKED'
  | 'E_IO'
  | 'E_UNSUPPORTED'
  | 'E_NETWORK'
  | 'E_REGRESSION'
  | 'E_SIDE_FAILED'
  | 'E_INTERRUPTED';

const exitCodeOf: Record<BenchErrorCode, ExitCodeValue> = {
  E_USAGE: ExitCode.usage,
  E_BAD_INPUT: ExitCode.usage,
  E_FILE_NOT_FOUND: ExitCode.usage,
  E_FILE_CORRUPT: ExitCode.usage,
  E_UNKNOWN_MODEL: ExitCode.usage,
  E_UNKNOWN_DEVICE: ExitCode.usage,
  E_DEVICE_UNAVAILABLE: ExitCode.deviceUnavailable,
  E_SCHEMA: ExitCode.usage,
  E_UNWRITABLE: ExitCode.usage,
  E_EXISTS: ExitCode.usage,
  /** Another process is writing the same result file (results/lock.ts). */
  E_LOCKED: ExitCode.usage,
  E_IO: ExitCode.ioError,
  E_UNSUPPORTED: ExitCode.usage,
  E_NETWORK: ExitCode.failed,
  E_REGRESSION: ExitCode.failed,
  /** `bench ab`: a side's worker failed or crashed; the finished rounds are saved. */
  E_SIDE_FAILED: ExitCode.usage,
  E_INTERRUPTED: ExitCode.interrupted,
};

/**
 * An expected failure with a one-line message for the user. The top-level handler prints
 * `error: <message>` (plus the hint) and exits with `exitCode`; stack traces only with --verbose.
 * Control characters in the message and hint are escaped (core/escape.ts): messages quote names read
 * from user files, and a name holding a newline or a terminal escape would break the one line (a
 * fuzzed ONNX input name did).
 */
export class BenchError extends Error {
  /** Machine-readable code. */
  readonly code: BenchErrorCode;
  /** Process exit code the CLI ends with. */
  readonly exitCode: ExitCodeValue;
  /** What the user can do about it, printed after the message. */
  readonly hint: string | undefined;

  constructor(
    code: BenchErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: ExitCodeValue } = {},
  ) {
    super(escapeControls(message), { cause: options.cause });
    this.name = 'BenchError';
    this.code = code;
    // Only E_INTERRUPTED varies: which signal stopped the run decides 130, 143 or 129.
    this.exitCode = options.exitCode ?? exitCodeOf[code];
    this.hint = options.hint === undefined ? undefined : escapeControls(options.hint);
  }
}

/**
 * Error codes of a write to a terminal or pipe that is gone: the terminal closed (EIO), the reader
 * of a pipe quit (EPIPE), or the stream was already torn down by one of those.
 */
const CLOSED_OUTPUT = new Set(['EIO', 'EPIPE', 'ERR_STREAM_DESTROYED']);

/**
 * Keeps a closed terminal or pipe from crashing the process. Once the pty is gone (SIGHUP), every
 * later write to stdout or stderr fails asynchronously with EIO; without a listener that error is
 * uncaught and kills the process mid-save. Other stream errors are rethrown (uncaught, as before).
 * On exit, a standard descriptor that was a terminal at start and is one no more (hung up) is pointed
 * at /dev/null: Node restores each terminal's settings after the last 'exit' listener and aborts
 * (SIGABRT) when that fails with EIO, which would replace exit code 129 with a crash.
 */
export function tolerateClosedTerminal(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (!CLOSED_OUTPUT.has(e.code ?? '')) throw e;
    });
  }
  const wasTerminal = [0, 1, 2].map((fd) => isatty(fd));
  process.on('exit', () => {
    for (const fd of [0, 1, 2]) {
      if (!wasTerminal[fd] || isatty(fd)) continue;
      try {
        closeSync(fd);
        // The lowest free descriptor: `fd` itself, so later writes to it go nowhere rather than
        // into whatever file is opened next. Anything else is closed again; a closed one is safe too.
        const reopened = openSync('/dev/null', fd === 0 ? 'r' : 'w');
        if (reopened !== fd) closeSync(reopened);
      } catch {
        // Exiting anyway; a descriptor that stays closed is skipped by Node's reset.
      }
    }
  });
}

/** True when `e` is a BenchError (also across module copies, by shape). */
export function isBenchError(e: unknown): e is BenchError {
  return e instanceof BenchError || (e instanceof Error && e.name === 'BenchError' && 'exitCode' in e);
}

/**
 * A BenchError as the CLI and the scripts under bench/ print it on stderr: `error: MESSAGE`, then
 * `  hint: HINT` (indented, so the hint reads as part of the error) when it has one; newline-terminated.
 */
export function formatBenchError(e: BenchError): string {
  return `error: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`;
}

/** The message of any thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * What every script under bench/ shares with the CLI: a bad flag is a one-line usage error with the
 * script's usage as its hint, and an error ends the script with `error:` / `hint:` lines and the
 * error's exit code, never a stack trace (unless it is a bug, which keeps its stack).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BenchError, errorMessage, formatBenchError, isBenchError } from '../../src/core/errors.js';

/** node:util parseArgs over `process.argv` (or `config.args`); its errors become E_USAGE with `usage` as the hint. */
export function parseScriptArgs<const T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new BenchError('E_USAGE', errorMessage(e), { hint: usage });
  }
}

/**
 * Prints `e` and sets the exit code: a BenchError exactly as the CLI prints it ({@link formatBenchError})
 * with its own code; anything else is a bug: its message, its stack (scripts have no --verbose), exit 1.
 */
export function reportScriptError(e: unknown): void {
  if (isBenchError(e)) {
    process.stderr.write(formatBenchError(e));
    process.exitCode = e.exitCode;
    return;
  }
  const stack = e instanceof Error ? e.stack : undefined;
  process.stderr.write(`error: ${errorMessage(e)}\n${stack ? `${stack}\n` : ''}`);
  process.exitCode = 1;
}

/** Runs a script's `main`, whose number (if any) is the exit code, reporting an error as {@link reportScriptError} does. */
export function runScript(main: () => number | void | Promise<number | void>): void {
  Promise.resolve()
    .then(main)
    .then((code) => {
      if (typeof code === 'number') process.exitCode = code;
    }, reportScriptError);
}

/** {@link parseScriptArgs} for a script's top level: a bad flag is reported and the script exits (2). */
export function parseScriptArgsOrExit<const T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseScriptArgs(config, usage);
  } catch (e) {
    reportScriptError(e);
    process.exit();
  }
}

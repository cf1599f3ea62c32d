/**
 * What every script under bench/ shares with the CLI: a bad flag is a one-line usage error with the
 * script's usage as its hint, and an error ends the script with `error:` / `hint:` lines and the
 * error's exit code, never a stack trace (unless it is a bug, which keeps its stack).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BenchError, errorMessage, isBenchError } from '../src/errors.js';

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

/** Prints `e` the way the CLI does and sets the exit code: a BenchError's own, 1 (with the stack) otherwise. */
export function reportScriptError(e: unknown): void {
  if (isBenchError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    process.exitCode = e.exitCode;
    return;
  }
  process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
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

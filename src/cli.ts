#!/usr/bin/env node
/** CLI entry point: parses argv and maps every error to a one-line message and an exit code. */
import { CommanderError } from 'commander';
import { errorMessage, ExitCode, formatBenchError, tolerateClosedTerminal, isBenchError } from './core/errors.js';
import { buildProgram } from './cli/program.js';

const verbose = process.argv.includes('--verbose');
// A closed terminal (SIGHUP) or a closed pipe (`bench ... | head`) must not crash a run that is saving,
// nor its exit (129, with the file marked).
tolerateClosedTerminal();

async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (help and version exit with code 0).
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (isBenchError(e)) {
      process.stderr.write(formatBenchError(e));
      if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    process.stderr.write(`error: ${errorMessage(e)}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    else process.stderr.write('  (run with --verbose for the stack trace)\n');
    return ExitCode.failed;
  }
}

process.exitCode = await main();

/**
 * Builds the commander program. Each command lives in its own file under src/cli/ and exports
 * `register(program)`; the work itself is done by the programmatic API the tests call directly.
 */
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';

/** Registers a command on the program. */
export type Registrar = (program: Command) => void;

/** Every command, in the order `bench --help` lists them. */
const registrars: Registrar[] = [];

/** A fresh program with every command registered (a new one per call so tests stay independent). */
export function buildProgram(): Command {
  const program = new Command('bench')
    .description('Measure vision models on real engines and express the results as H100-equivalents')
    .version(TOOL_VERSION)
    .option('--verbose', 'print stack traces and engine logs')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}

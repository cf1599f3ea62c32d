/**
 * Builds the commander program. Each command lives in its own file under src/cli/ and exports
 * `register(program)`; the work itself is done by the programmatic API the tests call directly.
 */
import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { register as registerRun } from './run.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerSetup } from './setup.js';
import { register as registerCompare } from './compare.js';
import { register as registerMerge } from './merge.js';
import { register as registerReport } from './report.js';
import { register as registerEstimate } from './estimate.js';
import { register as registerFleet } from './fleet.js';
import { register as registerModels } from './models.js';

/** Registers a command on the program. */
export type Registrar = (program: Command) => void;

/** Every command, in the order `bench --help` lists them. */
const registrars: Registrar[] = [
  registerRun,
  registerDoctor,
  registerSetup,
  registerCompare,
  registerMerge,
  registerReport,
  registerEstimate,
  registerFleet,
  registerModels,
];

/** A fresh program with every command registered (a new one per call so tests stay independent). */
export function buildProgram(): Command {
  const program = new Command('bench')
    .description('Measure vision models on real engines and express the results as H100-equivalents')
    .version(TOOL_VERSION)
    .option('--verbose', 'print the stack trace with an error')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}

/**
 * Builds the commander program. Each command lives in its own file under src/cli/ and exports
 * `register(program)`; the work itself is done by the programmatic API the tests call directly.
 */
import { Command } from 'commander';
import { TOOL_VERSION } from '../core/version.js';
import { register as registerRun } from './run.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerSetup } from './setup.js';
import { register as registerCompare } from './compare.js';
import { register as registerAb } from './ab.js';
import { register as registerMerge } from './merge.js';
import { register as registerReport } from './report.js';
import { register as registerEstimate } from './estimate.js';
import { register as registerFleet } from './fleet.js';
import { register as registerModels } from './models.js';
import { register as registerCluster } from './cluster.js';
import { unknownCommandError } from './parse.js';

/** Registers a command on the program. */
type Registrar = (program: Command) => void;

/** Every command, in the order `bench --help` lists them. */
const registrars: Registrar[] = [
  registerRun,
  registerDoctor,
  registerSetup,
  registerCompare,
  registerAb,
  registerMerge,
  registerReport,
  registerEstimate,
  registerFleet,
  registerModels,
  registerCluster,
];

/** A fresh program with every command registered (a new one per call so tests stay independent). */
export function buildProgram(): Command {
  const program = new Command('bench')
    .description('Measure vision models on real engines and express the results as H100-equivalents')
    .version(TOOL_VERSION)
    .option('--verbose', 'print the stack trace with an error')
    .showSuggestionAfterError(true)
    .exitOverride()
    // commander's own help command prints the full help (exit 2) for `bench help bogus` without saying
    // what was wrong; ours names the unknown command like `bench bogus` does.
    .helpCommand(false);
  for (const register of registrars) register(program);
  registerHelp(program);
  addMissingInputHints(program, []);
  return program;
}

/**
 * commander prints its own "missing required argument" and "required option not specified" errors
 * (before any action runs, so no BenchError hint); give each command's such errors a hint line
 * with its usage, as every other error has.
 */
function addMissingInputHints(cmd: Command, path: readonly string[]): void {
  for (const sub of cmd.commands) {
    const words = [...path, sub.name()];
    const name = `bench ${words.join(' ')}`;
    sub.configureOutput({
      outputError: (message, write) => {
        write(message);
        const option = /^error: required option '([^']+)'/.exec(message);
        if (option) write(`  hint: pass ${option[1]} (usage: ${name} ${sub.usage()}; see ${name} --help)\n`);
        else if (message.startsWith('error: missing required argument'))
          write(`  hint: usage: ${name} ${sub.usage()} (see ${name} --help)\n`);
      },
    });
    addMissingInputHints(sub, words);
  }
}

/** `bench help [COMMAND...]`: help for the program, a command or a subcommand (`bench help models export`). */
function registerHelp(program: Command): void {
  program
    .command('help')
    .description('display help for a command')
    .argument('[command...]', 'command and subcommand, e.g. run or models export')
    .action((words: string[]) => {
      let cmd = program;
      const path: string[] = [];
      for (const word of words) {
        const names = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
        const sub = cmd.commands.find((c) => c.name() === word);
        if (!sub) throw unknownCommandError(word, names, path.length > 0 ? path.join(' ') : undefined);
        path.push(word);
        cmd = sub;
      }
      cmd.help(); // exits 0 (a CommanderError under exitOverride, which the entry point maps to 0)
    });
}

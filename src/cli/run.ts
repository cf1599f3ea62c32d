/** `bench [run]`: flags to run options, then one sweep with progress and Ctrl-C, then the table. */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ExitCode } from '../core/errors.js';
import { h100eCells } from '../estimate/estimate.js';
import { formatRunPlan } from '../report/plan-text.js';
import { formatRunSummary } from '../report/run-summary.js';
import { planRun } from '../run/plan.js';
import { checkSession, runSession } from '../run/session.js';
import { unknownCommandError } from './parse.js';
import { addRunOptions, optionsFrom, type RunFlags } from './run-options.js';
import { progressHooks } from './run-progress.js';

/** Registers `run` (the default command). */
export function register(program: Command): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('measure models and write a result file (bare `bench` runs the default suite)')
    // As the default command, run receives any word that is not a command: it arrives in cmd.args (no
    // declared argument, so help shows no internal name) and the action names the typo.
    .allowExcessArguments(true);
  addRunOptions(cmd).action(async (flags: RunFlags, cmd: Command) => {
    const [word] = cmd.args;
    if (word !== undefined) {
      const commands = (cmd.parent?.commands ?? []).map((c) => c.name()).filter((n) => n !== 'help');
      throw unknownCommandError(word, commands);
    }
    const options = optionsFrom(flags, cmd);
    // Bad options must be a usage error (exit 2) before nvidia-smi is asked about --gpus (exit 3), and
    // before the notice below speaks of a run that will not happen.
    checkSession(options, flags);
    if (flags.dryRun) {
      const plan = await planRun(options, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(flags.json ? JSON.stringify(plan, null, 2) + '\n' : formatRunPlan(plan));
      return;
    }
    const cores = availableParallelism();
    const most = Math.max(...flags.threads);
    if (most > cores) {
      process.stderr.write(
        `notice: --threads ${most} oversubscribes the ${cores} logical cores here; threads will wait on each other\n`,
      );
    }
    const progress = progressHooks(flags.quiet || flags.gpus !== undefined);
    try {
      const outcome = await runSession(options, {
        ...(flags.gpus !== undefined ? { gpus: flags.gpus } : {}),
        command: ['bench', ...process.argv.slice(2)].join(' '),
        hooks: progress.hooks,
        onNotice: (line) => process.stderr.write(`${line}\n`),
        onInterrupt: (name) => {
          progress.stop();
          // After SIGHUP the terminal is gone: nobody reads the notice, and the write would only fail (EIO).
          if (name === 'SIGHUP') return;
          const again = name === 'SIGINT' ? 'Ctrl-C' : name;
          process.stderr.write(
            `\ninterrupted: saving finished configurations (${again} again to quit at once)\n`,
          );
        },
      });
      progress.stop();
      if (flags.json) process.stdout.write(JSON.stringify(outcome.file, null, 2) + '\n');
      // The H100e is estimated (references read) before the summary renders.
      else if (!flags.quiet)
        process.stdout.write(formatRunSummary({ ...outcome, h100e: h100eCells(outcome.file) }));
      // Even under --quiet: with an auto-named file this line is the only way to know which was written.
      process.stderr.write(`results written to ${outcome.path}\n`);
      // What this command measured decides: a resumed file may hold an older failure it did not retry.
      if (outcome.measured.some((r) => r.status === 'failed')) process.exitCode = ExitCode.failed;
    } finally {
      progress.stop();
    }
  });
}

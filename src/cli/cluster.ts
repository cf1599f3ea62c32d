/**
 * `bench cluster slurm|status|collect`: a measured fleet census on Slurm. Thin: the work is in
 * src/cluster/ (submit, state, census), the words in src/cluster/census-format.ts.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { BenchError, ExitCode } from '../core/errors.js';
import { checkOutFile, writeFileAtomic } from '../results/io.js';
import { lockResultFile } from '../results/lock.js';
import { buildCensus, DEFAULT_OUTLIER_PCT, type Census } from '../cluster/census.js';
import { formatCensusMarkdown, formatCensusText, formatStatus, stateSummary } from '../report/census-text.js';
import { censusHtml } from '../report/census-html.js';
import { censusActive, gatherCensus, nodeStates, type NodeState } from '../cluster/state.js';
import { followCommands, submitCensus, checkRunArgs } from '../cluster/submit.js';
import { collect, exclusiveFlags, positiveNumber } from './parse.js';
import { addRunOptions } from './run-options.js';

/** Positive integer flag values. */
function positiveInt(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) <= 0)
      throw new BenchError('E_USAGE', `${flag} '${v}': expected a positive integer`);
    return Number(v);
  };
}

/** Checks the nodes' run options with `bench run`'s own parser (nothing runs): a typo fails here, not on 1,000 nodes. */
async function checkWithRunParser(args: readonly string[]): Promise<void> {
  checkRunArgs(args);
  // bench run's own flag definitions on a stand-alone command that runs nothing.
  const run = addRunOptions(new Command('run').exitOverride()).action(() => undefined);
  // Silence commander's own printing; its error is re-thrown as a one-line usage error below.
  run.configureOutput({ writeErr: () => undefined, writeOut: () => undefined, outputError: () => undefined });
  try {
    await run.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof BenchError) throw e;
    const message = e instanceof Error ? e.message.replace(/^error: /, '') : String(e);
    throw new BenchError('E_USAGE', `run options for the nodes: ${message}`, {
      hint: 'see bench run --help',
    });
  }
}

/** How long --wait sleeps between polls of Slurm and the files. */
const POLL_MS = Number(process.env['H100E_CLUSTER_POLL_MS'] ?? 2000);

/** Follows a census until no job is active; Ctrl-C stops waiting only. Returns the exit code. */
async function waitFor(dir: string, out: string): Promise<number> {
  let last = '';
  let stop = false;
  const onInt = (): void => {
    stop = true;
  };
  process.on('SIGINT', onInt);
  try {
    for (;;) {
      const inputs = gatherCensus(dir);
      const states = nodeStates(inputs);
      const active = censusActive(inputs);
      const line = stateSummary(states);
      if (line !== last) {
        process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
        last = line;
      }
      if (!active) return finalCode(states);
      if (stop) {
        const jobs = inputs.jobs.filter(
          (j) => j.job && !/^(COMPLETED|FAILED|CANCELLED|TIMEOUT)/.test(j.job.state),
        );
        const f = followCommands(out, undefined);
        process.stderr.write(
          `stopped waiting; the job goes on. Cancel it: scancel ${jobs.map((j) => j.jobId).join(' ') || inputs.manifest.jobs.at(-1)?.jobId}; follow it: ${f.status}; collect it: ${f.collect}\n`,
        );
        return ExitCode.interrupted;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        const wake = (): void => {
          clearTimeout(t);
          r();
        };
        process.once('SIGINT', wake);
        setTimeout(() => process.off('SIGINT', wake), POLL_MS + 10);
      });
    }
  } finally {
    process.off('SIGINT', onInt);
  }
}

/** 0 when every node is done, 1 otherwise. */
function finalCode(states: readonly NodeState[]): number {
  return states.length > 0 && states.every((s) => s.state === 'done' && s.failedRuns === 0)
    ? ExitCode.ok
    : ExitCode.failed;
}

interface SlurmFlags {
  out: string;
  partition?: string;
  nodes?: number;
  nodelist?: string;
  nodeState: 'idle' | 'all';
  gpusPerNode?: number;
  account?: string;
  time?: string;
  exclusive: boolean;
  sbatchArg: string[];
  print?: boolean;
  wait?: boolean;
  resume?: boolean;
}

/** Registers `bench cluster` and its subcommands. */
export function register(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('measure every node of a Slurm cluster and turn the results into a fleet census in H100e');

  registerSlurm(cluster);
  registerStatus(cluster);
  registerCollect(cluster);
}

/** `bench cluster slurm`: writes the batch script and submits it (or prints it). */
function registerSlurm(cluster: Command): void {
  cluster
    .command('slurm')
    .description(
      'submit one `bench run` per node (the run options are passed through) as one Slurm job; each node writes DIR/nodes/NODE.json',
    )
    .usage('[run options] --out DIR [slurm options]')
    .requiredOption(
      '--out <dir>',
      'census folder on the shared filesystem (new or empty; with --resume, the census to continue)',
    )
    .option('--partition <name>', 'Slurm partition')
    .option('--nodes <n>', 'number of nodes (Slurm chooses them)', positiveInt('--nodes'))
    .option('--nodelist <list>', "nodes in Slurm's hostlist syntax, e.g. gpu[01-16]")
    .option(
      '--node-state <state>',
      "without --nodes/--nodelist: the partition's nodes that are idle now, or all",
      'idle',
    )
    .option(
      '--gpus-per-node <n>',
      'GPUs per node: each node then runs bench run --gpus all',
      positiveInt('--gpus-per-node'),
    )
    .option('--account <name>', 'Slurm account')
    .option('--time <limit>', 'Slurm time limit, e.g. 00:30:00')
    .option(
      '--no-exclusive',
      'share nodes with other jobs (default: --exclusive, so nothing else runs beside the benchmark)',
    )
    .option(
      '--sbatch-arg <arg>',
      'passed to sbatch as is (repeatable), e.g. --sbatch-arg=--qos=high',
      collect,
      [],
    )
    .option('--print', 'print the batch script and submit nothing')
    .option('--wait', 'follow the job until it ends (Ctrl-C stops waiting, not the job)')
    .option('--resume', 'submit again only the nodes of --out without a complete file')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (flags: SlurmFlags, cmd: Command) => {
      if (flags.nodeState !== 'idle' && flags.nodeState !== 'all') {
        throw new BenchError('E_USAGE', `--node-state '${String(flags.nodeState)}': expected idle or all`);
      }
      const runArgs = [...cmd.args];
      if (!flags.resume) await checkWithRunParser(runArgs);
      const command = ['bench', ...process.argv.slice(2)].join(' ');
      const outcome = submitCensus({
        out: flags.out,
        runArgs,
        ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
        ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
        ...(flags.nodelist !== undefined ? { nodelist: flags.nodelist } : {}),
        nodeState: flags.nodeState,
        ...(flags.gpusPerNode !== undefined ? { gpusPerNode: flags.gpusPerNode } : {}),
        ...(flags.account !== undefined ? { account: flags.account } : {}),
        ...(flags.time !== undefined ? { time: flags.time } : {}),
        exclusive: flags.exclusive,
        sbatchArgs: flags.sbatchArg,
        print: flags.print ?? false,
        resume: flags.resume ?? false,
        command: command.startsWith('bench cluster')
          ? command
          : `bench cluster slurm ${[...runArgs].join(' ')} --out ${flags.out}`,
      });
      if (flags.print) {
        process.stdout.write(
          outcome.script || `# nothing to submit: every node of ${flags.out} is complete\n`,
        );
        return;
      }
      if (outcome.jobId === undefined) {
        process.stdout.write(
          `nothing to resume: every node of ${flags.out} has a complete file (${outcome.kept.join(', ')})\n`,
        );
        return;
      }
      const f = followCommands(flags.out, outcome.jobId);
      const asked =
        outcome.nodes.length > 0 ? outcome.nodes.join(',') : `${outcome.nodeCount} node(s) Slurm chooses`;
      process.stdout.write(`${outcome.jobId}\n`);
      process.stderr.write(
        `submitted job ${outcome.jobId} (${asked})${outcome.kept.length > 0 ? `; kept complete: ${outcome.kept.join(', ')}` : ''}\n` +
          `  follow: ${f.status}   collect: ${f.collect}   cancel: ${f.cancel}\n`,
      );
      if (flags.wait) process.exitCode = await waitFor(resolve(flags.out), flags.out);
    });
}

/** `bench cluster status DIR`: each node's state, from Slurm and the files. */
function registerStatus(cluster: Command): void {
  cluster
    .command('status')
    .description("each node's state: Slurm's while the scheduler knows the job, and its file")
    .argument('<dir>', 'census folder (bench cluster slurm --out)')
    .option('--json', 'print JSON')
    .action((dir: string, flags: { json?: boolean }) => {
      const inputs = gatherCensus(dir);
      const states = nodeStates(inputs);
      const active = censusActive(inputs);
      process.stdout.write(
        flags.json
          ? JSON.stringify({ censusId: inputs.manifest.censusId, active, nodes: states }, null, 2) + '\n'
          : formatStatus(dir, inputs.manifest.censusId, states, active),
      );
    });
}

/** `bench cluster collect DIR`: the census, as text, JSON, Markdown or HTML. */
function registerCollect(cluster: Command): void {
  cluster
    .command('collect')
    .description(
      'the census: per node and GPU img/s, groups, outliers and the fleet H100e measured beside the spec rule',
    )
    .argument('<dir>', 'census folder (bench cluster slurm --out)')
    .option('--out <file>', 'write the census JSON here (atomically)')
    .option('--force', 'replace an existing --out or --html')
    .option('--json', 'print the census JSON instead of the table')
    .option('--markdown', 'print Markdown instead of the table')
    .option('--html <file>', 'write an HTML report with the census chart')
    .option(
      '--outlier-pct <pct>',
      'name a device more than this far below its group median',
      positiveNumber('--outlier-pct'),
      DEFAULT_OUTLIER_PCT,
    )
    .action(
      async (
        dir: string,
        flags: {
          out?: string;
          force?: boolean;
          json?: boolean;
          markdown?: boolean;
          html?: string;
          outlierPct: number;
        },
      ) => {
        exclusiveFlags(flags, ['json', 'markdown'], 'choose one output format');
        if (flags.outlierPct >= 100)
          throw new BenchError('E_USAGE', `--outlier-pct ${flags.outlierPct}: expected less than 100`);
        // Check the outputs before reading 1,000 files.
        if (flags.out) checkOutFile(flags.out, { flag: '--out', force: flags.force ?? false });
        if (flags.html) checkOutFile(flags.html, { flag: '--html', force: flags.force ?? false });
        // One writer per census file, as for result files: a second collect to the same --out is refused.
        const release = flags.out ? lockResultFile(flags.out) : () => undefined;
        let census: Census;
        try {
          census = buildCensus(gatherCensus(dir), { outlierPct: flags.outlierPct });
          if (flags.out) writeFileAtomic(flags.out, JSON.stringify(census, null, 2) + '\n');
        } finally {
          release();
        }
        if (flags.html) {
          mkdirSync(dirname(resolve(flags.html)), { recursive: true });
          writeFileAtomic(flags.html, await censusHtml(census));
        }
        process.stdout.write(
          flags.json
            ? JSON.stringify(census, null, 2) + '\n'
            : flags.markdown
              ? formatCensusMarkdown(census)
              : formatCensusText(census),
        );
        if (flags.out) process.stderr.write(`census written to ${flags.out}\n`);
        if (flags.html) process.stderr.write(`HTML report written to ${flags.html}\n`);
        if (census.partial) process.exitCode = ExitCode.failed;
      },
    );
}

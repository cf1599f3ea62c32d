/**
 * How `bench run` stops on Ctrl-C (SIGINT), SIGTERM and SIGHUP (finished configurations kept, exit 128 +
 * the signal's number), what an interrupted result file records, and how compare and report flag it.
 * --gpus signals are in run-multi-gpu.test.ts.
 */
import { warningText } from '../src/report/warning-text.js';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCommand, mergeCommand, reportCommand } from '../src/report/commands.js';
import { ExitCode } from '../src/core/errors.js';
import { readResultFile, writeResultFile } from '../src/results/io.js';
import {
  abortSignalName,
  interruptedError,
  interruptedRecord,
  plannedConfigurations,
  runBenchmarks,
  signalExitCode,
  STOP_SIGNALS,
} from '../src/run/run.js';
import { runCommand } from './run-command.js';
import { signalOnceSaved } from './wait-for-runs.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const FIXTURES = join(import.meta.dirname, 'fixtures', 'results');
const dir = mkdtempSync(join(tmpdir(), 'h100e-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A four-configuration CPU sweep of the tiny model into `out`: seconds long, so a signal lands mid-way. */
function sweep(out: string): string[] {
  // prettier-ignore
  return ['--device', 'cpu', '--model', 'tiny_cnn', '--batch', '1,2,3,4', '--duration', '1',
    '--max-duration', '2', '--warmup', '1', '--out', out];
}

/** Asserts `out` kept 1 to 3 of the sweep's 4 configurations and records `signal` as what cut it. */
function expectCutBy(out: string, signal: string): number {
  const file = readResultFile(out);
  const n = file.runs.length;
  expect(n).toBeGreaterThanOrEqual(1);
  expect(n).toBeLessThan(4);
  expect(file.runs.every((run) => run.status === 'ok')).toBe(true);
  expect(file.interrupted).toEqual({
    signal,
    finishedConfigurations: n,
    plannedConfigurations: 4,
    // What --resume would measure: the batches after the n finished ones.
    unfinishedKeys: [4, 3, 2, 1]
      .slice(0, 4 - n)
      .reverse()
      .map((b) => expect.stringContaining(`|b${b}|`)),
  });
  return n;
}

/**
 * Starts a four-configuration sweep, sends `signal` once the first configuration is on disk and
 * resolves with the exit code and stderr.
 */
function interruptSweep(
  out: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stderr: string }> {
  return signalOnceSaved([CLI, ...sweep(out)], out, signal);
}

describe('bench run: Ctrl-C, SIGTERM and SIGHUP', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s keeps finished configurations, marks the file and exits %i', async (signal, code) => {
    const out = join(dir, `${signal}.json`);
    const r = await interruptSweep(out, signal);
    expect(r.code).toBe(code);
    const notice = `\ninterrupted: saving finished configurations (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`;
    // SIGHUP means the terminal is gone: no notice for nobody.
    if (signal === 'SIGHUP') expect(r.stderr).not.toContain('interrupted: saving');
    else expect(r.stderr).toContain(notice);
    const n = expectCutBy(out, signal);
    expect(r.stderr).toContain(`error: interrupted: ${n} finished configuration(s) saved in ${out}\n`);
    expect(r.stderr).toContain(
      '  hint: to complete it, run the command again with --resume (not --force): the finished configurations are kept and only the rest are measured\n',
    );
  });
});

/**
 * Runs the sweep in a pseudo-terminal (python3's pty module), closes the terminal once the first
 * configuration is on disk (the kernel then sends SIGHUP) and prints how the process ended as JSON.
 * The output is drained meanwhile so a progress bar cannot block on a full terminal buffer.
 */
const PTY_SCRIPT = `
import json, os, pty, select, sys, time
out, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
def runs():
    try:
        return len(json.load(open(out))['runs'])
    except Exception:
        return 0
deadline = time.time() + 60
while time.time() < deadline and runs() < 1:
    if select.select([fd], [], [], 0.05)[0]:
        try:
            os.read(fd, 65536)
        except OSError:
            break
os.close(fd)
_, st = os.waitpid(pid, 0)
print(json.dumps({'code': os.WEXITSTATUS(st) if os.WIFEXITED(st) else None,
                  'signal': os.WTERMSIG(st) if os.WIFSIGNALED(st) else None}))
`;
const hasPty = spawnSync('python3', ['-c', 'import pty, select'], { stdio: 'ignore' }).status === 0;

describe('bench run: the terminal closes', () => {
  // Without python3 there is no portable way to make and close a pty from Node: skipped then.
  it.skipIf(!hasPty).each([[[]], [['--quiet']]] as const)(
    'with flags %j exits 129 with the file marked, not a crash on EIO (needs python3 pty)',
    async (flags) => {
      const out = join(dir, `pty${flags.join('')}.json`);
      const script = join(dir, 'hangup.py'); // not pty.py: that name would shadow the pty module
      writeFileSync(script, PTY_SCRIPT);
      const r = await runCommand('python3', [script, out, process.execPath, CLI, ...sweep(out), ...flags], {
        timeoutMs: 90_000,
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ code: 129, signal: null });
      expectCutBy(out, 'SIGHUP');
    },
  );
});

describe('bench run: a signal after the last configuration', () => {
  it('loses nothing, so the run ends normally with a complete, unmarked file', async () => {
    const out = join(dir, 'late.json');
    const controller = new AbortController();
    const { file } = await runBenchmarks(
      {
        models: ['tiny_cnn'],
        device: 'cpu',
        batches: [1, 2],
        durationS: 0.1,
        minIterations: 3,
        warmup: 1,
        out,
      },
      {
        signal: controller.signal,
        onConfigDone: (_run, f) => {
          if (f.runs.length === 2) controller.abort('SIGTERM');
        },
      },
    );
    expect(controller.signal.aborted).toBe(true);
    expect(file.runs.map((r) => r.config.batch)).toEqual([1, 2]);
    expect(file.interrupted).toBeUndefined();
    expect(readResultFile(out).interrupted).toBeUndefined();
  });
});

describe('bench run: a second signal', () => {
  it('marks the file on process.exit (the second signal) before the sweep has stopped', async () => {
    const out = join(dir, 'exit.json');
    const controller = new AbortController();
    const before = process.listeners('exit');
    let onExit: ReturnType<typeof readResultFile>['interrupted'] | null = null;
    const ended = runBenchmarks(
      {
        models: ['tiny_cnn'],
        device: 'cpu',
        batches: [1, 2, 3],
        durationS: 0.2,
        minIterations: 5,
        warmup: 1,
        out,
      },
      {
        signal: controller.signal,
        onConfigDone: () => {
          if (onExit !== null) return;
          // What the CLI's second signal does: abort, then process.exit, which runs the 'exit' listeners.
          controller.abort('SIGINT');
          for (const listener of process.listeners('exit').filter((l) => !before.includes(l))) {
            listener.call(process, 130);
          }
          onExit = readResultFile(out).interrupted;
        },
      },
    );
    await expect(ended).rejects.toMatchObject({ code: 'E_INTERRUPTED', exitCode: 130 });
    expect(onExit).toEqual({
      signal: 'SIGINT',
      finishedConfigurations: 1,
      plannedConfigurations: 3,
      unfinishedKeys: [expect.stringContaining('|b2|'), expect.stringContaining('|b3|')],
    });
    expect(readResultFile(out).interrupted).toEqual(onExit);
    expect(process.listeners('exit')).toEqual(before);
  });
});

describe('interrupted runs: helpers', () => {
  it('names the signal from the abort reason, SIGINT for a plain abort', () => {
    const plain = new AbortController();
    plain.abort();
    const term = new AbortController();
    term.abort('SIGTERM');
    const other = new AbortController();
    other.abort('not a signal');
    // A real signal that is not a stop signal counts as Ctrl-C too, in the file and in the exit code.
    const usr1 = new AbortController();
    usr1.abort('SIGUSR1');
    expect([
      abortSignalName(plain.signal),
      abortSignalName(term.signal),
      abortSignalName(other.signal),
      abortSignalName(usr1.signal),
    ]).toEqual(['SIGINT', 'SIGTERM', 'SIGINT', 'SIGINT']);
    expect(interruptedError('r.json', 1, abortSignalName(usr1.signal)).exitCode).toBe(130);
    expect(abortSignalName(undefined)).toBe('SIGINT');
  });

  it('exits with 128 + the signal number, the documented codes for the stop signals', () => {
    expect(STOP_SIGNALS.map((name) => signalExitCode(name))).toEqual([
      ExitCode.interrupted,
      ExitCode.terminated,
      ExitCode.hangup,
    ]);
    expect(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBOGUS'].map(signalExitCode)).toEqual([
      130,
      143,
      129,
      ExitCode.interrupted,
    ]);
    const e = interruptedError('r.json', 2, 'SIGTERM');
    expect([e.code, e.exitCode, e.message]).toEqual([
      'E_INTERRUPTED',
      143,
      'interrupted: 2 finished configuration(s) saved in r.json',
    ]);
    expect(interruptedError('r.json', 0, 'SIGINT').exitCode).toBe(130);
  });

  it('records only a sweep that lost configurations', () => {
    expect(interruptedRecord('SIGHUP', 1, 6)).toEqual({
      signal: 'SIGHUP',
      finishedConfigurations: 1,
      plannedConfigurations: 6,
    });
    expect(interruptedRecord('SIGINT', 6, 6)).toBeUndefined();
    expect(plannedConfigurations({ models: ['a', 'b'], batches: [1, 8, 32] })).toBe(6);
  });
});

describe('compare and report: an interrupted file', () => {
  const base = join(dir, 'base.json');
  const cut = join(dir, 'cut.json');
  copyFileSync(join(FIXTURES, 'base.json'), base);
  const data = readResultFile(join(FIXTURES, 'new.json'));
  writeResultFile(cut, {
    ...data,
    interrupted: { signal: 'SIGINT', finishedConfigurations: data.runs.length, plannedConfigurations: 8 },
  });
  const warning = `${cut} was interrupted: ${data.runs.length} of 8 configurations measured`;

  it('bench compare warns about it', async () => {
    const result = await compareCommand([base, cut], { format: 'markdown' });
    expect(result.warnings.map(warningText)).toContain(warning);
    expect(result.warnings.map(warningText).filter((w) => w.includes('was interrupted'))).toHaveLength(1);
  });

  it('bench report warns about it, also for a single file', async () => {
    const result = await reportCommand([cut], { markdown: join(dir, 'report.md') });
    expect(result.warnings.map(warningText)).toContain(warning);
  });

  it('bench merge keeps the mark in its source, and compare still warns about it', async () => {
    const merged = join(dir, 'merged-cut.json');
    const result = mergeCommand([base, cut], merged, 'bench merge (test)');
    expect(result.warnings.map(warningText)).toContain(warning);
    const file = readResultFile(merged);
    expect(file.interrupted).toBeUndefined();
    expect(file.sources?.map((s) => s.interrupted?.plannedConfigurations)).toEqual([undefined, 8]);
    const compared = await compareCommand([base, merged], { format: 'markdown' });
    expect(compared.warnings.map(warningText)).toContain(
      `${merged} (merged from ${cut}) was interrupted: ${data.runs.length} of 8 configurations measured`,
    );
  });
});

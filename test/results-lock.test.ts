/**
 * One writer per result file (results/lock.ts): a second `bench run`, `bench merge` or `bench report`
 * writing the same file while a run holds it gets a one-line E_LOCKED naming the holder (exit 2); two
 * real processes run at once. A lock left by a killed process (kill -9) is taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBenchError } from '../src/core/errors.js';
import { readResultFile } from '../src/results/io.js';
import { lockPathFor, lockResultFile } from '../src/results/lock.js';
import { runCommand } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const BASE = join(import.meta.dirname, 'fixtures', 'results', 'base.json');
const dir = mkdtempSync(join(tmpdir(), 'h100e-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CPU sweep of the tiny model, several seconds long. */
const sweep = (out: string): string[] =>
  // prettier-ignore
  ['run', '--device', 'cpu', '--model', 'tiny_cnn', '--batch', '1,2,3', '--duration', '1', '--max-duration', '2', '--warmup', '1', '--out', out, '--quiet'];

/** Resolves once `path` exists (polling), or rejects after `ms`. */
async function waitForFile(path: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`${path} did not appear`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('two processes writing one result file', () => {
  it('a second run and a merge into the run file are refused, naming the holder; the run finishes', async () => {
    const out = join(dir, 'shared.json');
    const first = spawn(process.execPath, [CLI, ...sweep(out)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const firstDone = exitOf(first);
    await waitForFile(lockPathFor(out));
    // Paused while it holds the lock, so that on a loaded machine it cannot finish before the others
    // start; it goes on once they have been refused.
    first.kill('SIGSTOP');
    const [second, merge] = await Promise.all([
      runCommand(process.execPath, [CLI, ...sweep(out), '--force']),
      runCommand(process.execPath, [CLI, 'merge', BASE, '--out', out, '--force']),
    ]);
    first.kill('SIGCONT');
    const a = await firstDone;
    // What a user sees (printed for the closing note).
    console.log(
      `first run: exit ${a.code}\nsecond run: exit ${second.code}\n${second.stderr}merge: exit ${merge.code}\n${merge.stderr}`,
    );
    for (const r of [second, merge]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is being written by another bench \\(pid ${first.pid}, "[^"\\n]*run[^"\\n]*", since [^)\\n]+\\)\\n  hint: [^\\n]+\\n$`,
        ),
      );
    }
    expect(a.code).toBe(0);
    expect(readResultFile(out).runs).toHaveLength(3);
    expect(existsSync(lockPathFor(out))).toBe(false);
  });

  it('a lock left by a run killed with SIGKILL is taken over by the next writer', async () => {
    const out = join(dir, 'killed.json');
    const first = spawn(process.execPath, [CLI, ...sweep(out)], { stdio: 'ignore' });
    const done = exitOf(first);
    await waitForFile(lockPathFor(out));
    first.kill('SIGKILL');
    await done;
    expect(existsSync(lockPathFor(out))).toBe(true); // nobody removed it
    const merge = await runCommand(process.execPath, [CLI, 'merge', BASE, '--out', out, '--force']);
    expect(merge.stderr).toBe('');
    expect(merge.code).toBe(0);
    expect(readResultFile(out).runs.length).toBeGreaterThan(0);
    expect(existsSync(lockPathFor(out))).toBe(false);
  });
});

describe('lockResultFile', () => {
  it('takes over an unreadable lock only once it is old; refuses a live one from another pid', () => {
    const path = join(dir, 'unit.json');
    const lock = lockPathFor(path);
    writeFileSync(lock, '');
    let err: unknown;
    try {
      lockResultFile(path, 'test');
    } catch (e) {
      err = e;
    }
    expect(isBenchError(err) && err.code).toBe('E_LOCKED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const release = lockResultFile(path, 'test');
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'test',
    });
    release();
    expect(existsSync(lock)).toBe(false);
    // A live holder (pid 1, init, always runs) on this host is respected.
    writeFileSync(lock, JSON.stringify({ pid: 1, host: hostname(), command: 'bench run x', since: 'now' }));
    expect(() => lockResultFile(path, 'test')).toThrow(
      /is being written by another bench \(pid 1, "bench run x", since now\)/,
    );
    rmSync(lock);
  });

  it('nests within one process', () => {
    const path = join(dir, 'nest.json');
    const outer = lockResultFile(path, 'a');
    const inner = lockResultFile(path, 'b');
    inner();
    expect(existsSync(lockPathFor(path))).toBe(true);
    outer();
    expect(existsSync(lockPathFor(path))).toBe(false);
  });
});

/**
 * One writer per result file. A command that writes FILE holds FILE.lock while it does: created with
 * O_EXCL (`wx`), so of two processes exactly one wins, holding JSON with the holder's pid, host, command
 * and start time. A second writer gets a one-line E_LOCKED (exit 2) naming the holder.
 *
 * Stale locks: a lock whose pid no longer runs on this host (a crash, kill -9) is taken over; so is an
 * unreadable lock (a holder killed between create and write) older than {@link UNREADABLE_STALE_MS}.
 * A lock from another host (a shared folder) is never taken over: its pid means nothing here.
 * Locks are released when the command ends, and on process exit (Ctrl-C, process.exit).
 */
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { BenchError, errorMessage } from '../core/errors.js';

/** What a lock file holds. */
interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** An unreadable or empty lock this old is a holder that died before writing it. */
const UNREADABLE_STALE_MS = 10_000;

/** Locks this process holds, by lock path, with how many times each was taken (re-entrant). */
const held = new Map<string, number>();

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of held.keys()) {
      try {
        rmSync(lock, { force: true });
      } catch {
        // exiting anyway; the next writer sees a lock of a dead pid and takes it over
      }
    }
    held.clear();
  });
}

/** The lock file of `path`. */
export function lockPathFor(path: string): string {
  return `${resolve(path)}.lock`;
}

/** Whether `pid` is a running process here (EPERM: it runs under another user). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(lock: string): LockHolder | undefined {
  try {
    const raw = JSON.parse(readFileSync(lock, 'utf8')) as Partial<LockHolder>;
    if (typeof raw.pid !== 'number' || typeof raw.host !== 'string') return undefined;
    return {
      pid: raw.pid,
      host: raw.host,
      command: typeof raw.command === 'string' ? raw.command : '?',
      since: typeof raw.since === 'string' ? raw.since : '?',
    };
  } catch {
    return undefined;
  }
}

/** Whether an existing lock may be taken over: its holder is gone. */
function isStale(lock: string, holder: LockHolder | undefined): boolean {
  if (holder === undefined) {
    try {
      return Date.now() - statSync(lock).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true; // gone meanwhile
    }
  }
  return holder.host === hostname() && holder.pid !== process.pid && !pidAlive(holder.pid);
}

/** One line for a command, cut short. */
function shortCommand(command: string): string {
  const line = command.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/**
 * Takes the lock of result file `path` for `command`; returns its release. Throws E_LOCKED (exit 2)
 * naming the holder when another live process holds it; taking it again in this process nests.
 */
export function lockResultFile(path: string, command = process.argv.slice(1).join(' ')): () => void {
  const lock = lockPathFor(path);
  const count = held.get(lock);
  if (count !== undefined) {
    held.set(lock, count + 1);
    return once(() => release(lock));
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), command: shortCommand(command), since: new Date().toISOString() };
  // The holder is written to a file of our own first and then linked to the lock name: link() fails if
  // the lock exists, like an exclusive create, and a lock never exists without its holder in it (an
  // empty lock would leave a second writer unable to say who holds it).
  const mine = `${lock}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(mine, JSON.stringify(holder) + '\n');
  } catch (e) {
    rmSync(mine, { force: true });
    throw new BenchError('E_UNWRITABLE', `cannot lock ${path}: ${errorMessage(e)}`, {
      hint: 'check free space, and that the folder exists and is writable',
      cause: e,
    });
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, lock);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new BenchError('E_UNWRITABLE', `cannot lock ${path}: ${errorMessage(e)}`, {
            hint: 'check that the folder exists and is writable',
            cause: e,
          });
        }
        const other = readHolder(lock);
        if (attempt < 3 && isStale(lock, other)) {
          rmSync(lock, { force: true });
          continue;
        }
        throw lockedError(path, lock, other);
      }
    }
  } finally {
    rmSync(mine, { force: true });
  }
  installExitHook();
  held.set(lock, 1);
  return once(() => release(lock));
}

function lockedError(path: string, lock: string, other: LockHolder | undefined): BenchError {
  const who = other
    ? `pid ${other.pid}${other.host === hostname() ? '' : ` on ${other.host}`}, "${other.command}", since ${other.since}`
    : 'a process that has not written its name yet';
  return new BenchError('E_LOCKED', `${path} is being written by another bench (${who})`, {
    hint: `wait for it to finish, or write another file; if that process is gone, remove ${lock}`,
  });
}

function release(lock: string): void {
  const count = held.get(lock);
  if (count === undefined) return;
  if (count > 1) {
    held.set(lock, count - 1);
    return;
  }
  held.delete(lock);
  rmSync(lock, { force: true });
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

/** Runs `fn` holding the lock of `path`, released after it settles. */
export async function withResultFileLock<T>(path: string, fn: () => Promise<T> | T, command?: string): Promise<T> {
  const unlock = lockResultFile(path, command);
  try {
    return await fn();
  } finally {
    unlock();
  }
}

/**
 * CPU pinning of `bench ab`'s workers. On shared VMs the virtual CPUs need not run at one speed, and
 * which is slower can change over seconds (docs/ab.md, How it runs, has a measurement). A worker the
 * scheduler leaves on a slower CPU carries that difference into whichever side it serves. Pinning each
 * A/B worker pair to the same CPUs makes the two halves of a round meet the same CPU, so its speed
 * cancels in the round's ratio.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The CPUs this process may run on (Linux `Cpus_allowed_list`), or null where that is not known. */
export function allowedCpus(statusText?: string): number[] | null {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return null;
    }
  }
  const line = /^Cpus_allowed_list:\s*(.+)$/m.exec(text)?.[1];
  if (!line) return null;
  const cpus: number[] = [];
  for (const part of line.trim().split(',')) {
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || !Number.isInteger(lo)) return null;
    const end = hi ?? lo;
    if (!Number.isInteger(end) || end < lo) return null;
    for (let c = lo; c <= end; c++) cpus.push(c);
  }
  return cpus.length > 0 ? cpus : null;
}

/**
 * The CPU set of each worker pair: `threads` CPUs from the start of the allowed list for pair 0 and
 * from its end for pair 1, so two pairs use different CPUs where there are enough. Null (no pinning)
 * when a side may use every allowed CPU (threads 0 is the engine's default, all of them).
 */
export function pairCpuSets(allowed: readonly number[], threads: number): [number[], number[]] | null {
  if (threads <= 0 || threads >= allowed.length) return null;
  return [allowed.slice(0, threads), allowed.slice(allowed.length - threads)];
}

/** How the workers were pinned, as the result file records it. */
export interface Pinning {
  /** Each worker pair's CPUs; null when the workers were left to the scheduler. */
  pairs: [number[], number[]] | null;
  /** Why there is no pinning, when there is none. */
  reason?: string;
}

/** The pinning `bench ab` would use for sides of these thread counts (0: all CPUs). */
export function planPinning(threadsA: number, threadsB: number, allowed = allowedCpus()): Pinning {
  if (!allowed) return { pairs: null, reason: 'the allowed CPUs are not known (not Linux)' };
  const threads = threadsA === 0 || threadsB === 0 ? 0 : Math.max(threadsA, threadsB);
  const pairs = pairCpuSets(allowed, threads);
  if (!pairs)
    return {
      pairs: null,
      reason: `a side may use all ${allowed.length} CPUs`,
    };
  return { pairs };
}

/** Pins every thread of process `pid` to `cpus` with taskset; the error's text when it could not. */
export function pinProcess(pid: number, cpus: readonly number[]): string | undefined {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'taskset is not installed (util-linux)'
      : `taskset failed for pid ${pid}`;
  }
}

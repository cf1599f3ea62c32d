/** The real clock: performance.now() for time, setTimeout for waits. */
import type { Clock } from './types.js';

/** Sleeps `ms` on a real timer; resolves early (never rejects) when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Milliseconds before a deadline that sleepUntil spins instead of sleeping: Node's timers have
 * millisecond granularity and fire up to about a millisecond late on an idle machine. Spinning costs
 * main-thread CPU (at most this much per server arrival, and callers cap it further), so it is short.
 */
const SPIN_MS = 1.5;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Sleeps on a timer until min(SPIN_MS, maxSpinMs) before `atMs`, then yields to the event loop until
 * `atMs` has come.
 */
async function sleepUntil(atMs: number, signal?: AbortSignal, maxSpinMs = SPIN_MS): Promise<void> {
  const ahead = atMs - performance.now() - Math.min(SPIN_MS, maxSpinMs);
  if (ahead > 0) await sleep(ahead, signal);
  // setImmediate, not a bare loop: completions of queries in flight still run while we wait.
  while (!signal?.aborted && performance.now() < atMs) await nextTick();
}

/** High-resolution wall clock used by real measurements. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep,
  sleepUntil,
  // setImmediate, not setTimeout(0): it costs microseconds, where a timer waits at least 1 ms.
  yieldToEventLoop: nextTick,
};

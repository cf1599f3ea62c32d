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

/** High-resolution wall clock used by real measurements. */
export const realClock: Clock = {
  now: () => performance.now(),
  sleep,
  // setImmediate, not setTimeout(0): it costs microseconds, where a timer waits at least 1 ms.
  yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
};

/** `bench run`'s progress on stderr: a bar on a terminal, one line per configuration otherwise. */
import cliProgress from 'cli-progress';
import type { RunHooks } from '../run/run.js';
import { SweepClock } from './eta.js';

/**
 * The progress bar's line. Our fields are named apart from cli-progress's own ({total}, {eta},
 * {value}, ...), which it fills after the payload and would overwrite: {count} is the number of
 * configurations (the bar's own total is 100, the current configuration's percent).
 */
export const BAR_FORMAT = ' {bar} {percentage}% | {config} ({index}/{count}){left}';

/** The payload of {@link BAR_FORMAT} for configuration `i` of `n`, with the time-left text (or ''). */
export function barPayload(i: number, n: number, label: string, left: string): Record<string, unknown> {
  return { config: label, index: i + 1, count: n, left: left ? ` | ${left}` : '' };
}

/** Progress on stderr: a bar on a terminal, one line per configuration otherwise. */
export function progressHooks(quiet: boolean): { hooks: RunHooks; stop: () => void } {
  if (quiet) return { hooks: {}, stop: () => undefined };
  const clock = new SweepClock();
  const timing: RunHooks = { onConfigDone: (run) => clock.done(run) };
  if (!process.stderr.isTTY) {
    return {
      hooks: {
        ...timing,
        onConfigStart: (i, n, label, pending) => {
          const left = clock.start(pending);
          process.stderr.write(`[${i + 1}/${n}] ${label}${left ? ` (${left})` : ''}\n`);
        },
        onConfigKept: (i, n, label) => process.stderr.write(`[${i + 1}/${n}] ${label}: kept (--resume)\n`),
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: BAR_FORMAT, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  // Once stopped (the run ended, or a signal came) the bar never draws again: after SIGHUP there is
  // no terminal to draw on, and after Ctrl-C a redraw would cover the "interrupted" notice.
  let stopped = false;
  return {
    hooks: {
      ...timing,
      onConfigStart: (i, n, label, pending) => {
        if (stopped) return;
        const payload = barPayload(i, n, label, clock.start(pending));
        if (!started) bar.start(100, 0, payload);
        started = true;
        bar.update(0, payload);
      },
      // A kept configuration takes no time: the next start redraws the bar, so nothing to draw here.
      onConfigKept: () => undefined,
      onProgress: (f) => {
        if (!stopped) bar.update(Math.round(100 * Math.min(1, f)));
      },
    },
    stop: () => {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

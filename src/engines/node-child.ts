/**
 * Runs a short ESM snippet in a separate Node process with a time limit. Native engines that crash or
 * hang without a driver (Dawn, TensorFlow's C library) then cost a failed check, not the doctor.
 */
import { execFile } from 'node:child_process';
import { PACKAGE_ROOT } from '../core/version.js';

/** What the child printed, and how it ended. */
export interface ChildOutcome {
  /** The last stdout line parsed as JSON, when it was JSON. */
  result?: unknown;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Exit code, or the signal name when killed. */
  exit: number | string | null;
}

/**
 * Runs `source` (ES module) with cwd at the package root, so bare imports resolve to this
 * installation's node_modules. The snippet should print one JSON line last.
 */
export function runNodeChild(
  source: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ChildOutcome> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      {
        cwd: PACKAGE_ROOT,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        env: options.env ?? process.env,
        maxBuffer: 8 << 20,
      },
      (err, stdout, stderr) => {
        const timedOut = Boolean(err && (err as { killed?: boolean }).killed);
        const last = stdout.trim().split('\n').pop() ?? '';
        let result: unknown;
        try {
          result = JSON.parse(last);
        } catch {
          result = undefined;
        }
        const e = err as (Error & { code?: number | string; signal?: string }) | null;
        const exit = e ? (e.signal ?? (typeof e.code === 'number' ? e.code : null)) : 0;
        resolve({ result, stdout, stderr, timedOut, exit });
      },
    );
  });
}

/**
 * Runs a command and resolves with its exit code and output, without blocking the test worker: a
 * spawnSync of a minute stalls the worker's event loop, and vitest then fails the whole run with
 * "Timeout calling onTaskUpdate" even though every test passed.
 */
import { execFile } from 'node:child_process';

/** How a command ended. */
export interface CommandResult {
  /** Exit code; null when killed (e.g. by the time limit). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file` with `args`; never rejects. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        encoding: 'utf8',
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a `bench` command line in-process, capturing what it prints and how it ended. */
import { CommanderError, type Command } from 'commander';
import { vi } from 'vitest';
import { BenchError } from '../src/core/errors.js';

/** What an in-process command printed, and the BenchError or CommanderError it ended with (null: success). */
export interface InProcessResult {
  stdout: string;
  stderr: string;
  error: BenchError | CommanderError | null;
}

/**
 * Parses `args` with `program` (which must use exitOverride, as buildProgram does) while stdout and
 * stderr are captured; any other exception propagates.
 */
export async function runInProcess(program: Command, args: readonly string[]): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    await program.parseAsync([...args], { from: 'user' });
    return { stdout, stderr, error: null };
  } catch (e) {
    if (e instanceof BenchError || e instanceof CommanderError) return { stdout, stderr, error: e };
    throw e;
  } finally {
    vi.restoreAllMocks();
  }
}

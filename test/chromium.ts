/**
 * Headless Chromium for the tests that render an HTML page (Debian package `chromium`): where it is, and
 * one run of it on a URL with the console lines the page logged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult } from './run-command.js';

function findChromium(): string | null {
  const candidates = [process.env['CHROMIUM_PATH'], 'chromium', 'chromium-browser', 'google-chrome'].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) {
    const found = spawnSync('sh', ['-c', `command -v "${c}"`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

/** The Chromium binary (CHROMIUM_PATH, else the first on PATH), or null when there is none. */
export const CHROMIUM = findChromium();

/**
 * Runs headless Chromium on `url` with extra flags, a fresh profile under `work`; returns what it printed
 * and the console lines the page logged. Async: a browser run of seconds must not stall the test
 * worker's RPC (runCommand buffers 64 MiB).
 */
export async function browse(
  url: string,
  flags: readonly string[],
  work: string,
): Promise<CommandResult & { consoleLines: string[] }> {
  if (!CHROMIUM) throw new Error('chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)');
  const result = await runCommand(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(work, 'profile-'))}`,
      '--enable-logging=stderr',
      '--v=0',
      ...flags,
      url,
    ],
    { timeoutMs: 60_000 },
  );
  return { ...result, consoleLines: result.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)) };
}

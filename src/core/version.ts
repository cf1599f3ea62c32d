/** Tool identity, read once from package.json so result files record exactly what wrote them. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed package (works from src/ under tsx and from dist/src/ after the build). */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'h100e') return dir;
    } catch {
      // not here; go up
    }
    dir = dirname(dir);
  }
  return start;
}

/** Version from package.json. */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

let commit: string | undefined | null = null;
/** Git commit of the checkout the tool runs from, when it is one (cached). */
export function gitCommit(): string | undefined {
  if (commit === null) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: PACKAGE_ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .toString()
        .trim();
    } catch {
      commit = undefined;
    }
  }
  return commit;
}

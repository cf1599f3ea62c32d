/** A fake nvidia-smi for tests of the GPU paths on machines without one. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes an executable fake nvidia-smi running the sh `body` into a fresh dir under `parent`; returns the dir (to put first on PATH). */
export function fakeNvidiaSmi(parent: string, body: string): string {
  const dir = mkdtempSync(join(parent, 'bin-'));
  const file = join(dir, 'nvidia-smi');
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

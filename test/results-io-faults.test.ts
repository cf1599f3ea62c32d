/**
 * Full disks and I/O errors while a run rewrites its result file (issue 20): the previous complete file
 * stays, the error is reported once, and the sweep stops with exit 74 (E_IO). For real on a small tmpfs
 * where the test may mount one (root), and through the write path's injected fault
 * (H100E_INJECT_WRITE_FAULT) for ENOSPC, EIO and EACCES everywhere.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResultFile } from '../src/results/io.js';
import { runCommand } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A short CPU sweep of the tiny model at `batches` into `out`. */
const sweep = (out: string, batches: string, ...more: string[]): string[] =>
  // prettier-ignore
  [CLI, 'run', '--device', 'cpu', '--model', 'tiny_cnn', '--batch', batches, '--duration', '0.2', '--max-duration', '0.5', '--warmup', '1', '--min-iterations', '5', '--out', out, '--quiet', ...more];

/** Whether this process may mount a tmpfs (root on Linux, and mount works here). */
function tryMount(at: string, size: string): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mnt = join(dir, 'mnt');
mkdirSync(mnt);
const mounted = tryMount(mnt, '1m');
afterAll(() => {
  if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
});

/** Fills the file system of `folder` with `filler`, then gives back `leave` bytes. */
function fill(filler: string, leave: number): void {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  ftruncateSync(fd, Math.max(0, size - leave));
  closeSync(fd);
}

/** The one-line error with its hint, and nothing else, on stderr. */
const ONE_ERROR =
  /^error: cannot save (\S+) \((E[A-Z]+)\): the sweep stopped; \1 keeps its last complete version \(1 configuration\(s\)\)\n {2}hint: [^\n]+--resume[^\n]+\n$/;

describe('a full disk while the run rewrites its file', () => {
  it.skipIf(!mounted)(
    'on a 1 MiB tmpfs: exit 74, one error, the previous file intact, no temp file',
    async () => {
      const out = join(mnt, 'run.json');
      const first = await runCommand(process.execPath, sweep(out, '1'));
      expect(first.code, first.stderr).toBe(0);
      const before = readFileSync(out);
      // Leave room for the lock file (one page) but not for a new copy of the result file.
      fill(join(mnt, 'filler'), 8192);
      const second = await runCommand(process.execPath, sweep(out, '1,2', '--resume'));
      console.log(
        `tmpfs ${execFileSync('df', ['-k', mnt], { encoding: 'utf8' }).split('\n')[1]}\nfirst run: ${before.length} bytes; resume with the disk full: exit ${second.code}\n${second.stderr}file after: ${statSync(out).size} bytes, identical: ${readFileSync(out).equals(before)}, runs: ${readResultFile(out).runs.length}; files: ${readdirSync(mnt).join(', ')}`,
      );
      expect(second.code).toBe(74);
      expect(second.stderr).toMatch(ONE_ERROR);
      expect(second.stderr).toContain('(ENOSPC)');
      expect(readFileSync(out).equals(before)).toBe(true);
      expect(readdirSync(mnt).sort()).toEqual(['filler', 'run.json']); // no temp file, lock released
    },
  );
});

describe('an injected fault in the write path (H100E_INJECT_WRITE_FAULT)', () => {
  for (const code of ['ENOSPC', 'EIO', 'EACCES']) {
    it(`${code} on the second save: exit 74, one error, the first save intact`, async () => {
      const out = join(dir, `${code}.json`);
      // The first save (after batch 1) works; the second (after batch 2) fails halfway through its temp file.
      const r = await runCommand(process.execPath, sweep(out, '1,2,3'), {
        env: { ...process.env, H100E_INJECT_WRITE_FAULT: `${code}@2` },
      });
      expect(r.code, r.stderr).toBe(74);
      expect(r.stderr).toMatch(ONE_ERROR);
      expect(r.stderr).toContain(`(${code})`);
      const file = readResultFile(out);
      expect(file.runs.map((run) => run.config.batch)).toEqual([1]);
      expect(readdirSync(dir).filter((f) => f.startsWith(`.${code}`) || f.endsWith('.lock'))).toEqual([]);
    });
  }
});

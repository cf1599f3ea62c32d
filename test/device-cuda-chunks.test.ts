/**
 * bench/device/: the fatbin trimmer on a synthetic ELF with exact offsets, and cuda-remote.sh's
 * staging, joining and unpacking on small synthetic chunk sets (the 230 MB provider never enters
 * the tests).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elfSection, parseFatbin, readFatbin, summarize, trimFatbin } from '../bench/device/fatbin.js';
import { expectBenchError } from './bench-error.js';
import { runCommand } from './run-command.js';

const ROOT = join(import.meta.dirname, '..');
const REMOTE = join(ROOT, 'bench', 'device', 'cuda-remote.sh');
const FATBIN_JS = join(ROOT, 'dist', 'bench', 'device', 'fatbin.js');

// --- a synthetic fatbin -------------------------------------------------------------------------

interface SynthEntry {
  arch: number;
  headerSize: number;
  payload: Buffer;
  kind?: number;
}

function entry(e: SynthEntry): Buffer {
  const h = Buffer.alloc(e.headerSize);
  h.writeUInt16LE(e.kind ?? 2, 0);
  h.writeUInt16LE(0x0101, 2);
  h.writeUInt32LE(e.headerSize, 4);
  h.writeBigUInt64LE(BigInt(e.payload.length), 8);
  h.writeUInt32LE(e.payload.length, 16);
  h.writeUInt32LE(e.arch, 28);
  // The bytes the walk ignores are not zero, so a trim that touched them would show.
  h.fill(0xee, 32, e.headerSize);
  return Buffer.concat([h, e.payload]);
}

function container(entries: SynthEntry[]): Buffer {
  const body = Buffer.concat(entries.map(entry));
  const h = Buffer.alloc(16);
  h.writeUInt32LE(0xba55ed50, 0);
  h.writeUInt16LE(1, 4);
  h.writeUInt16LE(16, 6);
  h.writeBigUInt64LE(BigInt(body.length), 8);
  return Buffer.concat([h, body]);
}

/** A little-endian ELF64 with sections: null, .shstrtab, .text (filler), .nv_fatbin. */
function elf(fatbin: Buffer): { file: Buffer; fatbinOffset: number } {
  const names = Buffer.from('\0.shstrtab\0.text\0.nv_fatbin\0', 'latin1');
  const text = Buffer.alloc(40, 0xc3);
  const strOff = 64;
  const textOff = strOff + names.length;
  const fatOff = Math.ceil((textOff + text.length) / 8) * 8;
  const shOff = Math.ceil((fatOff + fatbin.length) / 8) * 8;
  const file = Buffer.alloc(shOff + 4 * 64);
  file.writeUInt32BE(0x7f454c46, 0);
  file[4] = 2; // ELFCLASS64
  file[5] = 1; // little-endian
  file[6] = 1;
  file.writeBigUInt64LE(BigInt(shOff), 0x28);
  file.writeUInt16LE(64, 0x3a);
  file.writeUInt16LE(4, 0x3c);
  file.writeUInt16LE(1, 0x3e);
  names.copy(file, strOff);
  text.copy(file, textOff);
  fatbin.copy(file, fatOff);
  const section = (i: number, nameOff: number, offset: number, size: number): void => {
    const at = shOff + i * 64;
    file.writeUInt32LE(nameOff, at);
    file.writeBigUInt64LE(BigInt(offset), at + 0x18);
    file.writeBigUInt64LE(BigInt(size), at + 0x20);
  };
  section(1, 1, strOff, names.length);
  section(2, 11, textOff, text.length);
  section(3, 17, fatOff, fatbin.length);
  return { file, fatbinOffset: fatOff };
}

const p80 = Buffer.alloc(24, 0x80);
const p90 = Buffer.alloc(40, 0x90);
const p90b = Buffer.alloc(8, 0x9a);
const p120 = Buffer.alloc(16, 0x12);
// Two containers, as in the real provider: sm_80 + sm_90, then sm_90 + sm_120 (whose header is 112
// bytes, as CUDA 13 writes for sm_120).
const fatbin = Buffer.concat([
  container([
    { arch: 80, headerSize: 64, payload: p80 },
    { arch: 90, headerSize: 64, payload: p90 },
  ]),
  container([
    { arch: 90, headerSize: 64, payload: p90b },
    { arch: 120, headerSize: 112, payload: p120 },
  ]),
]);

describe('bench/device/fatbin.ts on a synthetic ELF', () => {
  const { file, fatbinOffset: F } = elf(fatbin);
  // Container 1: header at F, entries at F+16 (64 + 24) and F+104 (64 + 40), size 192.
  // Container 2: header at F+208, entries at F+224 (64 + 8) and F+296 (112 + 16), size 200.

  it('finds .nv_fatbin and every entry at its exact offset', () => {
    expect(elfSection(file, '.nv_fatbin')).toEqual({ offset: F, size: fatbin.length });
    expect(fatbin.length).toBe(424);
    const s = readFatbin(file);
    expect(s.containers.map((c) => [c.offset - F, c.size])).toEqual([
      [0, 192],
      [208, 200],
    ]);
    expect(
      s.containers.flatMap((c) =>
        c.entries.map((e) => [
          e.offset - F,
          e.kind,
          e.headerSize,
          e.payloadOffset - F,
          e.payloadSize,
          e.arch,
        ]),
      ),
    ).toEqual([
      [16, 'cubin', 64, 80, 24, 80],
      [104, 'cubin', 64, 168, 40, 90],
      [224, 'cubin', 64, 288, 8, 90],
      [296, 'cubin', 112, 408, 16, 120],
    ]);
    expect(summarize(s)).toEqual([
      { arch: 80, kind: 'cubin', entries: 1, bytes: 24 },
      { arch: 90, kind: 'cubin', entries: 2, bytes: 48 },
      { arch: 120, kind: 'cubin', entries: 1, bytes: 16 },
    ]);
  });

  it('trim zeroes exactly the payloads of the other architectures and nothing else', () => {
    const copy = Buffer.from(file);
    const r = trimFatbin(copy, [90]);
    expect([r.keptEntries, r.keptBytes, r.zeroedEntries, r.zeroedBytes]).toEqual([2, 48, 2, 40]);
    expect(copy.length).toBe(file.length);
    const changed: number[] = [];
    for (let i = 0; i < file.length; i++) if (copy[i] !== file[i]) changed.push(i - F);
    const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);
    expect(changed).toEqual([...range(80, 24), ...range(408, 16)]);
    expect(copy.subarray(F + 168, F + 208).equals(p90)).toBe(true);
    // The trimmed file still parses to the same layout.
    expect(readFatbin(copy)).toEqual(readFatbin(file));
  });

  it('accepts zero padding between containers up to an 8-byte boundary', () => {
    const one = container([{ arch: 90, headerSize: 64, payload: Buffer.alloc(4, 1) }]);
    const padded = Buffer.concat([one, Buffer.alloc(4), one]);
    expect(one.length).toBe(84);
    const s = parseFatbin(padded, 0, padded.length);
    expect(s.containers.map((c) => c.offset)).toEqual([0, 88]);
  });

  it('refuses what it does not understand, naming the offset', () => {
    const badMagic = Buffer.from(fatbin);
    badMagic.writeUInt32LE(0xdeadbeef, 208);
    expectBenchError(
      () => parseFatbin(badMagic, 0, badMagic.length, 'x.so'),
      'E_FILE_CORRUPT',
      /^x\.so: expected fatbin magic 0xba55ed50 at offset 208, found 0xdeadbeef$/,
    );
    const overrun = Buffer.from(fatbin);
    overrun.writeBigUInt64LE(10_000n, 104 + 8);
    expectBenchError(
      () => parseFatbin(overrun, 0, overrun.length, 'x.so'),
      'E_FILE_CORRUPT',
      /^x\.so: entry at offset 104 \(header 64, payload 10000\) does not fit its container$/,
    );
    const kind = Buffer.from(fatbin);
    kind.writeUInt16LE(7, 16);
    expectBenchError(
      () => parseFatbin(kind, 0, kind.length, 'x.so'),
      'E_FILE_CORRUPT',
      /entry at offset 16 has kind 7/,
    );
    expectBenchError(
      () => trimFatbin(Buffer.from(file), [75], 'x.so'),
      'E_BAD_INPUT',
      /^x\.so: no fatbin entry for architecture 75$/,
    );
    expectBenchError(
      () =>
        readFatbin(
          Buffer.from('not an elf at all, but long enough to have a header......................'),
          'x.so',
        ),
      'E_FILE_CORRUPT',
      /^x\.so: not an ELF file$/,
    );
  });

  it('fatbin.js trim writes the trimmed copy; bad flags and files are one line and exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h100e-fatbin-'));
    try {
      writeFileSync(join(dir, 'lib.so'), file);
      const ok = await runCommand(process.execPath, [
        FATBIN_JS,
        'trim',
        '--keep',
        '90',
        join(dir, 'lib.so'),
        join(dir, 'out.so'),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/kept 2 entries \(48 bytes\) for sm_90; zeroed 2 entries \(40 bytes\)/);
      const expected = Buffer.from(file);
      trimFatbin(expected, [90]);
      expect(readFileSync(join(dir, 'out.so')).equals(expected)).toBe(true);
      expect(readFileSync(join(dir, 'lib.so')).equals(file)).toBe(true);

      const badKeep = await runCommand(process.execPath, [
        FATBIN_JS,
        'trim',
        '--keep',
        'x',
        join(dir, 'lib.so'),
        join(dir, 'o.so'),
      ]);
      expect(badKeep.code).toBe(2);
      expect(badKeep.stderr.split('\n')[0]).toBe(
        "error: --keep 'x': expected SM numbers such as 90 or 80,90",
      );
      const missing = await runCommand(process.execPath, [FATBIN_JS, 'list', join(dir, 'nope.so')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr.split('\n')[0]).toBe(`error: cannot read ${join(dir, 'nope.so')}: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- chunk sets for cuda-remote.sh ------------------------------------------------------------

describe('bench/device/cuda-remote.sh: staging, joining and unpacking chunks', () => {
  let dir: string;
  let chunks: string;
  let files: Map<string, Buffer>;
  const bundle = 'cuda-test.tar.xz';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'h100e-chunks-'));
    const src = join(dir, 'src');
    mkdirSync(join(src, 'onnxruntime-node', 'bin'), { recursive: true });
    // Random bytes do not compress, so the archive really spans three 32 KiB chunks.
    files = new Map([
      ['onnxruntime-node/package.json', Buffer.from('{"version":"1.29.0"}\n')],
      ['onnxruntime-node/bin/libfake.so', randomBytes(70_000)],
      ['BUNDLE.txt', Buffer.from('synthetic\n')],
    ]);
    for (const [name, bytes] of files) writeFileSync(join(src, name), bytes);
    chunks = join(dir, 'chunks');
    mkdirSync(chunks);
    execFileSync('bash', [
      '-c',
      `tar -C "${src}" -cf - . | xz -1 > "${dir}/${bundle}" && split -b 32K -d -a 2 "${dir}/${bundle}" "${chunks}/${bundle}.part" && cd "${chunks}" && sha256sum ${bundle}.part* > manifest.sha256 && cd "${dir}" && sha256sum ${bundle} >> "${chunks}/manifest.sha256"`,
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const parts = (): string[] =>
    readdirSync(chunks)
      .filter((f) => f.includes('.part'))
      .sort();

  /** A copy of the chunk folder with only some parts (and the manifest). */
  function subset(
    name: string,
    keep: (part: string) => boolean,
    edit?: (part: string, b: Buffer) => Buffer,
  ): string {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'manifest.sha256'), readFileSync(join(chunks, 'manifest.sha256')));
    for (const p of parts().filter(keep)) {
      const b = readFileSync(join(chunks, p));
      writeFileSync(join(d, p), edit ? edit(p, b) : b);
    }
    return d;
  }

  const remote = (...args: string[]) => runCommand('bash', [REMOTE, ...args]);

  function expectUnpacked(out: string): void {
    for (const [name, bytes] of files) expect(readFileSync(join(out, name)).equals(bytes), name).toBe(true);
  }

  it('the synthetic bundle has three parts', () => {
    expect(parts()).toEqual([`${bundle}.part00`, `${bundle}.part01`, `${bundle}.part02`]);
  });

  it('a complete set unpacks to identical bytes', async () => {
    const out = join(dir, 'out-complete');
    const r = await remote('--chunks', chunks, '--stage', join(dir, 'stage-complete'), '--unpack-only', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cuda chunks: 3 arrived now');
    expect(r.stdout).toContain('3 of 3 staged');
    expectUnpacked(out);
  });

  it('chunks carried one per command accumulate in the stage and the last call unpacks', async () => {
    const stage = join(dir, 'stage-steps');
    for (const [i, want] of [
      [0, '1 of 3 staged'],
      [1, '2 of 3 staged'],
    ] as const) {
      const r = await remote(
        '--chunks',
        subset(`step${i}`, (p) => p.endsWith(`0${i}`)),
        '--stage',
        stage,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(want);
    }
    const out = join(dir, 'out-steps');
    const r = await remote(
      '--chunks',
      subset('step2', (p) => p.endsWith('02')),
      '--stage',
      stage,
      '--unpack-only',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cuda chunks: 1 arrived now');
    expect(r.stdout).toContain('3 of 3 staged');
    expectUnpacked(out);
  });

  it('a damaged chunk is one line naming it, exit 2, and nothing is unpacked', async () => {
    const bad = subset(
      'damaged',
      () => true,
      (p, b) => {
        if (p.endsWith('01')) b[100] = (b[100] ?? 0) ^ 0xff;
        return b;
      },
    );
    const out = join(dir, 'out-damaged');
    const r = await remote('--chunks', bad, '--stage', join(dir, 'stage-damaged'), '--unpack-only', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: sha256 mismatch for ${bundle.replace(/\./g, '\\.')}\\.part01: got [0-9a-f]{64}, manifest\\.sha256 says [0-9a-f]{64}\\n$`,
      ),
    );
    expect(() => readdirSync(out)).toThrow();
  });

  it('a chunk left in the stage by an older pack fails against the newer manifest', async () => {
    const stage = join(dir, 'stage-stale');
    const r1 = await remote('--chunks', chunks, '--stage', stage);
    expect(r1.code, r1.stderr).toBe(0);
    // A repack: part01 changed, the new manifest says so; only part00 rides with it.
    const manifest = readFileSync(join(chunks, 'manifest.sha256'), 'utf8').replace(
      new RegExp(`^[0-9a-f]{64}(  ${bundle.replace(/\./g, '\\.')}\\.part01)$`, 'm'),
      `${'0'.repeat(64)}$1`,
    );
    const newer = subset('stale', (p) => p.endsWith('00'));
    writeFileSync(join(newer, 'manifest.sha256'), manifest);
    const r2 = await remote('--chunks', newer, '--stage', stage, '--unpack-only', join(dir, 'out-stale'));
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(
      new RegExp(
        `^error: sha256 mismatch for ${bundle.replace(/\./g, '\\.')}\\.part01: got [0-9a-f]{64}, manifest\\.sha256 says 0{64}\\n$`,
      ),
    );
  });

  it('a missing chunk is one line naming it, exit 2', async () => {
    const r = await remote(
      '--chunks',
      subset('missing', (p) => !p.endsWith('02')),
      '--stage',
      join(dir, 'stage-missing'),
      '--unpack-only',
      join(dir, 'out-missing'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: missing chunk ${bundle}.part02 of ${bundle} (3 parts): carry it on an earlier command while the machine is warm, or rerun from the first chunk\n`,
    );
  });

  it('a bad flag or no manifest is one line and exit 2', async () => {
    const flag = await remote('--nope');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe(
      "error: unknown option '--nope' (usage: cuda-remote.sh [--chunks DIR] [--stage DIR] [--unpack-only DIR | -- 'CMD'])\n",
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const none = await remote('--chunks', empty, '--stage', join(dir, 'stage-empty'));
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      `error: no manifest.sha256 in ${empty} or ${join(dir, 'stage-empty')}: carry .device-cuda/manifest.sha256 (made by bench/device/cuda-pack.sh)\n`,
    );
  });
});

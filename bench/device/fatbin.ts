/**
 * Lists, and trims, the CUDA kernel bundles in an ELF library's `.nv_fatbin` section, so that the
 * onnxruntime CUDA provider (230 MB, 166 MB of it sm_75..sm_120 cubins) can reach the GPU machine in
 * fewer 64 MiB carries. An H100 or H200 (sm_90) loads only sm_90/sm_90a cubins: the CUDA driver picks a
 * cubin of the device's own major version, and there is no PTX here to JIT. Trimming overwrites the
 * *payloads* of every other architecture with zeros and leaves every header, size and offset as it was,
 * so the ELF layout, the host code's pointers into the section and the fatbin walk are unchanged; only
 * the zeros compress away. A GPU of another architecture would find garbage in its cubin: use the
 * untouched file (`cuda-pack.sh --full`) there.
 *
 *   node dist/bench/device/fatbin.js list LIB
 *   node dist/bench/device/fatbin.js trim --keep 90 LIB OUT
 *
 * The format is NVIDIA's and undocumented; the layout below is the one cuobjdump-compatible tools read
 * (a 16-byte container header with magic 0xBA55ED50, then entries each with its own header). Every
 * field the walk relies on is checked, and any inconsistency is an error naming the offset, never a
 * guess: the packer then falls back to the untouched file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../../src/core/errors.js';
import { parseScriptArgs, runScript } from '../perf/script.js';

export const FATBIN_MAGIC = 0xba55ed50;
/** Container header: magic u32, version u16, header size u16, size of the entries that follow u64. */
export const CONTAINER_HEADER_SIZE = 16;
/**
 * Entry header, as far as it is read: kind u16 (1 PTX, 2 ELF cubin), version u16, header size u32,
 * payload size u64, then at 28 the architecture u32 (75, 80, 86, 89, 90, 120, ...). The header size
 * field gives the real length (64 or more, with the object name after the fixed part).
 */
export const ENTRY_MIN_HEADER = 64;
const KIND_PTX = 1;
const KIND_CUBIN = 2;

export interface FatbinEntry {
  /** Offset of the entry header in the file. */
  offset: number;
  kind: 'ptx' | 'cubin';
  headerSize: number;
  /** File offset and length of the payload (what trimming zeroes). */
  payloadOffset: number;
  payloadSize: number;
  /** SM architecture number: 90 for sm_90 and sm_90a alike. */
  arch: number;
}

export interface FatbinContainer {
  offset: number;
  /** Bytes of entries after the 16-byte header. */
  size: number;
  entries: FatbinEntry[];
}

export interface FatbinSection {
  offset: number;
  size: number;
  containers: FatbinContainer[];
}

function corrupt(file: string, message: string): BenchError {
  return new BenchError('E_FILE_CORRUPT', `${file}: ${message}`, {
    hint: 'the fatbin layout is not the one this parser knows; pack the untouched library (cuda-pack.sh --full)',
  });
}

/** Offset and size of the named section of a little-endian ELF64 file. */
export function elfSection(buf: Buffer, name: string, file = 'input'): { offset: number; size: number } {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46)
    throw new BenchError('E_FILE_CORRUPT', `${file}: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1)
    throw new BenchError('E_UNSUPPORTED', `${file}: only little-endian ELF64 is supported`);
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shentsize < 64 || shoff + shnum * shentsize > buf.length || shstrndx >= shnum)
    throw corrupt(file, 'section header table out of bounds');
  const header = (i: number): { nameOff: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      nameOff: buf.readUInt32LE(at),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      size: Number(buf.readBigUInt64LE(at + 0x20)),
    };
  };
  const strtab = header(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const h = header(i);
    const start = strtab.offset + h.nameOff;
    const end = buf.indexOf(0, start);
    if (end < 0 || end > strtab.offset + strtab.size) continue;
    if (buf.toString('latin1', start, end) === name) {
      if (h.offset + h.size > buf.length)
        throw corrupt(file, `section ${name} runs past the end of the file`);
      return { offset: h.offset, size: h.size };
    }
  }
  throw new BenchError('E_BAD_INPUT', `${file}: no ${name} section`);
}

/**
 * Walks the fatbin containers in `buf[offset, offset + size)`. Containers follow one another, each
 * possibly padded with zeros to an 8-byte boundary; entries fill their container exactly.
 */
export function parseFatbin(buf: Buffer, offset: number, size: number, file = 'input'): FatbinSection {
  const end = offset + size;
  if (end > buf.length) throw corrupt(file, 'fatbin section runs past the end of the file');
  const containers: FatbinContainer[] = [];
  let at = offset;
  while (at < end) {
    // Padding between containers: zeros up to the next 8-byte boundary (relative to the file, which
    // the section's own alignment makes the same as relative to memory).
    if (end - at < 4 || buf.readUInt32LE(at) === 0) {
      const next = Math.ceil((at + 1) / 8) * 8;
      if (buf.subarray(at, Math.min(next, end)).some((b) => b !== 0))
        throw corrupt(file, `non-zero bytes between fatbin containers at offset ${at}`);
      at = next;
      continue;
    }
    if (at + CONTAINER_HEADER_SIZE > end) throw corrupt(file, `truncated container header at offset ${at}`);
    const magic = buf.readUInt32LE(at);
    if (magic !== FATBIN_MAGIC)
      throw corrupt(file, `expected fatbin magic 0xba55ed50 at offset ${at}, found 0x${magic.toString(16)}`);
    const headerSize = buf.readUInt16LE(at + 6);
    const fatSize = Number(buf.readBigUInt64LE(at + 8));
    if (headerSize !== CONTAINER_HEADER_SIZE)
      throw corrupt(file, `container at offset ${at} has header size ${headerSize}, expected 16`);
    const first = at + headerSize;
    const last = first + fatSize;
    if (last > end) throw corrupt(file, `container at offset ${at} (size ${fatSize}) runs past the section`);
    const entries: FatbinEntry[] = [];
    let e = first;
    while (e < last) {
      if (e + ENTRY_MIN_HEADER > last) throw corrupt(file, `truncated entry header at offset ${e}`);
      const kindCode = buf.readUInt16LE(e);
      const entryHeader = buf.readUInt32LE(e + 4);
      const payloadSize = Number(buf.readBigUInt64LE(e + 8));
      const arch = buf.readUInt32LE(e + 28);
      if (kindCode !== KIND_PTX && kindCode !== KIND_CUBIN)
        throw corrupt(file, `entry at offset ${e} has kind ${kindCode}, expected 1 (PTX) or 2 (cubin)`);
      if (entryHeader < ENTRY_MIN_HEADER || e + entryHeader + payloadSize > last)
        throw corrupt(
          file,
          `entry at offset ${e} (header ${entryHeader}, payload ${payloadSize}) does not fit its container`,
        );
      if (arch < 10 || arch > 1000) throw corrupt(file, `entry at offset ${e} has architecture ${arch}`);
      entries.push({
        offset: e,
        kind: kindCode === KIND_PTX ? 'ptx' : 'cubin',
        headerSize: entryHeader,
        payloadOffset: e + entryHeader,
        payloadSize,
        arch,
      });
      e += entryHeader + payloadSize;
    }
    if (entries.length === 0) throw corrupt(file, `empty container at offset ${at}`);
    containers.push({ offset: at, size: fatSize, entries });
    at = last;
  }
  return { offset, size, containers };
}

/** The fatbin of an ELF library, from its `.nv_fatbin` section. */
export function readFatbin(buf: Buffer, file = 'input'): FatbinSection {
  const s = elfSection(buf, '.nv_fatbin', file);
  return parseFatbin(buf, s.offset, s.size, file);
}

export interface ArchSummary {
  arch: number;
  kind: 'ptx' | 'cubin';
  entries: number;
  bytes: number;
}

/** Entries and payload bytes per architecture and kind, by architecture. */
export function summarize(section: FatbinSection): ArchSummary[] {
  const byKey = new Map<string, ArchSummary>();
  for (const c of section.containers)
    for (const e of c.entries) {
      const key = `${e.arch}/${e.kind}`;
      const s = byKey.get(key) ?? { arch: e.arch, kind: e.kind, entries: 0, bytes: 0 };
      s.entries++;
      s.bytes += e.payloadSize;
      byKey.set(key, s);
    }
  return [...byKey.values()].sort((a, b) => a.arch - b.arch || a.kind.localeCompare(b.kind));
}

export interface TrimResult {
  section: FatbinSection;
  zeroedEntries: number;
  zeroedBytes: number;
  keptEntries: number;
  keptBytes: number;
}

/**
 * Zeroes, in `buf`, the payload of every entry whose architecture is not in `keep`. Refuses when no
 * entry of a kept architecture exists: the result would load nowhere.
 */
export function trimFatbin(buf: Buffer, keep: readonly number[], file = 'input'): TrimResult {
  const section = readFatbin(buf, file);
  const result: TrimResult = { section, zeroedEntries: 0, zeroedBytes: 0, keptEntries: 0, keptBytes: 0 };
  for (const c of section.containers)
    for (const e of c.entries) {
      if (keep.includes(e.arch)) {
        result.keptEntries++;
        result.keptBytes += e.payloadSize;
      } else {
        buf.fill(0, e.payloadOffset, e.payloadOffset + e.payloadSize);
        result.zeroedEntries++;
        result.zeroedBytes += e.payloadSize;
      }
    }
  if (result.keptEntries === 0)
    throw new BenchError('E_BAD_INPUT', `${file}: no fatbin entry for architecture ${keep.join(', ')}`, {
      hint: `the file holds ${summarize(section)
        .map((s) => `sm_${s.arch}`)
        .join(', ')}`,
    });
  return result;
}

const USAGE = 'node dist/bench/device/fatbin.js list LIB | trim --keep 90[,...] LIB OUT';

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new BenchError(
      'E_FILE_NOT_FOUND',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        hint: USAGE,
      },
    );
  }
}

function main(): void {
  const { values, positionals } = parseScriptArgs(
    { options: { keep: { type: 'string' } }, allowPositionals: true },
    USAGE,
  );
  const [command, input, output] = positionals;
  if (command === 'list' && input && positionals.length === 2) {
    const buf = readInput(input);
    const section = readFatbin(buf, input);
    const entries = section.containers.reduce((n, c) => n + c.entries.length, 0);
    console.log(
      `${input}: .nv_fatbin at ${section.offset}, ${section.size} bytes, ${section.containers.length} containers, ${entries} entries`,
    );
    for (const s of summarize(section))
      console.log(`  sm_${s.arch} ${s.kind}: ${s.entries} entries, ${s.bytes} bytes`);
    return;
  }
  if (command === 'trim' && input && output && positionals.length === 3) {
    const keep = (values.keep ?? '').split(',').map((s) => Number(s.replace(/^sm_/, '').replace(/a$/, '')));
    if (!values.keep || keep.some((n) => !Number.isInteger(n) || n <= 0))
      throw new BenchError(
        'E_USAGE',
        `--keep '${values.keep ?? ''}': expected SM numbers such as 90 or 80,90`,
        {
          hint: USAGE,
        },
      );
    const buf = readInput(input);
    const r = trimFatbin(buf, keep, input);
    writeFileSync(output, buf, { mode: 0o755 });
    console.log(
      `${output}: kept ${r.keptEntries} entries (${r.keptBytes} bytes) for sm_${keep.join(', sm_')}; zeroed ${r.zeroedEntries} entries (${r.zeroedBytes} bytes)`,
    );
    return;
  }
  throw new BenchError(
    'E_USAGE',
    `expected 'list LIB' or 'trim --keep N LIB OUT', got '${positionals.join(' ')}'`,
    {
      hint: USAGE,
    },
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runScript(main);

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultFile, writeResultFile } from '../src/results/io.js';
import type { ResultFile } from '../src/results/schema.js';
import { expectBenchError } from './bench-error.js';

function minimalFile(): ResultFile {
  return {
    schemaVersion: 2,
    createdAt: '2026-11-22T00:00:00.000Z',
    command: 'bench --model tiny_cnn',
    environment: {
      hostname: 'h',
      os: { platform: 'linux', release: '6', arch: 'x64' },
      cpu: { model: 'cpu', logicalCores: 2 },
      memoryBytes: 1,
      node: 'v20',
      tool: { name: 'h100e', version: '0.1.0' },
      packages: {},
      gpus: [],
    },
    runs: [],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'h100e-io-'));

describe('result file io', () => {
  it('round-trips a valid file and leaves no temp file behind', () => {
    const path = join(dir, 'ok.json');
    writeResultFile(path, minimalFile());
    expect(readResultFile(path)).toEqual(minimalFile());
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  it('names the file for a missing file, bad JSON and wrong shapes', () => {
    expectBenchError(
      () => readResultFile(join(dir, 'nope.json')),
      'E_FILE_NOT_FOUND',
      /nope\.json: no such file/,
    );
    writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 1,');
    expectBenchError(
      () => readResultFile(join(dir, 'bad.json')),
      'E_FILE_CORRUPT',
      /bad\.json: not valid JSON/,
    );
    writeFileSync(join(dir, 'arr.json'), '[]');
    expectBenchError(() => readResultFile(join(dir, 'arr.json')), 'E_SCHEMA', /expected a JSON object/);
    writeFileSync(join(dir, 'nover.json'), '{}');
    expectBenchError(() => readResultFile(join(dir, 'nover.json')), 'E_SCHEMA', /no "schemaVersion" field/);
  });

  it('reads a version 1 file as version 2 (version 2 only added optional fields)', () => {
    writeFileSync(join(dir, 'v1.json'), JSON.stringify({ ...minimalFile(), schemaVersion: 1 }));
    const read = readResultFile(join(dir, 'v1.json'));
    expect(read).toEqual(minimalFile());
    expect(read.schemaVersion).toBe(2);
    expect(read.ab).toBeUndefined();
  });

  it('refuses a future schema version and names the invalid field of a current one', () => {
    writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...minimalFile(), schemaVersion: 7 }));
    expectBenchError(() => readResultFile(join(dir, 'future.json')), 'E_SCHEMA', /schema version 7 is newer/);
    const broken = { ...minimalFile(), environment: { ...minimalFile().environment, hostname: 5 } };
    writeFileSync(join(dir, 'field.json'), JSON.stringify(broken));
    expectBenchError(
      () => readResultFile(join(dir, 'field.json')),
      'E_SCHEMA',
      /field "environment\.hostname"/,
    );
  });

  it('refuses to write an invalid result and keeps the old file', () => {
    const path = join(dir, 'keep.json');
    writeResultFile(path, minimalFile());
    const invalid = { ...minimalFile(), runs: [{ key: 1 }] } as unknown as ResultFile;
    expectBenchError(() => writeResultFile(path, invalid), 'E_SCHEMA', /does not validate/);
    expect(readResultFile(path).runs).toEqual([]);
  });

  it('reports an unwritable destination as a one-line error', () => {
    expectBenchError(
      () => writeResultFile(join(dir, 'no/such/dir/r.json'), minimalFile()),
      'E_UNWRITABLE',
      /cannot write/,
    );
  });
});

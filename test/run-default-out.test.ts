import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultOutPath, outNameDevice } from '../src/run/out-path.js';

describe('defaultOutPath', () => {
  it('creates a missing results folder and numbers a name already taken', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'h100e-out-')), 'results');
    const now = new Date('2026-01-02T03:04:05Z');
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    const first = defaultOutPath('cpu', { now, dir });
    expect(first).toBe(join(dir, `2026-01-02-${host}-cpu.json`));
    expect(statSync(dir).isDirectory()).toBe(true);
    writeFileSync(first, '{}');
    expect(defaultOutPath('cpu', { now, dir })).toBe(join(dir, `2026-01-02-${host}-cpu-2.json`));
    expect(existsSync(join(dir, `2026-01-02-${host}-cpu-2.json`))).toBe(false);
  });

  it('leaves a missing folder alone when asked not to create it (--dry-run)', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'h100e-out-')), 'results');
    const now = new Date('2026-01-02T03:04:05Z');
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    expect(defaultOutPath('cpu', { now, dir, create: false })).toBe(join(dir, `2026-01-02-${host}-cpu.json`));
    expect(existsSync(dir)).toBe(false);
  });

  it('names WebGPU on a CPU Vulkan driver as software, never as a GPU', () => {
    expect(
      outNameDevice({ actual: 'webgpu', probe: { device: 'webgpu', usable: true, software: true } }),
    ).toBe('webgpu-software');
    expect(
      outNameDevice({ actual: 'webgpu', probe: { device: 'webgpu', usable: true, software: false } }),
    ).toBe('webgpu');
    expect(outNameDevice({ actual: 'cuda', probe: { device: 'cuda', usable: true } })).toBe('cuda');
    expect(outNameDevice({ actual: 'cpu', probe: { device: 'cpu', usable: true } })).toBe('cpu');
  });
});

import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import {
  CATALOG_PATH,
  loadCatalog,
  lookupDevice,
  matchGpuName,
  parseCatalog,
  requireDevice,
  suggestDevices,
} from '../src/catalog/catalog.js';
import { readFileSync } from 'node:fs';

describe('accelerator catalog', () => {
  it('matches nvidia-smi names to catalog entries and reports unknown GPUs as unknown', () => {
    const cases: [string, string][] = [
      ['NVIDIA H100 80GB HBM3', 'H100 SXM'],
      ['NVIDIA H100 PCIe', 'H100 PCIe'],
      ['NVIDIA H200', 'H200 SXM'],
      ['NVIDIA H200 141GB HBM3e', 'H200 SXM'],
      ['NVIDIA A100-SXM4-80GB', 'A100 SXM 80GB'],
      ['Tesla V100-SXM2-16GB', 'V100 SXM2'],
      ['Tesla V100-SXM2-32GB', 'V100 SXM2'],
      ['Tesla T4', 'T4'],
      ['NVIDIA L4', 'L4'],
      ['NVIDIA L40S', 'L40S'],
      ['NVIDIA GeForce RTX 4090', 'RTX 4090'],
      ['NVIDIA B200', 'B200'],
      ['AMD Instinct MI300X', 'MI300X'],
      ['NVIDIA H100 80GB HBM3 MIG 1g.10gb', 'H100 SXM'],
      ['NVIDIA A100-SXM4-80GB MIG 3g.40gb', 'A100 SXM 80GB'],
      // not an exact alias: "H100 SXM5" plus words that agree with the entry (80 GB, a memory type)
      ['H100 SXM5 80GB HBM3', 'H100 SXM'],
    ];
    for (const [smi, name] of cases) expect(matchGpuName(smi)?.name, smi).toBe(name);
    expect(matchGpuName('NVIDIA GeForce GTX 1080')).toBeUndefined();
  });

  it('leaves a variant the catalog does not hold unknown instead of matching a sibling', () => {
    const unknown = [
      'NVIDIA H100 NVL', // NVL, not SXM
      'NVIDIA H100 SXM5 64GB', // 64 GB, not 80
      'NVIDIA H200 NVL',
      'NVIDIA A100-SXM4-40GB', // 40 GB, not 80
      'NVIDIA A100-PCIE-40GB',
      'NVIDIA A100 80GB PCIe', // contains the alias "NVIDIA A100 80GB", but PCIe
      'Tesla V100-PCIE-16GB',
      'Tesla V100-SXM3-32GB', // SXM3 (DGX-2), not SXM2
      'Tesla V100S-PCIE-32GB',
      'NVIDIA L40',
      'NVIDIA GeForce RTX 4090 D', // fewer SMs than the RTX 4090
      'NVIDIA GeForce RTX 4090 Laptop GPU', // another die
      'NVIDIA GH200 480GB',
    ];
    for (const smi of unknown) expect(matchGpuName(smi)?.name, smi).toBeUndefined();
  });

  it('holds the agreed dense figures of issue 5', () => {
    const h100 = lookupDevice('H100 SXM');
    expect([h100?.fp16TensorTflops, h100?.int8Tops, h100?.bandwidthGBps, h100?.tdpW]).toEqual([
      989.4, 1979, 3350, 700,
    ]);
    const hw3 = lookupDevice('HW3');
    expect([hw3?.fp16TensorTflops, hw3?.int8Tops]).toEqual([null, 144]);
    expect(lookupDevice('L40S')?.int8Tops).toBe(733);
    expect(loadCatalog().devices).toHaveLength(14);
  });

  it('refuses a figure that no source names', () => {
    const raw = JSON.parse(readFileSync(CATALOG_PATH, 'utf8')) as {
      devices: { sources: { fields: string[] }[] }[];
    };
    raw.devices[0]!.sources = [{ ...raw.devices[0]!.sources[0]!, fields: ['memoryGB'] }];
    expect(() => parseCatalog(JSON.stringify(raw), 'cat.json')).toThrow(/has a value but no source names it/);
  });

  it('suggests close names for an unknown device in a one-line error', () => {
    try {
      requireDevice('H100 SXN', 'items[0].device');
      throw new Error('expected a BenchError');
    } catch (e) {
      expect(e).toBeInstanceOf(BenchError);
      expect((e as BenchError).code).toBe('E_UNKNOWN_DEVICE');
      expect((e as BenchError).message).toMatch(
        /items\[0\]\.device: unknown device "H100 SXN" \(did you mean "H100 SXM"/,
      );
      expect((e as BenchError).message).not.toContain('\n');
    }
  });

  it('guesses nothing for a name unlike any device (the hint lists the catalog)', () => {
    expect(suggestDevices('nosuchgpu')).toEqual([]);
    expect(suggestDevices('A10O')).toContain('A100 SXM 80GB');
  });
});

/** Measured lines in `bench fleet`: a line's per-device H100e taken from a census, beside spec lines. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Census } from '../src/cluster/census.js';
import { runFleet } from '../src/fleet/fleet.js';
import { formatFleetReport } from '../src/report/fleet-text.js';
import { expectBenchError } from './bench-error.js';

/** A census of 4 GPUs on one configuration: 2.0 H100e by capacity, 3.2 by the measured method. */
function census(): Census {
  const figure = (h100e: number) => ({ h100e, devices: 4, without: 0, divisors: [] });
  return {
    censusVersion: 1,
    kind: 'h100e-cluster-census-summary',
    censusId: 'c-1',
    createdAt: '2026-01-01T00:00:00.000Z',
    dir: '/x',
    command: 'bench cluster slurm',
    runCommand: 'bench run',
    jobIds: ['7'],
    outlierPct: 10,
    partial: false,
    active: false,
    nodes: [],
    configurations: [
      {
        key: 'resnet50@abc|ort|cuda|fp16|b32|offline|c1|t0',
        model: 'resnet50',
        engine: 'ort',
        provider: 'cuda',
        precision: 'fp16',
        batch: 32,
        scenario: 'offline',
        devices: Array.from({ length: 4 }, (_, i) => ({
          node: `n${i >> 1}`,
          host: 'h',
          gpuIndex: i % 2,
          device: 'NVIDIA A100-SXM4-80GB',
          kind: 'gpu' as const,
          samplesPerS: 1000,
          capacityH100e: 0.5,
          measuredH100e: 0.8,
        })),
        groups: [],
        outliers: [],
        failed: [],
        nodesWithout: [],
        totalSamplesPerS: 4000,
        capacity: figure(2),
        measured: figure(3.2),
      },
    ],
    inventory: [],
    spec16H100e: null,
    spec8H100e: null,
    missing: {
      nodes: [],
      assumedNode: undefined,
      assumedInventory: undefined,
      spec16PerNode: null,
      spec16Total: null,
    },
    problems: [],
  };
}

function scenario(measured: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'h100e-fleet-measured-'));
  writeFileSync(join(dir, 'census.json'), JSON.stringify(census()));
  const path = join(dir, 'fleet.yaml');
  writeFileSync(
    path,
    `scenarioVersion: 1
name: Measured and spec lines
items:
  - id: lab-cluster
    label: lab cluster
${measured}
  - id: h100s
    device: H100 SXM
    count: 10
`,
  );
  return path;
}

describe('bench fleet with a measured line', () => {
  it('takes the per-device H100e from the census, labels the line measured and adds spec lines as before', () => {
    const path = scenario(`    device: NVIDIA A100-SXM4-80GB
    measured: { census: census.json, configuration: resnet50 ort/cuda fp16 batch 32 offline }`);
    const report = runFleet(path);
    const lab = report.items[0]!;
    expect(lab.measured).toBe('capacity, resnet50 ort/cuda fp16 batch 32 offline, census c-1 (census.json)');
    expect(lab.count).toBe(4);
    expect(lab.perDeviceH100e).toEqual({ low: 0.5, central: 0.5, high: 0.5 });
    expect(lab.h100e.central).toBe(2);
    // The A100's catalog TDP still gives the line's power.
    expect(lab.powerW).toBeGreaterThan(0);
    expect(report.items[1]!.measured).toBeUndefined();
    expect(report.total!.h100e.central).toBeCloseTo(2 + report.items[1]!.h100e.central, 12);
    const text = formatFleetReport(report);
    expect(text).toMatch(/lab cluster \(measured\)\s+A100 SXM 80GB\s+4\s+0\.5\s/);
    expect(text).toMatch(/lab cluster: measured H100e\/device \(capacity, resnet50/);
  });

  it('extrapolates with a count and uses the measured method when asked', () => {
    const report = runFleet(
      scenario(`    count: 100
    measured: { census: census.json, method: measured }`),
    );
    expect(report.items[0]!.perDeviceH100e.central).toBeCloseTo(0.8, 12);
    expect(report.items[0]!.h100e.central).toBeCloseTo(80, 9);
    expect(report.items[0]!.device).toBe('NVIDIA A100-SXM4-80GB');
    expect(report.items[0]!.powerW).toBeNull();
  });

  it('names the line and the configurations the census has when the configuration is not in it', () => {
    const path = scenario(`    measured: { census: census.json, configuration: resnet18 }`);
    expectBenchError(
      () => runFleet(path),
      'E_BAD_INPUT',
      /items\[0\]\.measured\.configuration: "resnet18" is not in census\.json/,
    );
    const missing = scenario(`    measured: { census: nope.json }`);
    expectBenchError(
      () => runFleet(missing),
      'E_FILE_NOT_FOUND',
      /items\[0\]\.measured\.census nope\.json: no such file/,
    );
  });
});

import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  captureEnvironment,
  installedVersion,
  packageVersions,
  physicalCoresFromCpuinfo,
} from '../src/env/environment.js';
import { EnvironmentSchema } from '../src/results/schema.js';
import { TOOL_VERSION } from '../src/core/version.js';

const tmp = mkdtempSync(join(tmpdir(), 'h100e-env-'));

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;
}

describe('physicalCoresFromCpuinfo', () => {
  it('counts distinct (physical id, core id) pairs, so SMT siblings count once', () => {
    // 2 sockets x 2 cores x 2 threads = 8 processors, 4 physical cores.
    const blocks: string[] = [];
    let p = 0;
    for (const socket of [0, 1])
      for (const core of [0, 1])
        for (let t = 0; t < 2; t++)
          blocks.push(`processor\t: ${p++}\nphysical id\t: ${socket}\ncore id\t\t: ${core}\n`);
    expect(physicalCoresFromCpuinfo(blocks.join('\n'))).toBe(4);
  });

  it('is undefined when the text has no topology', () => {
    expect(
      physicalCoresFromCpuinfo('processor\t: 0\nmodel name\t: Some ARM\n\nprocessor\t: 1\n'),
    ).toBeUndefined();
  });
});

describe('package versions', () => {
  it('reads installed versions from node_modules, including packages with an exports map', () => {
    expect(installedVersion('onnxruntime-node')).toBe(versionOf('onnxruntime-node'));
    expect(installedVersion('onnxruntime-common')).toBe(versionOf('onnxruntime-common'));
    expect(installedVersion('h100e-no-such-package')).toBeUndefined();
    const v = packageVersions(['@tensorflow/tfjs', 'h100e-no-such-package']);
    expect(v).toEqual({ '@tensorflow/tfjs': versionOf('@tensorflow/tfjs') });
  });
});

describe('captureEnvironment', () => {
  it('fits the result schema and is fast without nvidia-smi', async () => {
    const env = { ...process.env, PATH: mkdtempSync(join(tmp, 'empty-')) };
    await captureEnvironment({ nvidiaSmi: { env } }); // warm the git-commit cache like a real run does
    const t0 = performance.now();
    const e = await captureEnvironment({ nvidiaSmi: { env } });
    const ms = performance.now() - t0;
    expect(EnvironmentSchema.safeParse(e).success).toBe(true);
    expect(ms).toBeLessThan(200);
    expect(e.gpus).toEqual([]);
    expect(e.cpu.logicalCores).toBe(cpus().length);
    expect(e.node).toBe(process.version);
    expect(e.tool).toMatchObject({ name: 'h100e', version: TOOL_VERSION });
    expect(e.packages['onnxruntime-node']).toBe(versionOf('onnxruntime-node'));
    expect(e.packages['onnxruntime-common']).toBe(versionOf('onnxruntime-common'));
  });

  it('records GPUs from nvidia-smi', async () => {
    const dir = mkdtempSync(join(tmp, 'bin-'));
    // Fake nvidia-smi answering in the documented CSV layout (sample text, not a measurement).
    writeFileSync(
      join(dir, 'nvidia-smi'),
      '#!/bin/sh\nif [ "$#" -eq 0 ]; then echo "| NVIDIA-SMI 560.35.03   Driver Version: 560.35.03   CUDA Version: 12.6 |"; exit 0; fi\n' +
        'echo "0, NVIDIA H100 80GB HBM3, GPU-1, 560.35.03, 81559, 1980, 2619, 700.00"\n',
    );
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
    const e = await captureEnvironment({
      nvidiaSmi: { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } },
    });
    expect(e.gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        uuid: 'GPU-1',
        driverVersion: '560.35.03',
        cudaVersion: '12.6',
        memoryTotalMiB: 81559,
        smClockMaxMHz: 1980,
        memClockMaxMHz: 2619,
        powerLimitW: 700,
      },
    ]);
    expect(EnvironmentSchema.safeParse(e).success).toBe(true);
  });
});

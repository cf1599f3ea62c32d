import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpuInfoSchema } from '../src/results/schema.js';
import { fakeNvidiaSmi } from './fake-nvidia-smi.js';
import {
  findOnPath,
  GPU_QUERY_ARGS,
  GPU_QUERY_ARGS_NO_MIG,
  parseCudaVersion,
  parseGpuCsv,
  probeNvidiaSmi,
  queryGpus,
} from '../src/env/nvidia-smi.js';

// Sample text in nvidia-smi's documented `--format=csv,noheader,nounits` layout for the fields in
// GPU_QUERY_FIELDS (index, name, uuid, driver_version, memory.total [MiB], clocks.max.sm [MHz],
// clocks.max.mem [MHz], power.limit [W], mig.mode.current). Written for the parser test; not a measurement.
const SAMPLE_CSV = [
  '0, NVIDIA H100 80GB HBM3, GPU-0a1b2c3d-0000-1111-2222-333344445555, 550.54.15, 81559, 1980, 2619, 700.00, Enabled',
  '1, NVIDIA A10G, GPU-99999999-8888-7777-6666-555544443333, 550.54.15, 23028, 1710, 6251, [N/A], [N/A]',
  '2, Tesla T4, [Not Supported], [N/A], 15360, [Not Supported], 5001, 70.00, [N/A]',
  '',
].join('\n');

// Sample header of plain `nvidia-smi` (documented layout), trimmed to the line the parser reads.
const SAMPLE_HEADER = `+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+`;

const tmp = mkdtempSync(join(tmpdir(), 'h100e-smi-'));

const fakeSmi = (body: string): string => fakeNvidiaSmi(tmp, body);

describe('parseGpuCsv', () => {
  it('reads every field and drops [N/A] / [Not Supported] cells', () => {
    const gpus = parseGpuCsv(SAMPLE_CSV);
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA H100 80GB HBM3',
        uuid: 'GPU-0a1b2c3d-0000-1111-2222-333344445555',
        driverVersion: '550.54.15',
        memoryTotalMiB: 81559,
        smClockMaxMHz: 1980,
        memClockMaxMHz: 2619,
        powerLimitW: 700,
        migEnabled: true,
      },
      {
        index: 1,
        name: 'NVIDIA A10G',
        uuid: 'GPU-99999999-8888-7777-6666-555544443333',
        driverVersion: '550.54.15',
        memoryTotalMiB: 23028,
        smClockMaxMHz: 1710,
        memClockMaxMHz: 6251,
      },
      { index: 2, name: 'Tesla T4', memoryTotalMiB: 15360, memClockMaxMHz: 5001, powerLimitW: 70 },
    ]);
    for (const g of gpus) expect(GpuInfoSchema.safeParse(g).success).toBe(true);
  });

  it('skips warning lines and CRLF endings', () => {
    const text =
      'WARNING: infoROM is corrupted at gpu 0000:00:04.0\r\n0, NVIDIA L4, GPU-x, 535.1, 23034, 2040, 6251, 72.00\r\n';
    expect(parseGpuCsv(text)).toEqual([
      {
        index: 0,
        name: 'NVIDIA L4',
        uuid: 'GPU-x',
        driverVersion: '535.1',
        memoryTotalMiB: 23034,
        smClockMaxMHz: 2040,
        memClockMaxMHz: 6251,
        powerLimitW: 72,
      },
    ]);
  });

  it('reads the CUDA version from the header', () => {
    expect(parseCudaVersion(SAMPLE_HEADER)).toBe('12.4');
    expect(parseCudaVersion('no header here')).toBeUndefined();
  });
});

describe('probeNvidiaSmi with a fake binary on PATH', () => {
  it('returns [] quickly when nvidia-smi is absent', async () => {
    const env = { ...process.env, PATH: mkdtempSync(join(tmp, 'empty-')) };
    const t0 = performance.now();
    expect(await queryGpus({ env })).toEqual([]);
    const probe = await probeNvidiaSmi({ env });
    expect(probe).toEqual({ available: false, gpus: [], error: 'nvidia-smi not found on PATH' });
    // No process is spawned: a PATH walk only.
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('passes the documented query arguments and attaches the header CUDA version', async () => {
    const argsFile = join(tmp, 'args.txt');
    const dir = fakeSmi(
      `if [ "$#" -eq 0 ]; then cat <<'EOF'\n${SAMPLE_HEADER}\nEOF\nexit 0; fi\necho "$@" >> ${argsFile}\ncat <<'EOF'\n${SAMPLE_CSV}EOF`,
    );
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
    expect(findOnPath('nvidia-smi', env.PATH)).toBe(join(dir, 'nvidia-smi'));
    const probe = await probeNvidiaSmi({ env });
    expect(probe.available).toBe(true);
    expect(probe.cudaVersion).toBe('12.4');
    expect(probe.gpus.map((g) => [g.index, g.name, g.cudaVersion])).toEqual([
      [0, 'NVIDIA H100 80GB HBM3', '12.4'],
      [1, 'NVIDIA A10G', '12.4'],
      [2, 'Tesla T4', '12.4'],
    ]);
    expect(readFileSync(argsFile, 'utf8').trim()).toBe(GPU_QUERY_ARGS.join(' '));
  });

  it('asks again without MIG mode when an old driver refuses the field', async () => {
    const argsFile = join(tmp, 'args-old.txt');
    const dir = fakeSmi(
      `if [ "$#" -eq 0 ]; then exit 0; fi\necho "$@" >> ${argsFile}\ncase "$*" in *mig.mode.current*) echo 'Field "mig.mode.current" is not a valid field to query.'; exit 2 ;; esac\necho '0, Tesla V100-SXM2-16GB, GPU-v, 418.87, 16160, 1530, 877, 300.00'`,
    );
    const gpus = await queryGpus({ env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } });
    expect(gpus.map((g) => [g.name, g.powerLimitW, g.migEnabled])).toEqual([
      ['Tesla V100-SXM2-16GB', 300, undefined],
    ]);
    expect(readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual([
      GPU_QUERY_ARGS.join(' '),
      GPU_QUERY_ARGS_NO_MIG.join(' '),
    ]);
  });

  it('reports the driver failure nvidia-smi prints, with no GPUs', async () => {
    const dir = fakeSmi(
      `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running."\nexit 9`,
    );
    const probe = await probeNvidiaSmi({ env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } });
    expect(probe.available).toBe(false);
    expect(probe.gpus).toEqual([]);
    expect(probe.error).toMatch(
      /^NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/,
    );
  });
});

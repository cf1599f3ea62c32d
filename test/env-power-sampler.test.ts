import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PowerSchema } from '../src/results/schema.js';
import {
  parsePowerLine,
  parsePowerText,
  samplesPerJoule,
  startPowerSampler,
  summarizePower,
} from '../src/env/power-sampler.js';

const tmp = mkdtempSync(join(tmpdir(), 'h100e-power-'));

// Sample text in the documented `--query-gpu=power.draw,memory.used --format=csv,noheader,nounits`
// layout (watts, MiB), one line per -lms interval. Written for the test; not a measurement.
const SAMPLE = ['70.00, 1200', '310.50, 4096', '[N/A], 4100', '305.50, 4050', 'garbage', ''].join('\n');

describe('power parsing', () => {
  it('parses lines and ignores noise', () => {
    expect(parsePowerLine('70.00, 1200')).toEqual({ powerW: 70, memoryUsedMiB: 1200 });
    expect(parsePowerLine('[N/A], 4100')).toEqual({ memoryUsedMiB: 4100 });
    expect(parsePowerLine('[Not Supported], [N/A]')).toBeNull();
    expect(parsePowerLine('garbage')).toBeNull();
  });

  it('averages the readings that carry power', () => {
    // power readings 70, 310.5, 305.5 -> mean 686 / 3 = 228.666..., max 310.5; memory max 4100 (from the N/A line)
    const s = summarizePower(parsePowerText(SAMPLE));
    expect(s).not.toBeNull();
    expect(s!.readings).toBe(3);
    expect(s!.avgW).toBeCloseTo(686 / 3, 12);
    expect(s!.maxW).toBe(310.5);
    expect(s!.maxMemoryUsedMiB).toBe(4100);
    expect(summarizePower(parsePowerText('[N/A], [N/A]\n'))).toBeNull();
  });

  it('gives images per joule', () => {
    // 1000 images/s at 250 W (J/s) = 4 images/J
    expect(samplesPerJoule(1000, 250)).toBe(4);
    expect(samplesPerJoule(1000, 0)).toBe(0);
    expect(PowerSchema.safeParse({ avgW: 250, maxW: 300, readings: 3, samplesPerJoule: 4 }).success).toBe(
      true,
    );
  });
});

describe('startPowerSampler', () => {
  it('is an inactive no-op without nvidia-smi', async () => {
    const sampler = startPowerSampler(0, 100, {
      env: { ...process.env, PATH: mkdtempSync(join(tmp, 'empty-')) },
    });
    expect(sampler.active).toBe(false);
    expect(await sampler.stop()).toBeNull();
  });

  it('runs nvidia-smi -lms in the background and summarizes its stream', async () => {
    const dir = mkdtempSync(join(tmp, 'bin-'));
    const argsFile = join(dir, 'args.txt');
    // Fake nvidia-smi: records its arguments, prints 3 readings at once, then one every 20 ms until killed.
    writeFileSync(
      join(dir, 'nvidia-smi'),
      `#!/bin/sh\necho "$@" > ${argsFile}\nprintf '100.00, 1000\\n200.00, 3000\\n300.00, 2000\\n'\nwhile true; do echo "200.00, 2500"; sleep 0.02; done\n`,
    );
    chmodSync(join(dir, 'nvidia-smi'), 0o755);
    const sampler = startPowerSampler(3, 50, {
      env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` },
    });
    expect(sampler.active).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const s = await sampler.stop();
    expect(readFileSync(argsFile, 'utf8').trim()).toBe(
      '--query-gpu=power.draw,memory.used --format=csv,noheader,nounits -lms 50 -i 3',
    );
    expect(s).not.toBeNull();
    // First three readings 100, 200, 300 then n >= 1 readings of 200: mean = (600 + 200n) / (3 + n) = 200 exactly.
    expect(s!.readings).toBeGreaterThanOrEqual(4);
    expect(s!.avgW).toBe(200);
    expect(s!.maxW).toBe(300);
    expect(s!.maxMemoryUsedMiB).toBe(3000);
  });
});

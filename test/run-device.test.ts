import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceProbe, Engine } from '../src/engines/engine.js';
import type { DeviceKind } from '../src/results/schema.js';
import { chooseDevice, type DeviceChoice } from '../src/run/device.js';
import { deviceWarnings } from '../src/run/run.js';
import { softwareVulkanOnly } from '../src/env/vulkan.js';
import { syntheticEnv } from './synthetic.js';

/** An engine whose probes are scripted; only probe() is used by chooseDevice. */
function engineWith(probes: Partial<Record<DeviceKind, Partial<DeviceProbe>>>): Engine {
  return {
    name: 'ort',
    version: 'test',
    probe: async (device) => ({ device, usable: false, reason: `${device} absent`, ...probes[device] }),
    load: () => Promise.reject(new Error('not used')),
  };
}

describe('software Vulkan detection', () => {
  it('names lavapipe or SwiftShader only when no NVIDIA manifest and no render node exist', () => {
    const lvp = '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';
    expect(softwareVulkanOnly([lvp, '/usr/share/vulkan/icd.d/intel_icd.x86_64.json'], [])).toBe('lavapipe');
    expect(softwareVulkanOnly(['/x/vk_swiftshader_icd.json'], [])).toBe('SwiftShader');
    expect(softwareVulkanOnly([lvp, '/etc/vulkan/icd.d/nvidia_icd.json'], [])).toBeUndefined();
    expect(softwareVulkanOnly([lvp], ['renderD128'])).toBeUndefined();
    expect(softwareVulkanOnly(['/etc/vulkan/icd.d/nvidia_icd.json'], [])).toBeUndefined();
    expect(softwareVulkanOnly([], [])).toBeUndefined();
  });

  it('reads the driver library a manifest names, whatever the manifest is called', () => {
    const dir = mkdtempSync(join(tmpdir(), 'h100e-icd-'));
    const manifest = join(dir, 'custom.json');
    writeFileSync(
      manifest,
      JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: '/opt/mesa/libvulkan_lvp.so' } }),
    );
    expect(softwareVulkanOnly([manifest], [])).toBe('lavapipe');
    writeFileSync(manifest, JSON.stringify({ ICD: { library_path: 'libGLX_nvidia.so.0' } }));
    expect(softwareVulkanOnly([manifest], [])).toBeUndefined();
  });
});

describe('device choice', () => {
  const cpu = { usable: true, deviceName: 'Test CPU' };
  const softwareWebgpu = {
    usable: true,
    software: true,
    deviceName: 'software Vulkan (lavapipe) on the CPU',
  };

  it('auto takes the first usable device and skips software WebGPU', async () => {
    const choice = await chooseDevice(engineWith({ cpu, webgpu: softwareWebgpu }), 'auto', true);
    expect(choice.actual).toBe('cpu');
    expect(choice.fallbackReason).toBe(
      'auto: cuda not usable: cuda absent; webgpu runs only on software Vulkan (lavapipe) on the CPU',
    );
    expect(choice.notice).toBe(
      'device auto: using cpu (cuda not usable here; webgpu only on a CPU driver, skipped: see `bench doctor`)',
    );
    expect((await chooseDevice(engineWith({ cpu, cuda: { usable: true } }), 'auto', true)).actual).toBe(
      'cuda',
    );
  });

  it('runs an explicit software WebGPU request but says the figures are CPU figures', async () => {
    const choice = await chooseDevice(engineWith({ cpu, webgpu: softwareWebgpu }), 'webgpu', true);
    expect(choice.actual).toBe('webgpu');
    expect(choice.notice).toMatch(/runs on software Vulkan .* these are CPU figures, not GPU ones/);
  });

  it('falls back to CPU with the reason, or fails with exit code 3 and the remedy', async () => {
    const engine = engineWith({ cpu, cuda: { reason: 'no driver', remedy: 'install the driver' } });
    const fallback = await chooseDevice(engine, 'cuda', true);
    expect(fallback).toMatchObject({
      requested: 'cuda',
      actual: 'cpu',
      fallbackReason: 'cuda not usable: no driver',
    });
    await expect(chooseDevice(engine, 'cuda', false)).rejects.toMatchObject({
      code: 'E_DEVICE_UNAVAILABLE',
      exitCode: 3,
      message: '--device cuda: no driver',
      hint: 'install the driver',
    });
  });
});

describe('device warnings every run carries', () => {
  const h100 = (index: number) => ({ index, name: 'NVIDIA H100 80GB HBM3' });
  const envWith = (gpus: { index: number; name: string }[]) => ({ ...syntheticEnv('gpu-host'), gpus });
  const webgpu: DeviceChoice = {
    requested: 'webgpu',
    actual: 'webgpu',
    probe: { device: 'webgpu', usable: true },
  };

  it('WebGPU on a machine of several GPUs says which one the run is labelled with, and why it cannot know', () => {
    expect(deviceWarnings(webgpu, envWith([h100(0), h100(1)]), 0)).toEqual([
      {
        code: 'W_WEBGPU_ADAPTER',
        message:
          'this machine has 2 GPUs and onnxruntime does not say which one its WebGPU provider chose: the run is labelled GPU 0 (NVIDIA H100 80GB HBM3), whose power and memory it records',
        advice:
          'measure on one visible GPU (in a container, expose only that one), or use --device cuda, which takes a device id',
      },
    ]);
    // One GPU: nothing to doubt. CUDA takes the device id: nothing to doubt either.
    expect(deviceWarnings(webgpu, envWith([h100(0)]), 0)).toEqual([]);
    const cuda: DeviceChoice = { requested: 'cuda', actual: 'cuda', probe: { device: 'cuda', usable: true } };
    expect(deviceWarnings(cuda, envWith([h100(0), h100(1)]), 1)).toEqual([]);
  });

  it('a requested GPU that fell back, and a software adapter, say their figures are CPU figures', () => {
    const fellBack: DeviceChoice = {
      requested: 'cuda',
      actual: 'cpu',
      probe: { device: 'cpu', usable: true },
      fallbackReason: 'cuda absent',
    };
    expect(deviceWarnings(fellBack, envWith([]), 0).map((w) => w.code)).toEqual(['W_CPU_FALLBACK']);
    const lavapipe: DeviceChoice = { ...webgpu, probe: { device: 'webgpu', usable: true, software: true } };
    expect(deviceWarnings(lavapipe, envWith([h100(0), h100(1)]), 0).map((w) => w.code)).toEqual([
      'W_SOFTWARE_DEVICE',
    ]);
    // auto choosing the CPU is what the user asked for: no warning.
    expect(deviceWarnings({ ...fellBack, requested: 'auto' }, envWith([]), 0)).toEqual([]);
  });
});

import { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { register } from '../src/cli/doctor.js';
import { runDoctor, type DoctorReport } from '../src/doctor/doctor.js';
import { formatDoctorReport } from '../src/report/doctor-text.js';
import { wasmThreadsNote } from '../src/doctor/tfjs-backends.js';
import { defaultWasmThreads } from '../src/engines/tfjs-wasm-threads.js';
import { nativeNotes, tidyOrtError } from '../src/engines/provider-trial.js';
import { probeLibraries } from '../src/env/shared-libs.js';
import { physicalCores } from '../src/env/environment.js';
import { EnvironmentSchema } from '../src/results/schema.js';

describe('ORT message tidying', () => {
  it('keeps the end of a failed ORT check and the native loader lines', () => {
    expect(
      tidyOrtError(
        '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(...) adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n',
      ),
    ).toBe('Failed to get a WebGPU adapter: No supported adapters');
    // Sample of Dawn's stderr when the Vulkan loader is absent (copied from a run on this machine's setup).
    const stderr =
      "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory\n    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)\n";
    expect(nativeNotes(stderr)).toEqual([
      "Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory",
    ]);
  });
});

describe('runDoctor on this machine', () => {
  const noSmi = { env: { ...process.env, PATH: mkdtempSync(join(tmpdir(), 'h100e-doc-')) } };
  let report: DoctorReport;

  it('runs the CPU provider for real and explains every other one', async () => {
    report = await runDoctor({ nvidiaSmi: noSmi, skipTfjs: true, trialTimeoutMs: 60_000 });
    expect(EnvironmentSchema.safeParse(report.environment).success).toBe(true);
    const byDevice = Object.fromEntries(report.ort.providers.map((p) => [p.device, p]));
    expect(Object.keys(byDevice)).toEqual(['cpu', 'webgpu', 'cuda', 'tensorrt']);
    expect(byDevice.cpu).toMatchObject({
      usable: true,
      method: 'session',
      deviceName: report.environment.cpu.model,
    });
    expect(report.nvidiaSmi).toMatchObject({ available: false, gpus: [] });
    for (const p of report.ort.providers) {
      if (p.usable) continue;
      expect(p.reason, p.device).toBeTruthy();
      expect(p.remedy, p.device).toBeTruthy();
      expect(p.reason).not.toContain('\n');
    }
    const driver = probeLibraries(['libcuda.so.1'])[0]!;
    if (!driver.loadable) {
      expect(byDevice.cuda).toMatchObject({ usable: false, method: 'libraries' });
      expect(byDevice.cuda!.reason).toContain('libcuda.so.1');
      expect(byDevice.tensorrt!.usable).toBe(false);
    }
    if (!report.vulkan.loader.present) {
      // Without the Vulkan loader Dawn finds no adapter; the doctor says so and why.
      expect(byDevice.webgpu).toMatchObject({ usable: false, method: 'session' });
      expect(byDevice.webgpu!.reason).toMatch(/adapter/i);
      expect(byDevice.webgpu!.reason).toContain('libvulkan.so.1 is not installed');
      expect(byDevice.webgpu!.remedy).toContain('apt-get install libvulkan1');
    }
  });

  it('renders one verdict line per check with why/fix under each "no"', () => {
    const text = formatDoctorReport(report);
    expect(text).toContain(`  ok  cpu — ${report.environment.cpu.model} (ran the probe model)`);
    const noLines = text.split('\n').filter((l) => l.startsWith('  no  '));
    const whyLines = text.split('\n').filter((l) => l.startsWith('        why: '));
    expect(whyLines.length).toBe(noLines.length);
    expect(text).toContain('why: nvidia-smi not found on PATH');
  });

  it('says under a usable wasm backend how many threads it runs here', () => {
    const note = wasmThreadsNote();
    const n = defaultWasmThreads();
    expect(note).toBe(
      `multi-threaded: ${n} thread${n === 1 ? '' : 's'} by default here (${physicalCores() !== undefined ? 'one per physical core' : 'half the logical cores'}), --threads up to 8`,
    );
    const wasm = { backend: 'wasm' as const, package: '@tensorflow/tfjs-backend-wasm', version: '4.22.0' };
    const text = formatDoctorReport({ ...report, tfjs: [{ ...wasm, usable: true, notes: [note] }] });
    expect(text).toContain(`  ok  wasm (@tensorflow/tfjs-backend-wasm 4.22.0)\n        note: ${note}\n`);
  });
});

describe('bench doctor command', () => {
  it('prints the report as JSON with --json and validates --timeout', async () => {
    const program = new Command('bench').exitOverride();
    register(program);
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await program.parseAsync(['node', 'bench', 'doctor', '--json', '--no-tfjs']);
    } finally {
      spy.mockRestore();
    }
    const parsed = JSON.parse(out.join('')) as DoctorReport;
    expect(parsed.ort.providers.find((p) => p.device === 'cpu')?.usable).toBe(true);
    expect(parsed.tfjs).toEqual([]);
    await expect(program.parseAsync(['node', 'bench', 'doctor', '--timeout', 'soon'])).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining('--timeout'),
    });
  });
});

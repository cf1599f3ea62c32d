/**
 * The WebGPU path end to end on a real adapter: onnxruntime-node's WebGPU provider on lavapipe, Mesa's
 * CPU Vulkan driver, unpacked by `bash bench/device/lavapipe.sh` into .vulkan/ (or H100E_VULKAN_DIR).
 * Figures from it are CPU figures, so only correctness and labelling are checked, never speed.
 *
 * Every check runs in a child process: the loader and driver are found through LD_LIBRARY_PATH and
 * VK_ICD_FILENAMES, which a process reads when it starts, and the rest of the suite must keep seeing
 * this machine as it is (no Vulkan). Skipped when no unpacked lavapipe exists, unless
 * H100E_REQUIRE_WEBGPU=1 (set by .ci/run after it unpacked one), which turns that into a failure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodeChild } from '../src/engines/node-child.js';
import { readResultFile } from '../src/results/io.js';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { runCommand, type CommandResult } from './run-command.js';
import { LAVAPIPE_ICD, LAVAPIPE_PRESENT, LAVAPIPE_REQUIRED, lavapipeEnv } from './lavapipe.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-webgpu-'));
const env = lavapipeEnv();

function bench(args: string[]): Promise<CommandResult> {
  return runCommand(process.execPath, [CLI, ...args], { timeoutMs: 300_000, env });
}

describe('webgpu on lavapipe', () => {
  it.runIf(!LAVAPIPE_PRESENT && LAVAPIPE_REQUIRED)('has lavapipe unpacked (H100E_REQUIRE_WEBGPU=1)', () => {
    expect.fail(`no ${LAVAPIPE_ICD}: run \`bash bench/device/lavapipe.sh\` first`);
  });
});

// Without lavapipe these are reported as skipped under their own names (`bash bench/device/lavapipe.sh`
// unpacks it); .ci/run unpacks it and sets H100E_REQUIRE_WEBGPU=1, so there a skip is the failure above.
describe.skipIf(!LAVAPIPE_PRESENT)('webgpu on lavapipe', () => {
  it('doctor finds the adapter, runs the probe model and names it a software adapter', async () => {
    const r = await bench(['doctor', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      ort: { providers: { device: string; usable: boolean; software?: boolean; deviceName?: string }[] };
      vulkan: { usable: boolean; icds: string[] };
    };
    expect(report.vulkan).toMatchObject({ usable: true, icds: [LAVAPIPE_ICD] });
    const webgpu = report.ort.providers.find((p) => p.device === 'webgpu');
    expect(webgpu).toMatchObject({
      usable: true,
      software: true,
      deviceName: 'software Vulkan (lavapipe) on the CPU',
    });
  }, 120_000);

  it('computes the logits the CPU provider computes, also with --transfer exclude', async () => {
    // relErr = max|webgpu - cpu| / max|cpu| over all logits of a batch of 2, same weights and inputs.
    const source = `
        import { createOrtEngine } from './dist/src/engines/ort.js';
        import { zooModelPath } from './dist/models/cache.js';
        const engine = createOrtEngine();
        const out = {};
        for (const name of ['squeezenet1_1', 'mobilenet_v3_small']) {
          const modelPath = zooModelPath(name, { precision: 'fp32' });
          const x = new Float32Array(2 * 3 * 224 * 224);
          for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
          const logits = {};
          for (const [label, device, transfer] of [['cpu', 'cpu', 'include'], ['webgpu', 'webgpu', 'include'], ['exclude', 'webgpu', 'exclude']]) {
            const m = await engine.load({ modelPath, device, precision: 'fp32', threads: 0, transfer });
            await m.bind(new Map([[m.inputs[0].name, { dtype: 'float32', shape: [2, 3, 224, 224], data: x }]]));
            const y = [...(await m.runAndRead()).values()][0];
            logits[label] = { data: Array.from(y.data), shape: y.shape, transfer: m.transfer ?? transfer, warnings: m.warnings ?? [] };
            await m.dispose();
          }
          out[name] = logits;
        }
        console.log(JSON.stringify(out));
      `;
    const outcome = await runNodeChild(source, { timeoutMs: 300_000, env });
    expect(outcome.exit, outcome.stderr).toBe(0);
    type Logits = { data: number[]; shape: number[]; transfer: string; warnings: string[] };
    const result = outcome.result as Record<string, Record<'cpu' | 'webgpu' | 'exclude', Logits>>;
    for (const [name, r] of Object.entries(result)) {
      const scale = Math.max(...r.cpu.data.map(Math.abs));
      for (const label of ['webgpu', 'exclude'] as const) {
        expect(r[label].shape, `${name} ${label}`).toEqual([2, 1000]);
        const diff = Math.max(...r[label].data.map((v, i) => Math.abs(v - r.cpu.data[i]!)));
        expect(diff / scale, `${name} ${label} relErr`).toBeLessThan(1e-3);
      }
      // Outputs cannot stay on the GPU with onnxruntime-node (see bench/perf/webgpu-gpu-buffer.ts): the model says so.
      expect(r.exclude.transfer).toBe('include');
      expect(r.exclude.warnings.join('\n')).toMatch(/--transfer exclude is not available on webgpu/);
    }
    expect(Object.keys(result)).toEqual(['squeezenet1_1', 'mobilenet_v3_small']);
  }, 300_000);

  it('runs the fp16 build and stays within fp16 rounding of the fp32 CPU logits', async () => {
    // The H100 campaign's fp16 WebGPU files rest on this: fp16 weights and inputs on a GPU provider.
    const source = `
        import { createOrtEngine } from './dist/src/engines/ort.js';
        import { float32ArrayToFloat16 } from './dist/src/graph/fp16.js';
        import { zooModelPath } from './dist/models/cache.js';
        const engine = createOrtEngine();
        const x = new Float32Array(2 * 3 * 224 * 224);
        for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
        const out = {};
        for (const [device, precision] of [['cpu', 'fp32'], ['webgpu', 'fp16']]) {
          const modelPath = zooModelPath('squeezenet1_1', { precision });
          const m = await engine.load({ modelPath, device, precision, threads: 0, transfer: 'include' });
          const input = m.inputs[0];
          const data = input.dtype === 'float16' ? float32ArrayToFloat16(x) : x;
          await m.bind(new Map([[input.name, { dtype: input.dtype, shape: [2, 3, 224, 224], data }]]));
          const y = [...(await m.runAndRead()).values()][0];
          out[precision] = { dtype: input.dtype, data: Array.from(y.data) };
          await m.dispose();
        }
        console.log(JSON.stringify(out));
      `;
    const outcome = await runNodeChild(source, { timeoutMs: 300_000, env });
    expect(outcome.exit, outcome.stderr).toBe(0);
    const r = outcome.result as Record<'fp32' | 'fp16', { dtype: string; data: number[] }>;
    expect([r.fp32.dtype, r.fp16.dtype]).toEqual(['float32', 'float16']);
    const scale = Math.max(...r.fp32.data.map(Math.abs));
    const diff = Math.max(...r.fp16.data.map((v, i) => Math.abs(v - r.fp32.data[i]!)));
    // fp16 keeps 11 significant bits (2^-11 ≈ 4.9e-4 per rounding); 26 layers of rounding stay well under 1e-2.
    expect(diff / scale).toBeLessThan(1e-2);
    expect(diff).toBeGreaterThan(0); // the fp16 weights and inputs were really rounded
  }, 300_000);

  it('bench run --device webgpu measures on it and labels the figures as CPU figures', async () => {
    const out = join(dir, 'webgpu.json');
    const r = await bench([
        '--device', 'webgpu', '--model', 'squeezenet1_1', '--batch', '1', '--transfer', 'exclude',
        '--duration', '0.2', '--max-duration', '2', '--min-iterations', '3', '--warmup', '1', '--out', out,
      ]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/software Vulkan \(lavapipe\) on the CPU: these are CPU figures, not GPU ones/);
    const file = await readResultFile(out);
    const run = file.runs[0]!;
    expect(run.status).toBe('ok');
    expect(run.device).toMatchObject({
      requested: 'webgpu',
      actual: 'webgpu',
      name: 'software Vulkan (lavapipe) on the CPU',
      software: true,
    });
    expect(run.device.gpuIndex).toBeUndefined();
    expect(run.engine.provider).toBe('webgpu');
    expect(run.engine.providerOptions).toMatchObject({
      preferredLayout: 'NHWC',
      preferredOutputLocation: 'cpu',
    });
    expect(run.config.transfer).toBe('include');
    expect(run.config.requestedTransfer).toBe('exclude');
    expect(run.warnings.map((w) => w.message).join('\n')).toMatch(/--transfer exclude is not available/);
    // bench estimate judges it against this machine's CPU, not as an unknown GPU.
    const est = await bench(['estimate', out, '--json']);
    expect(est.code, est.stderr).toBe(0);
    expect(est.stdout).toContain('emulated in software');
    expect(est.stdout).not.toContain('unknown GPU');
  }, 300_000);

  it('--ep-option sets the WebGPU provider layout and validation, and the run records them', async () => {
    const out = join(dir, 'webgpu-nchw.json');
    const r = await bench([
        '--device', 'webgpu', '--model', 'squeezenet1_1', '--batch', '1', '--ep-option', 'webgpu.preferredLayout=NCHW',
        '--ep-option', 'webgpu.validationMode=wgpuOnly', '--duration', '0.2', '--max-duration', '2',
        '--min-iterations', '3', '--warmup', '1', '--out', out,
      ]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const run = (await readResultFile(out)).runs[0]!;
    expect(run.status).toBe('ok');
    expect(run.engine.providerOptions).toMatchObject({
      preferredLayout: 'NCHW',
      validationMode: 'wgpuOnly',
      graphOptimizationLevel: 'all',
    });
  }, 300_000);

  it('--device auto does not pick the software adapter', async () => {
    const out = join(dir, 'auto.json');
    const r = await bench(['--model', 'squeezenet1_1', '--duration', '0.2', '--max-duration', '1', '--min-iterations', '3', '--warmup', '1', '--out', out]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    const run = (await readResultFile(out)).runs[0]!;
    expect(run.device.actual).toBe('cpu');
    expect(run.device.fallbackReason).toMatch(/webgpu runs only on software Vulkan \(lavapipe\) on the CPU/);
  }, 300_000);
});

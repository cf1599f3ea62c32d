/** `--ep-option NAME=VALUE`: parsing, what a run records, and what --resume compares. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrtEngine } from '../src/engines/ort.js';
import { appliedSettings, parseOrtOptions, recordedSettings } from '../src/engines/ort-options.js';
import { GraphBuilder } from '../src/graph/builder.js';
import { emitOnnx } from '../src/graph/onnx-emit.js';
import { parseRunOptions, type RunOptionsInput } from '../src/run/options.js';
import { runBenchmarks } from '../src/run/run.js';
import { expectBenchError } from './bench-error.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-ep-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseOrtOptions', () => {
  it('types each value and splits session from provider settings', () => {
    expect(
      parseOrtOptions(
        [
          'session.graphOptimizationLevel=basic',
          'session.enableCpuMemArena=false',
          'webgpu.preferredLayout=NCHW',
          'webgpu.validationMode=wgpuOnly',
          'webgpu.preferredLayout=NCHW', // the same twice is harmless
        ],
        'ort',
        'webgpu',
      ),
    ).toEqual({
      session: { graphOptimizationLevel: 'basic', enableCpuMemArena: false },
      webgpu: { preferredLayout: 'NCHW', validationMode: 'wgpuOnly' },
      config: {},
    });
    expect(parseOrtOptions([], 'tfjs', 'auto')).toEqual({ session: {}, webgpu: {}, config: {} });
  });

  it('takes session config entries by onnxruntime key, as strings', () => {
    expect(
      parseOrtOptions(
        [
          'config.session.intra_op.allow_spinning=0',
          'config.session.disable_cpu_ep_fallback=1',
          'config.session.dynamic_block_base=4',
        ],
        'ort',
        'cuda',
      ),
    ).toEqual({
      session: {},
      webgpu: {},
      config: {
        'session.intra_op.allow_spinning': '0',
        'session.disable_cpu_ep_fallback': '1',
        'session.dynamic_block_base': '4',
      },
    });
  });

  it.each([
    [
      ['session.graphOptimisationLevel=all'],
      'ort',
      'cpu',
      /unknown option session\.graphOptimisationLevel \(did you mean session\.graphOptimizationLevel\?\)$/,
    ],
    [
      ['session.graphOptimizationLevel'],
      'ort',
      'cpu',
      /^--ep-option 'session\.graphOptimizationLevel': =VALUE is missing \(session\.graphOptimizationLevel takes one of disabled, basic, extended, layout, all\)$/,
    ],
    [['session.enableMemPattern=yes'], 'ort', 'cpu', /takes one of true, false$/],
    [
      ['webgpu.preferredLayout=NCHW'],
      'ort',
      'auto',
      /^--ep-option webgpu\.preferredLayout applies to --device webgpu only$/,
    ],
    [
      ['config.session.intra_op.allow_spining=0'],
      'ort',
      'cpu',
      /unknown option config\.session\.intra_op\.allow_spining \(did you mean config\.session\.intra_op\.allow_spinning\?\)$/,
    ],
    [['config.session.set_denormal_as_zero=true'], 'ort', 'cpu', /takes one of 0, 1$/],
    [['config.session.dynamic_block_base=0'], 'ort', 'cpu', /dynamic_block_base takes a positive integer$/],
    [['config.session.dynamic_block_base=4.5'], 'ort', 'cpu', /takes a positive integer$/],
    [
      ['config.session.dynamic_block_base'],
      'ort',
      'cpu',
      /=VALUE is missing \(config\.session\.dynamic_block_base takes a positive integer\)$/,
    ],
    [
      ['config.session.disable_cpu_ep_fallback=1'],
      'ort',
      'cpu',
      /^--ep-option config\.session\.disable_cpu_ep_fallback applies to --device cuda, tensorrt, webgpu only$/,
    ],
    [
      ['webgpu.preferredLayout=NCHW', 'webgpu.preferredLayout=NHWC'],
      'ort',
      'webgpu',
      /is given twice: NCHW and NHWC$/,
    ],
    [
      ['session.enableMemPattern=true'],
      'tfjs',
      'cpu',
      /^--ep-option sets onnxruntime options; --engine tfjs takes none$/,
    ],
  ] as const)('refuses %j (engine %s, device %s)', (entries, engine, device, pattern) => {
    expectBenchError(() => parseOrtOptions(entries, engine, device), 'E_USAGE', pattern);
  });

  it('is checked with the other run options, before anything loads', () => {
    expectBenchError(
      () =>
        parseRunOptions({ models: ['tiny_cnn'], device: 'cpu', epOptions: ['webgpu.validationMode=full'] }),
      'E_USAGE',
      /^--ep-option webgpu\.validationMode applies to --device webgpu only$/,
    );
  });
});

describe('settings a run applies and records', () => {
  it('applied: the defaults (all, and NHWC on webgpu) with what was given over them', () => {
    expect(appliedSettings({ session: {}, webgpu: {}, config: {} }, 'cpu')).toEqual({
      'session.graphOptimizationLevel': 'all',
    });
    // Asked for WebGPU, fell back to the CPU: the WebGPU settings were not applied.
    expect(appliedSettings({ session: {}, webgpu: { preferredLayout: 'NCHW' }, config: {} }, 'cpu')).toEqual({
      'session.graphOptimizationLevel': 'all',
    });
    expect(
      appliedSettings(
        {
          session: { enableMemPattern: false },
          webgpu: { preferredLayout: 'NCHW' },
          config: { 'session.disable_cpu_ep_fallback': '1', 'session.set_denormal_as_zero': '1' },
        },
        'webgpu',
      ),
    ).toEqual({
      'session.graphOptimizationLevel': 'all',
      'session.enableMemPattern': 'false',
      'webgpu.preferredLayout': 'NCHW',
      'config.session.set_denormal_as_zero': '1',
      'config.session.disable_cpu_ep_fallback': '1',
    });
    // Fell back to the CPU: the fallback switch (invalid beside the CPU provider) was not applied.
    expect(
      appliedSettings({ session: {}, webgpu: {}, config: { 'session.disable_cpu_ep_fallback': '1' } }, 'cpu'),
    ).toEqual({ 'session.graphOptimizationLevel': 'all' });
  });

  it('recorded: read back from engine.providerOptions; a run from before the settings were recorded had the defaults', () => {
    expect(recordedSettings({ intraOpNumThreads: 1 }, 'cpu')).toEqual({
      'session.graphOptimizationLevel': 'all',
    });
    expect(
      recordedSettings(
        { preferredLayout: 'NHWC', preferredOutputLocation: 'cpu', validationMode: 'basic' },
        'webgpu',
      ),
    ).toEqual({
      'session.graphOptimizationLevel': 'all',
      'webgpu.preferredLayout': 'NHWC',
      'webgpu.validationMode': 'basic',
    });
    expect(recordedSettings({ 'session.intra_op.allow_spinning': '0' }, 'cpu')).toEqual({
      'session.graphOptimizationLevel': 'all',
      'config.session.intra_op.allow_spinning': '0',
    });
  });

  it('onnxruntime applies a config entry: the GELU approximation changes GELU outputs', async () => {
    const b = new GraphBuilder('gelu', 0);
    const graph = b.finish(b.gelu(b.input('input', ['N', 16])), 'y');
    const path = join(dir, 'gelu.onnx');
    writeFileSync(path, emitOnnx(graph, { precision: 'fp32', producerVersion: 'test', consumeGraph: true }));
    const data = Float32Array.from({ length: 16 }, (_, i) => (i - 8) / 3);
    const engine = createOrtEngine();
    const outputs = async (config: Record<string, string>): Promise<Float32Array> => {
      const model = await engine.load({
        modelPath: path,
        device: 'cpu',
        precision: 'fp32',
        threads: 1,
        transfer: 'include',
        sessionConfig: config,
      });
      await model.bind(new Map([['input', { dtype: 'float32', shape: [1, 16], data }]]));
      const y = (await model.runAndRead()).get('y')?.data as Float32Array;
      expect(model.providerOptions).toMatchObject(config);
      await model.dispose();
      return y;
    };
    const exact = await outputs({});
    const off = await outputs({ 'optimization.enable_gelu_approximation': '0' });
    const approx = await outputs({ 'optimization.enable_gelu_approximation': '1' });
    expect(off).toEqual(exact);
    // tanh-based FastGelu: close to the erf form (x = -8/3: -0.0102143 exact), but not equal.
    expect(approx).not.toEqual(exact);
    const diff = Math.max(...approx.map((v, i) => Math.abs(v - exact[i]!)));
    expect(diff).toBeGreaterThan(1e-5);
    expect(diff).toBeLessThan(1e-2);
  });

  it('a CPU run applies the level it was given and records it; --resume refuses another', async () => {
    const out = join(dir, 'level.json');
    const options: RunOptionsInput = {
      models: ['tiny_cnn'],
      device: 'cpu',
      batches: [1],
      durationS: 0.1,
      minIterations: 3,
      warmup: 1,
      out,
    };
    const { file } = await runBenchmarks({
      ...options,
      epOptions: ['session.graphOptimizationLevel=disabled'],
    });
    expect(file.runs[0]?.engine.providerOptions).toMatchObject({ graphOptimizationLevel: 'disabled' });
    await expect(runBenchmarks({ ...options, resume: true })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: `--resume: ${out} measured tiny_cnn b1 with --ep-option session.graphOptimizationLevel disabled; this command asks for all`,
    });
    const again = await runBenchmarks({
      ...options,
      batches: [1, 2],
      resume: true,
      epOptions: ['session.graphOptimizationLevel=disabled'],
    });
    expect(again.kept).toBe(1);
    expect(again.file.runs.map((r) => r.engine.providerOptions?.['graphOptimizationLevel'])).toEqual([
      'disabled',
      'disabled',
    ]);
  });
});

/**
 * Backend selection and device probes for --engine tfjs, as they behave on this machine (Node 20,
 * no tfjs-node / tfjs-node-gpu installed): wasm with SIMD for --device cpu, one thread per physical
 * core when no count is asked (test/tfjs-wasm-threads.test.ts asks for one).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import {
  isPackageInstalled,
  probeTfjsDevice,
  selectTfjsBackend,
  TFJS_GPU_REMEDY,
} from '../src/engines/tfjs-backend.js';
import { defaultWasmThreads } from '../src/engines/tfjs-wasm-threads.js';

const hasTfjsNode = isPackageInstalled('@tensorflow/tfjs-node');
const hasTfjsNodeGpu = isPackageInstalled('@tensorflow/tfjs-node-gpu');
const wasmDefault = defaultWasmThreads();

async function benchError(p: Promise<unknown>): Promise<BenchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    return e as BenchError;
  }
  throw new Error('expected a BenchError');
}

describe('tfjs backend selection', () => {
  it.runIf(!hasTfjsNode)('cpu without tfjs-node falls back to wasm (SIMD) and says why', async () => {
    const choice = await selectTfjsBackend({ device: 'cpu', threads: 0 });
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.simd).toBe(true);
    expect(choice.threadsActual).toBe(wasmDefault);
    expect(choice.usingGpu).toBe(false);
    expect(choice.skipped).toEqual(['tensorflow: @tensorflow/tfjs-node is not installed']);
    expect(choice.warnings).toEqual([]);
  });

  it('wasm keeps the thread count of its first initialisation, and says so when another is asked', async () => {
    const choice = await selectTfjsBackend({ device: 'cpu', threads: 2, force: 'wasm' });
    expect(choice.threadsRequested).toBe(2);
    expect(choice.threadsActual).toBe(wasmDefault);
    expect(choice.warnings).toEqual(
      wasmDefault === 2
        ? []
        : [
            `the tfjs wasm backend runs ${wasmDefault} thread(s), not the 2 asked: it was initialised for default threads earlier in this process and keeps ${wasmDefault}`,
          ],
    );
  });

  it('wasm defaults to one thread per physical core, else half the logical ones, at most 8', () => {
    expect(defaultWasmThreads({ physical: 2, logical: 2 })).toBe(2);
    expect(defaultWasmThreads({ physical: 16, logical: 32 })).toBe(8);
    expect(defaultWasmThreads({ logical: 4 })).toBe(2);
    expect(defaultWasmThreads({ logical: 1 })).toBe(1);
  });

  it('the plain cpu backend can be forced and is single-threaded', async () => {
    const choice = await selectTfjsBackend({ device: 'cpu', threads: 1, force: 'cpu' });
    expect(choice).toMatchObject({ backend: 'cpu', threadsActual: 1, warnings: [] });
    expect(tf.getBackend()).toBe('cpu');
    // back to wasm for the remaining tests in this file
    expect((await selectTfjsBackend({ device: 'cpu', threads: 0, force: 'wasm' })).backend).toBe('wasm');
  });

  it.runIf(!hasTfjsNodeGpu)(
    '--device cuda without tfjs-node-gpu: exit 3 with the install remedy',
    async () => {
      const e = await benchError(selectTfjsBackend({ device: 'cuda', threads: 0 }));
      expect(e.code).toBe('E_DEVICE_UNAVAILABLE');
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        '--engine tfjs --device cuda needs @tensorflow/tfjs-node-gpu: @tensorflow/tfjs-node-gpu is not installed',
      );
      expect(e.hint).toBe(TFJS_GPU_REMEDY);
    },
  );

  it('tensorrt and webgpu are refused with the engine that can run them', async () => {
    const e = await benchError(selectTfjsBackend({ device: 'tensorrt', threads: 0 }));
    expect(e.code).toBe('E_DEVICE_UNAVAILABLE');
    expect(e.hint).toBe('use --engine ort --device tensorrt');
  });
});

describe('tfjs device probes', () => {
  it('cpu is always usable and names the CPU', async () => {
    const p = await probeTfjsDevice('cpu');
    expect(p.usable).toBe(true);
    expect(p.deviceName?.length).toBeGreaterThan(0);
  });

  it.runIf(!hasTfjsNodeGpu)('cuda without tfjs-node-gpu is unusable, with reason and remedy', async () => {
    expect(await probeTfjsDevice('cuda')).toEqual({
      device: 'cuda',
      usable: false,
      reason: '@tensorflow/tfjs-node-gpu is not installed',
      remedy:
        'npm install @tensorflow/tfjs-node-gpu (needs an NVIDIA driver with CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8))',
    });
  });

  it('webgpu and tensorrt are unusable in Node', async () => {
    expect((await probeTfjsDevice('webgpu')).usable).toBe(false);
    expect((await probeTfjsDevice('webgpu')).reason).toMatch(/navigator\.gpu/);
    expect((await probeTfjsDevice('tensorrt')).usable).toBe(false);
  });
});

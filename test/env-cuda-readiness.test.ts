import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkCudaProvider,
  checkTensorrtProvider,
  CUDA_PROVIDER_FILES,
  cudaLibraries,
  providerCudaMajor,
  REMEDIES,
} from '../src/engines/ort-cuda.js';
import { locateLibrary, otherVersions, probeLibraries } from '../src/env/shared-libs.js';
import { checkVulkan, icdSearchPaths, noAdapterRemedy } from '../src/env/vulkan.js';

const tmp = mkdtempSync(join(tmpdir(), 'h100e-cuda-'));
// A real, loadable ELF library to stand in for CUDA libraries under their sonames: the loader check
// only cares that dlopen succeeds, so a renamed zlib exercises the same code path.
const ZLIB = [
  '/lib/x86_64-linux-gnu/libz.so.1',
  '/usr/lib/x86_64-linux-gnu/libz.so.1',
  '/lib64/libz.so.1',
].find((p) => existsSync(p));

describe('probeLibraries (dlopen in a child process)', () => {
  it('tells loadable from missing libraries', () => {
    const [present, missing] = probeLibraries(['libz.so.1', 'libh100e-does-not-exist.so.7']);
    expect(present).toEqual({ name: 'libz.so.1', loadable: true });
    expect(missing?.loadable).toBe(false);
    expect(missing?.error).toMatch(/cannot open shared object file/);
  });
});

describe('library location helpers', () => {
  it('finds files on LD_LIBRARY_PATH and extra dirs, and other major versions', () => {
    const dir = mkdtempSync(join(tmp, 'libs-'));
    writeFileSync(join(dir, 'libh100efake.so.3'), '');
    writeFileSync(join(dir, 'libh100efake.so.4'), '');
    expect(locateLibrary('libh100efake.so.3', { env: { LD_LIBRARY_PATH: dir } })).toEqual([
      join(dir, 'libh100efake.so.3'),
    ]);
    expect(locateLibrary('libh100efake.so.3', { env: {}, extraDirs: [dir] })).toEqual([
      join(dir, 'libh100efake.so.3'),
    ]);
    expect(locateLibrary('libh100efake.so.3', { env: {} })).toEqual([]);
    expect(otherVersions('libh100efake.so.2', { env: {}, extraDirs: [dir] })).toEqual([
      'libh100efake.so.3',
      'libh100efake.so.4',
    ]);
  });
});

describe.runIf(ZLIB)('checkCudaProvider', () => {
  it('names missing provider files with the `bench setup cuda` remedy', () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    const r = checkCudaProvider({ binDir });
    expect(r.usable).toBe(false);
    expect(r.missing).toEqual(expect.arrayContaining([...CUDA_PROVIDER_FILES]));
    expect(r.reason).toContain(`libonnxruntime_providers_cuda.so not in ${binDir}`);
    expect(r.remedy).toContain('npx bench setup cuda');
    expect(r.reason).not.toContain('\n');
  });

  it('asks for the CUDA libraries of the major version the provider links (13 for the GPU campaign build)', () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    // A stand-in provider whose dynamic string table names CUDA 13's runtime, as the CUDA 13 build's does.
    writeFileSync(
      join(binDir, 'libonnxruntime_providers_cuda.so'),
      '\x7fELF\0libcublasLt.so.13\0libcudart.so.13\0',
    );
    writeFileSync(join(binDir, 'libonnxruntime_providers_shared.so'), '');
    expect(providerCudaMajor(binDir)).toBe(13);
    const names = checkCudaProvider({ binDir, env: { ...process.env, LD_LIBRARY_PATH: '' } }).checks.map(
      (c) => c.name,
    );
    expect(names).toEqual(
      expect.arrayContaining(['libcudart.so.13', 'libcublasLt.so.13', 'libcublas.so.13', 'libcufft.so.12']),
    );
    expect(names).not.toContain('libcudart.so.12');
    // No provider file to read: onnxruntime-node's own provider, CUDA 12.
    expect(providerCudaMajor(mkdtempSync(join(tmp, 'bin-')))).toBe(12);
    expect(cudaLibraries(12).map((l) => l.name)).toContain('libcufft.so.11');
  });

  it('accepts libraries the loader can open and points at LD_LIBRARY_PATH for ones it cannot reach', () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    for (const f of CUDA_PROVIDER_FILES) writeFileSync(join(binDir, f), '');
    const libDir = mkdtempSync(join(tmp, 'cudalibs-'));
    for (const n of [
      'libcuda.so.1',
      'libcudart.so.12',
      'libcublasLt.so.12',
      'libcublas.so.12',
      'libcufft.so.11',
      'libcurand.so.10',
      'libcudnn.so.9',
    ]) {
      copyFileSync(ZLIB!, join(libDir, n));
    }
    // Everything on the loader path: all requirements met.
    const ready = checkCudaProvider({ binDir, env: { ...process.env, LD_LIBRARY_PATH: libDir } });
    expect(ready).toMatchObject({ usable: true, missing: [] });
    expect(ready.checks.every((c) => c.ok)).toBe(true);

    // Same files, but only in a directory the loader does not search (on a machine without real
    // CUDA 12, i.e. this one): the remedy is the exact export line, not an install.
    const offPath = checkCudaProvider({
      binDir,
      env: { ...process.env, LD_LIBRARY_PATH: '' },
      extraDirs: [libDir],
    });
    const cudnn = offPath.checks.find((c) => c.name === 'libcudnn.so.9')!;
    if (!cudnn.ok) {
      expect(cudnn.path).toBe(join(libDir, 'libcudnn.so.9'));
      expect(offPath.remedy).toContain(
        `for libcudnn.so.9: export LD_LIBRARY_PATH=${libDir}:$LD_LIBRARY_PATH`,
      );
      expect(offPath.remedy).not.toContain(REMEDIES.cudnn);
    }
  });

  it('asks TensorRT for its provider file and TensorRT 10 on top of CUDA', () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    const r = checkTensorrtProvider({ binDir });
    expect(r.usable).toBe(false);
    expect(r.missing).toContain('libonnxruntime_providers_tensorrt.so');
    expect(r.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['libnvinfer.so.10', 'libnvinfer_plugin.so.10', 'libnvonnxparser.so.10']),
    );
  });

  it('on this machine: says why CUDA cannot run when there is no NVIDIA driver', () => {
    const driver = probeLibraries(['libcuda.so.1'])[0]!;
    const r = checkCudaProvider();
    if (!driver.loadable) {
      expect(r.usable).toBe(false);
      expect(r.missing).toContain('libcuda.so.1');
      expect(r.reason).toContain('NVIDIA driver (libcuda.so.1)');
      expect(r.remedy).toContain(REMEDIES.driver);
    } else {
      expect(r.checks.find((c) => c.name === 'libcuda.so.1')?.ok).toBe(true);
    }
  });
});

describe('checkVulkan', () => {
  it('honours VK_DRIVER_FILES and reports a missing loader or driver with remedies', () => {
    const dir = mkdtempSync(join(tmp, 'icd-'));
    writeFileSync(join(dir, 'fake_icd.json'), '{}');
    expect(icdSearchPaths({ VK_DRIVER_FILES: dir })).toEqual({ explicit: true, paths: [dir] });
    const withIcd = checkVulkan({ ...process.env, VK_DRIVER_FILES: dir });
    expect(withIcd.icds).toEqual([join(dir, 'fake_icd.json')]);
    const none = checkVulkan({ ...process.env, VK_DRIVER_FILES: mkdtempSync(join(tmp, 'noicd-')) });
    expect(none.icds).toEqual([]);
    expect(none.usable).toBe(false);
    expect(none.reason).toContain('no Vulkan driver manifest (ICD) found');
    if (!none.loader.present) expect(none.remedy).toContain('apt-get install libvulkan1');
  });
});

describe('noAdapterRemedy', () => {
  it("names the GL dispatch packages when NVIDIA's Vulkan driver is installed and offers no GPU", () => {
    const nvidia = noAdapterRemedy(['/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json']);
    expect(nvidia).toContain('apt-get install libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2');
    expect(nvidia).not.toContain('\n');
    // Another driver (here Mesa's lavapipe) has no specific advice: the caller's generic one stands.
    expect(noAdapterRemedy(['/usr/share/vulkan/icd.d/lvp_icd.json'])).toBeUndefined();
    expect(noAdapterRemedy([])).toBeUndefined();
  });
});

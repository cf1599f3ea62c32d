import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ortBinaryDir } from '../src/engines/ort-cuda.js';
import { defaultInstallScript, INSTALLED_FILES, setupCuda } from '../src/doctor/setup-cuda.js';
import { BenchError } from '../src/core/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'h100e-setup-'));

/** A stand-in for onnxruntime-node's install.js: <pkg>/script/install.js writing into `binDir`. */
function fakeInstaller(body: string): string {
  const pkg = mkdtempSync(join(tmp, 'pkg-'));
  mkdirSync(join(pkg, 'script'));
  const file = join(pkg, 'script', 'install.js');
  writeFileSync(file, `const fs = require('fs'); const path = require('path');\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function snapshot(dir: string): Record<string, number> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).size]));
}

async function expectSetupError(p: Promise<unknown>, pattern: RegExp): Promise<BenchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).toMatch(pattern);
    expect((e as BenchError).message).not.toContain('\n');
    return e as BenchError;
  }
  throw new Error('expected setupCuda to fail');
}

describe('setupCuda', () => {
  it('really runs onnxruntime-node’s installer and fails cleanly without network, leaving node_modules unchanged', async () => {
    const binDir = ortBinaryDir();
    const before = snapshot(binDir);
    // force: the installer runs even where the files exist (they are backed up and restored).
    // The proxy points at a closed local port, so the download fails at once on every machine, online
    // or not, and a networked CI never pulls hundreds of MB into node_modules from a test.
    const env = {
      ...process.env,
      GLOBAL_AGENT_HTTPS_PROXY: 'http://127.0.0.1:9',
      npm_config_onnxruntime_node_install: 'skip',
    };
    const t0 = performance.now();
    const e = await expectSetupError(
      setupCuda({
        installScript: defaultInstallScript(),
        binDir,
        env,
        force: true,
        timeoutMs: 30_000,
        skipTrial: true,
      }),
      /^could not install the CUDA provider for onnxruntime-node \(.*ECONNREFUSED.*\); .* was left unchanged$/,
    );
    expect(e.code).toBe('E_NETWORK');
    expect(e.hint).toContain('rerun `npx bench setup cuda`');
    expect(e.hint).toContain(binDir);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(snapshot(binDir)).toEqual(before);
  });

  it('removes half-written files and installer temp dirs when the installer dies', async () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    writeFileSync(join(binDir, 'onnxruntime_binding.node'), 'binding');
    const tmpRoot = mkdtempSync(join(tmp, 'tmproot-'));
    const envFile = join(tmp, 'installer-env.json');
    const script = fakeInstaller(`
      fs.writeFileSync(${JSON.stringify(envFile)}, JSON.stringify({ flag: process.env.ONNXRUNTIME_NODE_INSTALL, npm: process.env.npm_config_onnxruntime_node_install ?? null }));
      fs.mkdirSync(path.join(process.env.TMPDIR, 'onnxruntime-node-pkgs_123'));
      fs.writeFileSync(path.join(${JSON.stringify(binDir)}, 'libonnxruntime_providers_cuda.so'), 'partial');
      console.error('Error: getaddrinfo ENOTFOUND api.nuget.org');
      process.exit(1);`);
    const env = { ...process.env, TMPDIR: tmpRoot, npm_config_onnxruntime_node_install: 'skip' };
    const e = await expectSetupError(
      setupCuda({ installScript: script, binDir, env, skipTrial: true }),
      /getaddrinfo ENOTFOUND api\.nuget\.org/,
    );
    expect(e.code).toBe('E_NETWORK');
    expect(readdirSync(binDir)).toEqual(['onnxruntime_binding.node']);
    expect(readdirSync(tmpRoot)).toEqual([]);
    // Our flag reached the installer and .npmrc's "skip" (exported by npx) did not.
    expect(JSON.parse(readFileSync(envFile, 'utf8'))).toEqual({ flag: 'cuda12', npm: null });
  });

  it('kills a hanging installer at the time limit and restores files it overwrote (--force)', async () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    for (const f of INSTALLED_FILES) writeFileSync(join(binDir, f), `original ${f}`);
    const script = fakeInstaller(`
      fs.writeFileSync(path.join(${JSON.stringify(binDir)}, 'libonnxruntime_providers_cuda.so'), 'half');
      setInterval(() => {}, 1000);`);
    const e = await expectSetupError(
      setupCuda({ installScript: script, binDir, force: true, timeoutMs: 1_000, skipTrial: true }),
      /no result within 1 s/,
    );
    expect(e.code).toBe('E_NETWORK');
    for (const f of INSTALLED_FILES) expect(readFileSync(join(binDir, f), 'utf8')).toBe(`original ${f}`);
  });

  it('does not run the installer when the files are present', async () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    for (const f of INSTALLED_FILES) writeFileSync(join(binDir, f), 'x');
    const script = fakeInstaller(`process.exit(1);`);
    const r = await setupCuda({ installScript: script, binDir, skipTrial: true });
    expect(r.action).toBe('already-present');
    expect(r.files).toEqual(INSTALLED_FILES.map((f) => join(binDir, f)));
    // The provider files are in place; usability now depends on the driver and CUDA libraries only.
    expect(r.readiness.missing.filter((m) => m.startsWith('libonnxruntime'))).toEqual([]);
  });

  it('reports a download when the installer writes every file', async () => {
    const binDir = mkdtempSync(join(tmp, 'bin-'));
    const script = fakeInstaller(`
      for (const f of ${JSON.stringify(INSTALLED_FILES)}) fs.writeFileSync(path.join(${JSON.stringify(binDir)}, f), 'lib');
      console.log('Downloading https://example.invalid/pkg.nupkg');`);
    const lines: string[] = [];
    const r = await setupCuda({ installScript: script, binDir, skipTrial: true, log: (l) => lines.push(l) });
    expect(r.action).toBe('downloaded');
    expect(lines).toEqual(['Downloading https://example.invalid/pkg.nupkg']);
    for (const f of INSTALLED_FILES) expect(existsSync(join(binDir, f))).toBe(true);
  });

  it('fails plainly when the installer is missing', async () => {
    const e = await expectSetupError(
      setupCuda({ installScript: join(tmp, 'nope', 'install.js'), binDir: tmp }),
      /installer is missing/,
    );
    expect(e.code).toBe('E_FILE_NOT_FOUND');
  });
});

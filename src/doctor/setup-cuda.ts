/**
 * `bench setup cuda`: runs onnxruntime-node's own installer (script/install.js) for the CUDA 12
 * provider, which downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from NuGet and copies
 * libonnxruntime_providers_{shared,cuda,tensorrt}.so beside the binding. The installer copies
 * straight into node_modules and can be killed mid-copy, so this wrapper snapshots the bin directory
 * and puts it back exactly as it was on any failure.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  checkCudaProvider,
  CUDA_PROVIDER_FILES,
  ortBinaryDir,
  TENSORRT_PROVIDER_FILE,
  type CudaReadiness,
} from '../engines/ort-cuda.js';
import { installedVersion } from '../env/environment.js';
import { probeNvidiaSmi, type NvidiaSmiOptions } from '../env/nvidia-smi.js';
import { BenchError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/version.js';
import { tryProviderInChild, type ProviderTrialResult } from '../engines/provider-trial.js';

/** Files the installer's linux/x64 "cuda12" manifest writes (script/install-metadata.js). */
export const INSTALLED_FILES = [...CUDA_PROVIDER_FILES, TENSORRT_PROVIDER_FILE] as const;

/** Options; tests substitute the installer, the bin directory and the environment. */
export interface SetupCudaOptions {
  /** Re-download even when the files are present. */
  force?: boolean;
  /** Time limit for the installer (default 15 minutes: the NuGet package is several hundred MB). */
  timeoutMs?: number;
  /** Installer to run; default onnxruntime-node/script/install.js. */
  installScript?: string;
  /** Directory the installer writes to; default the binding's directory. */
  binDir?: string;
  /** Environment of the installer (proxies: GLOBAL_AGENT_HTTPS_PROXY, see global-agent). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (the installer's own output); default: none. */
  log?: (line: string) => void;
  nvidiaSmi?: NvidiaSmiOptions;
  /** Skip the one-batch run even when a GPU is present. */
  skipTrial?: boolean;
}

/** Outcome of a successful setup. */
export interface SetupCudaResult {
  action: 'downloaded' | 'already-present';
  binDir: string;
  files: string[];
  /** Library readiness after installing: the driver, CUDA 12 and cuDNN 9 are the system's business. */
  readiness: CudaReadiness;
  /** The probe-model run on the CUDA provider, when a GPU was present and the libraries were ready. */
  trial?: ProviderTrialResult;
}

/** Installer of the onnxruntime-node this package resolves. */
export function defaultInstallScript(): string {
  const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
  return join(dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install.js');
}

function listDir(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}

/** Network failures the installer can die of (Node's error codes, as printed in its stack). */
const NETWORK_ERROR =
  /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|socket hang up|certificate|HTTP status code/i;

/** The line of installer output that says what went wrong. */
function installerErrorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (
    lines.find((l) => /^(\w*Error|error):/i.test(l)) ??
    lines.find((l) => NETWORK_ERROR.test(l)) ??
    lines[lines.length - 1] ??
    'no output'
  );
}

interface InstallerRun {
  code: number | null;
  timedOut: boolean;
  output: string;
}

function runInstaller(
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  log: (l: string) => void,
): Promise<InstallerRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], {
      cwd: dirname(dirname(script)),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) log(line.trimEnd());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      output += `\nError: ${e.message}`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, output });
    });
  });
}

/** Installer environment: our flag wins over an `onnxruntime-node-install=skip` that npm or npx passes on. */
function installerEnv(base: NodeJS.ProcessEnv, force: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of Object.keys(env)) {
    // npm exports its config as npm_config_*; the installer reads the install flag from there, and
    // npm_config_local_prefix + npm_package_json make it believe it is a local dev install and quit.
    if (
      /^npm_config_onnxruntime_node_install/i.test(key) ||
      key === 'npm_config_local_prefix' ||
      key === 'npm_package_json'
    )
      delete env[key];
  }
  delete env.ONNXRUNTIME_NODE_INSTALL_CUDA;
  // "true" forces a download; "cuda12" (validated against the manifest) installs only what is missing.
  env.ONNXRUNTIME_NODE_INSTALL = force ? 'true' : 'cuda12';
  return env;
}

/** Puts `binDir` back as it was: removes new entries, restores backed-up files; clears installer temp dirs. */
function rollback(
  binDir: string,
  before: Set<string>,
  backupDir: string,
  backedUp: string[],
  tmpRoot: string,
  tmpBefore: Set<string>,
): void {
  for (const name of listDir(binDir)) {
    if (!before.has(name)) rmSync(join(binDir, name), { recursive: true, force: true });
  }
  for (const name of backedUp) copyFileSync(join(backupDir, name), join(binDir, name));
  for (const name of listDir(tmpRoot)) {
    if (name.startsWith('onnxruntime-node-pkgs_') && !tmpBefore.has(name))
      rmSync(join(tmpRoot, name), { recursive: true, force: true });
  }
}

/** Installs the CUDA provider files with onnxruntime-node's installer, then re-checks readiness. */
export async function setupCuda(options: SetupCudaOptions = {}): Promise<SetupCudaResult> {
  if (!options.binDir && !(platform() === 'linux' && arch() === 'x64')) {
    throw new BenchError(
      'E_UNSUPPORTED',
      `onnxruntime-node publishes its CUDA provider for linux/x64 only, not ${platform()}/${arch()}`,
      {
        hint: 'use the cpu or webgpu device here',
      },
    );
  }
  const binDir = options.binDir ?? ortBinaryDir();
  const script = options.installScript ?? defaultInstallScript();
  if (!existsSync(script)) {
    throw new BenchError('E_FILE_NOT_FOUND', `onnxruntime-node's installer is missing at ${script}`, {
      hint: 'reinstall dependencies (`npm ci`), then rerun `npx bench setup cuda`',
    });
  }
  const log = options.log ?? (() => undefined);
  const present = INSTALLED_FILES.filter((f) => existsSync(join(binDir, f)));
  let action: SetupCudaResult['action'] = 'already-present';

  if (options.force || present.length < INSTALLED_FILES.length) {
    const env = installerEnv(options.env ?? process.env, options.force ?? false);
    const tmpRoot = env.TMPDIR ?? tmpdir();
    const before = listDir(binDir);
    const tmpBefore = listDir(tmpRoot);
    const backupDir = mkdtempSync(join(tmpdir(), 'h100e-setup-backup-'));
    try {
      for (const f of present) copyFileSync(join(binDir, f), join(backupDir, f));
      const timeoutMs = options.timeoutMs ?? 15 * 60_000;
      const run = await runInstaller(script, env, timeoutMs, log);
      const complete = INSTALLED_FILES.every((f) => existsSync(join(binDir, f)));
      if (run.timedOut || run.code !== 0 || !complete) {
        rollback(binDir, before, backupDir, present, tmpRoot, tmpBefore);
        const why = run.timedOut
          ? `no result within ${Math.round(timeoutMs / 1000)} s`
          : run.code !== 0
            ? installerErrorLine(run.output)
            : `the installer finished but ${INSTALLED_FILES.filter((f) => !existsSync(join(binDir, f))).join(', ')} did not appear`;
        const network = run.timedOut || NETWORK_ERROR.test(run.output);
        throw new BenchError(
          'E_NETWORK',
          `could not install the CUDA provider for onnxruntime-node (${why}); ${binDir} was left unchanged`,
          {
            hint: network
              ? 'connect to the internet (behind a proxy set GLOBAL_AGENT_HTTPS_PROXY) and rerun `npx bench setup cuda`; offline, copy runtimes/linux-x64/native/libonnxruntime_providers_{shared,cuda,tensorrt}.so from the Microsoft.ML.OnnxRuntime.Gpu.Linux ' +
                `${installedVersion('onnxruntime-node') ?? ''} NuGet package (the onnxruntime-node version) into ${binDir}`
              : 'rerun with --verbose to see the installer output',
          },
        );
      }
      action = 'downloaded';
    } finally {
      rmSync(backupDir, { recursive: true, force: true });
    }
  }

  const readiness = checkCudaProvider({ binDir, ...(options.env ? { env: options.env } : {}) });
  const result: SetupCudaResult = {
    action,
    binDir,
    files: INSTALLED_FILES.map((f) => join(binDir, f)),
    readiness,
  };
  if (!options.skipTrial && readiness.usable) {
    const smi = await probeNvidiaSmi(options.nvidiaSmi);
    if (smi.gpus.length > 0) result.trial = await tryProviderInChild('cuda');
  }
  return result;
}

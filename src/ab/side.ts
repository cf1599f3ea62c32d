/** A side's worker process, and the checks on an installation named by --a-dir / --b-dir. */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../core/version.js';
import type { AbSideSpec } from '../results/ab-schema.js';
import type { FromWorker, ToWorker } from './protocol.js';

const WORKER = join('dist', 'src', 'ab', 'worker.js');

/** The package each engine needs in an installation's node_modules. */
const ENGINE_PACKAGE: Record<AbSideSpec['engine'], string> = {
  ort: 'onnxruntime-node',
  tfjs: '@tensorflow/tfjs',
};

/**
 * The worker script a side runs: this installation's, or the one in `spec.dir` (an h100e checkout with
 * dist/ built, or a folder where h100e is installed under node_modules). E_BAD_INPUT when the folder is
 * missing, holds no h100e with `bench ab`, or has no installed engine.
 */
export function workerScript(spec: AbSideSpec, flag: string): string {
  if (spec.dir === undefined) return join(PACKAGE_ROOT, WORKER);
  const dir = resolve(spec.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new BenchError('E_BAD_INPUT', `${flag} ${spec.dir}: no such folder`, {
      hint: 'give a folder holding an h100e installation (a checkout after npm ci, or a folder with node_modules/h100e)',
    });
  const roots = [dir, join(dir, 'node_modules', 'h100e')];
  const root = roots.find((r) => existsSync(join(r, WORKER)));
  if (!root)
    throw new BenchError('E_BAD_INPUT', `${flag} ${spec.dir}: no h100e with bench ab there (no ${WORKER})`, {
      hint: 'run npm ci in the checkout (it builds dist/), or npm install h100e into the folder',
    });
  const engine = ENGINE_PACKAGE[spec.engine];
  const installed = [root, dir].some((r) => existsSync(join(r, 'node_modules', engine, 'package.json')));
  if (!installed)
    throw new BenchError(
      'E_BAD_INPUT',
      `${flag} ${spec.dir}: no installed engine (${engine} is not in its node_modules)`,
      {
        hint: `run npm ci (or npm install ${engine}) in ${spec.dir}`,
      },
    );
  return join(root, WORKER);
}

/** Why a side stopped: its worker reported an error or died. */
export class SideFailure extends Error {}

/** One side's worker: requests are answered one at a time. */
export class SideWorker {
  private readonly child: ChildProcess;
  private pending: { resolve: (m: FromWorker) => void; reject: (e: Error) => void } | undefined;
  private exited: string | undefined;

  constructor(script: string, env?: NodeJS.ProcessEnv) {
    this.child = fork(script, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.child.on('message', (m: FromWorker) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.kind === 'error') p.reject(new SideFailure(m.message));
      else p.resolve(m);
    });
    this.child.on('exit', (code, signal) => {
      const last = stderr.trim().split('\n').pop();
      this.exited = `its worker exited (${signal ?? `code ${code}`})${last ? `: ${last}` : ''}`;
      this.pending?.reject(new SideFailure(this.exited));
      this.pending = undefined;
    });
  }

  /** The worker's process id (undefined only if it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  request(m: ToWorker): Promise<FromWorker> {
    if (this.exited) return Promise.reject(new SideFailure(this.exited));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(m, (e) => {
        if (e && this.pending) {
          this.pending = undefined;
          reject(new SideFailure(`could not reach its worker: ${e.message}`));
        }
      });
    });
  }

  close(): void {
    if (this.exited) return;
    if (this.child.connected) this.child.send({ kind: 'exit' } satisfies ToWorker, () => undefined);
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }
}

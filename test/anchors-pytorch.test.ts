/**
 * bench/anchors/pytorch_anchor.py, mostly without PyTorch (CI has none): its --self-test runs
 * the statistics, argument parsing, planning, table and JSON code on synthetic numbers with exact
 * expected values; a stand-in `torch` package (test/fixtures/anchors-fake-torch, a few lines of pure Python)
 * then drives the real sweep loop end to end on "cpu". No figure here is a measurement.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand, type CommandResult } from './run-command.js';

const SCRIPT = join(import.meta.dirname, '..', 'bench', 'anchors', 'pytorch_anchor.py');
const FAKE_TORCH = join(import.meta.dirname, 'fixtures', 'anchors-fake-torch');

/** Runs the anchor script; async so that a Python run does not stall the test worker's RPC. */
function python(args: string[], extraEnv: Record<string, string> = {}): Promise<CommandResult> {
  return runCommand('python3', ['-B', SCRIPT, ...args], {
    timeoutMs: 60_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...extraEnv },
  });
}

describe('pytorch_anchor.py', () => {
  it('passes its self-test with the exact synthetic values', async () => {
    const r = await python(['--self-test']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Samples 1..10 ms at batch 8: median 5.5, p90 9.1, p99 9.91, 8*1000/5.5 img/s, 80 images / 0.5 s.
    expect(r.stdout).toContain('ok median_ms = 5.5\n');
    expect(r.stdout).toContain('ok p90_ms = 9.1\n');
    expect(r.stdout).toContain('ok p99_ms = 9.91\n');
    expect(r.stdout).toContain('ok images_per_s = 1454.5454545454545\n');
    expect(r.stdout).toContain('ok wall_images_per_s = 160.0\n');
    expect(r.stdout).toContain('ok plan_count = 6\n');
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('self-test: 22 passed, 0 failed');
  });

  it('rejects bad flags with a message naming the flag (exit 2)', async () => {
    const batches = await python(['--batches', '1,0']);
    expect(batches.code).toBe(2);
    expect(batches.stderr).toContain('argument --batches: expected positive integers');
    const models = await python(['--models', 'resnet18,alexnet']);
    expect(models.code).toBe(2);
    expect(models.stderr).toContain('unknown alexnet; choose from resnet18');
    const dur = await python(['--duration', '4', '--max-duration', '2', '--device', 'cpu']);
    expect(dur.code).toBe(2);
    expect(dur.stderr).toContain('error: --duration 4.0 exceeds --max-duration 2.0');
  });

  it('runs the real sweep loop against a stand-in torch: stats, failures, budget, JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-anchor-'));
    const out = join(dir, 'pytorch.json');
    // The stand-in fails mobilenet_v2 as CUDA would on OOM; everything else "runs" instantly.
    const r = await python(
      [
        '--device',
        'cpu',
        '--models',
        'resnet18,mobilenet_v2',
        '--batches',
        '1,4',
        '--precisions',
        'fp32,fp16',
        '--modes',
        'eager,compile',
        '--compile-batches',
        '4',
        '--compile-precisions',
        'fp16',
        '--warmup',
        '1',
        '--duration',
        '0.05',
        '--max-duration',
        '0.2',
        '--min-iterations',
        '3',
        '--out',
        out,
      ],
      { PYTHONPATH: FAKE_TORCH, FAKE_TORCH_FAIL_MODEL: 'mobilenet_v2' },
    );
    // A failed configuration makes the exit code 1 but the sweep goes on.
    expect(r.code).toBe(1);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      format: string;
      environment: { torch: string };
      runs: {
        model: string;
        precision: string;
        batch: number;
        mode: string;
        status: string;
        error?: string;
        iterations?: number;
        imagesPerS?: number;
        p50Ms?: number;
        compileS?: number;
      }[];
    };
    expect(doc.format).toBe('h100e-pytorch-anchor');
    expect(doc.environment.torch).toBe('0.0-fake');
    // 2 models x 2 precisions x 2 batches eager = 8, then 2 models x fp16 x batch 4 compiled = 2.
    expect(doc.runs.map((x) => `${x.model}/${x.precision}/b${x.batch}/${x.mode}/${x.status}`)).toEqual([
      'resnet18/fp32/b1/eager/ok',
      'resnet18/fp32/b4/eager/ok',
      'resnet18/fp16/b1/eager/ok',
      'resnet18/fp16/b4/eager/ok',
      'mobilenet_v2/fp32/b1/eager/failed',
      'mobilenet_v2/fp32/b4/eager/failed',
      'mobilenet_v2/fp16/b1/eager/failed',
      'mobilenet_v2/fp16/b4/eager/failed',
      'resnet18/fp16/b4/compile/ok',
      'mobilenet_v2/fp16/b4/compile/failed',
    ]);
    const ok = doc.runs.filter((x) => x.status === 'ok');
    for (const x of ok) {
      expect(x.iterations).toBeGreaterThanOrEqual(3);
      expect(x.imagesPerS).toBeCloseTo((x.batch * 1000) / (x.p50Ms ?? NaN), 9);
    }
    expect(doc.runs.find((x) => x.mode === 'compile' && x.status === 'ok')?.compileS).toBeGreaterThanOrEqual(
      0,
    );
    expect(doc.runs[4]?.error).toBe('out of memory: CUDA out of memory (fake torch: mobilenet_v2)');
    expect(r.stdout).toContain(
      'mobilenet_v2         fp32      1 eager             -          -         -         -  failed: out of memory',
    );
  });

  it('records configurations past --budget-s as skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pt-anchor-'));
    const out = join(dir, 'pytorch.json');
    // Each configuration lasts at least --duration 0.2 s, so with a 0.1 s budget only the first starts.
    const r = await python(
      [
        '--device',
        'cpu',
        '--models',
        'resnet18',
        '--batches',
        '1,2,4',
        '--precisions',
        'fp32',
        '--modes',
        'eager',
        '--warmup',
        '0',
        '--duration',
        '0.2',
        '--max-duration',
        '0.3',
        '--budget-s',
        '0.1',
        '--out',
        out,
      ],
      { PYTHONPATH: FAKE_TORCH },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { runs: { status: string; error?: string }[] };
    expect(doc.runs.map((x) => x.status)).toEqual(['ok', 'skipped', 'skipped']);
    expect(doc.runs[1]?.error).toBe('time budget of 0.1 s spent');
  });

  it('fails a configuration that runs past --config-timeout-s and goes on', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pt-anchor-')), 'pytorch.json');
    // Each configuration wants at least 2 s of measurement; the limit ends it after 0.3 s.
    const r = await python(
      ['--device', 'cpu', '--models', 'resnet18', '--batches', '1,2', '--precisions', 'fp32', '--modes', 'eager',
       '--warmup', '0', '--duration', '2', '--max-duration', '3', '--config-timeout-s', '0.3', '--out', out], // prettier-ignore
      { PYTHONPATH: FAKE_TORCH },
    );
    expect(r.code).toBe(1);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      settings: { configTimeoutS: number };
      runs: { status: string; error?: string }[];
    };
    expect(doc.settings.configTimeoutS).toBe(0.3);
    expect(doc.runs.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(doc.runs[0]?.error).toBe('timed out after 0 s (--config-timeout-s / --budget-s)');
  });

  it('on SIGTERM records the configuration in flight as failed, the rest as skipped, and writes the table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pt-anchor-')), 'pytorch.json');
    const child = spawn(
      'python3',
      ['-B', SCRIPT, '--device', 'cpu', '--models', 'resnet18', '--batches', '1,2,4', '--precisions', 'fp32',
       '--modes', 'eager', '--warmup', '0', '--duration', '5', '--max-duration', '5', '--out', out], // prettier-ignore
      { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: FAKE_TORCH } },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The first configuration has started: interrupt it as `timeout` would.
      if (!sent && stderr.includes('[1/3]')) sent = child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(143);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { runs: { status: string; error?: string }[] };
    expect(doc.runs.map((x) => `${x.status}: ${x.error}`)).toEqual([
      'failed: interrupted by SIGTERM (outer timeout) while running',
      'skipped: interrupted by SIGTERM before it started',
      'skipped: interrupted by SIGTERM before it started',
    ]);
    expect(stdout).toContain('failed: interrupted by SIGTERM');
  });

  it('says PyTorch is missing instead of failing with a traceback', async () => {
    // -I -S: no site-packages, so torch is missing even on a machine that has it.
    const r = await runCommand('python3', [
      '-I',
      '-S',
      '-B',
      SCRIPT,
      '--device',
      'cpu',
      '--out',
      join(tmpdir(), 'never.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "error: PyTorch is not installed (No module named 'torch'); install torch and torchvision, or run --self-test for the torch-free checks\n",
    );
  });
});

/**
 * A Python with real torch and torchvision: H100E_TORCH_PYTHON, else Debian's python3-torch. Found
 * with a top-level await: importing torch takes seconds, and a spawnSync here stalls the worker's RPC.
 */
async function findTorchPython(): Promise<string | undefined> {
  for (const py of [process.env.H100E_TORCH_PYTHON, '/usr/bin/python3']) {
    if (py && (await runCommand(py, ['-c', 'import torch, torchvision'], { timeoutMs: 60_000 })).code === 0)
      return py;
  }
  return undefined;
}
const TORCH_PYTHON = await findTorchPython();

describe('pytorch_anchor.py on real PyTorch (CPU)', () => {
  // Only where torch is installed (`apt-get install python3-torch python3-torchvision` gives 1.13):
  // CI does not install it, the GPU campaign runs it for real.
  it.skipIf(!TORCH_PYTHON)(
    'measures eager and explains a compile it cannot do',
    async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'anchor-torch-')), 'pytorch.json');
      const r = await runCommand(
        TORCH_PYTHON!,
        ['-B', SCRIPT, '--device', 'cpu', '--models', 'squeezenet1_1', '--batches', '1', '--precisions', 'fp32',
        '--modes', 'eager,compile', '--warmup', '1', '--duration', '0.1', '--max-duration', '1',
        '--min-iterations', '2', '--out', out], // prettier-ignore
        { timeoutMs: 120_000 },
      );
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as {
        environment: { torch: string; cpu: string | null };
        runs: { mode: string; status: string; iterations?: number; imagesPerS?: number; error?: string }[];
      };
      expect(doc.environment.cpu).toBeTruthy();
      const [eager, compiled] = doc.runs;
      expect(eager).toMatchObject({ mode: 'eager', status: 'ok' });
      expect(eager!.iterations).toBeGreaterThanOrEqual(2);
      expect(eager!.imagesPerS).toBeGreaterThan(0);
      // torch.compile on the CPU needs a C++ toolchain, so only the 1.x refusal is checked here.
      if (Number(doc.environment.torch.split('.')[0]) < 2) {
        expect(compiled).toMatchObject({ mode: 'compile', status: 'skipped' });
        expect(compiled!.error).toMatch(/torch\.compile needs PyTorch 2\.0 or newer/);
      }
    },
    180_000,
  );
});

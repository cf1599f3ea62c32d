/**
 * bench/anchors/torchvision-parity (built, in dist/): zoo models against torchvision's own
 * architectures, same weights, same input. The comparisons need a Python with torch and
 * torchvision (CI has none), so they skip without one; the flag checks run everywhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run-command.js';

const SCRIPT = join(import.meta.dirname, '..', 'dist', 'bench', 'anchors', 'torchvision-parity.js');

/** A Python with real torch and torchvision: H100E_TORCH_PYTHON, else Debian's python3-torch (as anchors-pytorch.test.ts). */
const TORCH_PYTHON = [process.env.H100E_TORCH_PYTHON, '/usr/bin/python3'].find(
  (py) => py && spawnSync(py, ['-c', 'import torch, torchvision, numpy'], { timeout: 60_000 }).status === 0,
);

const parity = (args: string[]) => runCommand(process.execPath, [SCRIPT, ...args], { timeoutMs: 170_000 });

/** `PASS model relErr=… maxAbsDiff=… maxAbsLogit=… argmax=2/2 tensors=N perturbed=N time=Ns`, captured. */
const PASS_LINE =
  /^PASS (\S+) relErr=(\d\.\d\de-\d+) maxAbsDiff=(\d\.\d\de[-+]\d+) maxAbsLogit=(\S+) argmax=2\/2 tensors=(\d+) perturbed=(\d+) time=(\d+\.\d)s$/;

describe('torchvision-parity flags (no PyTorch needed)', () => {
  it('refuses unknown and non-torchvision models, bad numbers and a missing Python with exit 2', async () => {
    const unknown = await parity(['--models', 'resnet19']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown model 'resnet19'");
    const tiny = await parity(['--models', 'tiny_cnn']);
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toContain('error: --models: tiny_cnn is not a torchvision architecture');
    const tol = await parity(['--tolerance', '0']);
    expect(tol.code).toBe(2);
    expect(tol.stderr).toContain('error: --tolerance 0: not a valid value');
    const py = await parity(['--python', join(tmpdir(), 'no-such-python'), '--models', 'squeezenet1_1']);
    expect(py.code).toBe(2);
    expect(py.stderr).toMatch(/^error: \S+no-such-python cannot run the torchvision side: /);
    expect(py.stderr).toContain('hint: pass --python PATH (or set H100E_TORCH_PYTHON)');
  });
});

describe.skipIf(!TORCH_PYTHON)(
  'torchvision-parity on real torchvision (needs a Python with torch + torchvision: H100E_TORCH_PYTHON or /usr/bin/python3)',
  () => {
    it('squeezenet1_1, resnet18 and efficientnet_b0 compute what torchvision computes (relErr <= 1e-4)', async () => {
      const json = join(mkdtempSync(join(tmpdir(), 'tv-parity-')), 'parity.json');
      const models = ['squeezenet1_1', 'resnet18', 'efficientnet_b0'];
      const r = await parity(['--python', TORCH_PYTHON!, '--models', models.join(','), '--json', json]);
      expect(r.stderr).toBe('');
      expect(r.code, r.stdout).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        /^torchvision parity: torch \S+, torchvision \S+ \(.+\) against onnxruntime-node \S+ CPU; batch 2, seed 0, tolerance relErr <= 0\.0001$/,
      );
      expect(lines.at(-1)).toBe('3 models: 3 passed, 0 failed');
      const rows = lines.slice(1, -1).map((l) => PASS_LINE.exec(l));
      expect(rows.map((m) => m?.[1])).toEqual(models);
      for (const m of rows) expect(Number(m![2])).toBeLessThanOrEqual(1e-4);
      // Every float initializer went to torchvision: squeezenet's 26 conv layers are weight + bias each.
      expect(rows[0]![5]).toBe('52');
      // SqueezeNet's conv biases are all zero as built, so all 26 are randomised on both sides.
      expect(rows[0]![6]).toBe('26');

      const doc = JSON.parse(readFileSync(json, 'utf8')) as {
        format: string;
        settings: { tolerance: number; batch: number };
        models: { model: string; status: string; comparison: { relErr: number; argmaxAgree: number } }[];
      };
      expect(doc.format).toBe('h100e-torchvision-parity');
      expect(doc.settings).toMatchObject({ tolerance: 1e-4, batch: 2 });
      expect(doc.models.map((m) => [m.model, m.status, m.comparison.argmaxAgree])).toEqual(
        models.map((m) => [m, 'pass', 2]),
      );
    }, 180_000);

    // torchvision's MobileNetV3 uses BatchNorm eps 1e-3 (mobilenetv3.py, norm_layer =
    // partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)); with the default 1e-5 the zoo's logits were
    // about 2e-2 (relative) away until models/mobilenet.ts passed V3_BN_EPS.
    it('mobilenet_v3_small computes what torchvision computes', async () => {
      const r = await parity(['--python', TORCH_PYTHON!, '--models', 'mobilenet_v3_small']);
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout.split('\n')[1]).toMatch(PASS_LINE);
    }, 120_000);
  },
);

/**
 * Do the zoo's models compute what torchvision's compute? For each model: the fp32 zoo build's
 * initializers (named after torchvision's state_dict keys) are poured into
 * `torchvision.models.<name>(weights=None).eval()` by bench/anchors/torchvision_parity.py, both run
 * the same seeded batch, and the logits are compared with onnxruntime-node's CPU provider on our side.
 *
 *   npx tsc -p . && node dist/bench/anchors/torchvision-parity.js [--models a,b] [--python PATH] [--json OUT]
 *
 * Exit 0 when every model agrees within the tolerance, 1 when one does not (or its weights do not
 * map onto torchvision's state_dict), 2 on usage errors or when torch / torchvision is missing.
 *
 * Tolerance: max |ours - torch| / max |torch logit| <= 1e-4 by default. Both sides compute in
 * float32 but with different kernels (MLAS against oneDNN / MKL) and summation orders; a dot product
 * of length n then differs by about sqrt(n) ulp (~1e-6 relative at n ~ 5000), and tens of layers
 * accumulate that to ~1e-6..1e-5. An architecture slip is far larger: a BatchNorm eps of 1e-3 instead
 * of 1e-5 alone moves each normalised channel by ~5e-4 relative, per layer. 1e-4 sits between.
 *
 * Constant weight tensors (zero biases, LayerNorm ones, ViT's zero class token, ConvNeXt's layer scale
 * of 1e-6) are replaced by seeded random values around their constant on both sides (unless
 * --as-built): a layer scale of 1e-6 makes every ConvNeXt block's contribution invisible at any fp32
 * tolerance, and a zero bias hides a bias that is added in the wrong place. The graph is untouched.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getZooEntry, listZoo } from '../../models/index.js';
import { loadOnnx } from '../../src/analyze/load.js';
import {
  ElemType,
  attrInt,
  onnx,
  tensorDims,
  type OnnxGraph,
  type OnnxTensor,
} from '../../src/analyze/onnx.js';
import { OrtEngine, ORT_VERSION } from '../../src/engines/ort.js';
import { BenchError, errorMessage } from '../../src/core/errors.js';
import { fillTensor } from '../../src/graph/init.js';
import { generateInputs } from '../../src/run/inputs.js';
import { PACKAGE_ROOT } from '../../src/core/version.js';
import { zooModelPath } from '../../models/cache.js';
import { parseScriptArgs, runScript } from '../perf/script.js';

/**
 * The zoo models that are torchvision architectures, checked by default: those with torchvision's
 * published figures (tiny_cnn is ours alone).
 */
export const TORCHVISION_MODELS: readonly string[] = listZoo()
  .filter((e) => e.expected !== undefined)
  .map((e) => e.name);

/** Default bound on max |diff| / max |torch logit| (see the file comment for why 1e-4). */
export const DEFAULT_TOLERANCE = 1e-4;

/** The Python half, next to this file's source (dist/ holds no .py files). */
export const PYTHON_SCRIPT = join(PACKAGE_ROOT, 'bench', 'anchors', 'torchvision_parity.py');

/** Parsed command line. */
export interface ParityOptions {
  models: string[];
  python: string;
  tolerance: number;
  /** Seed of the zoo weights (0: the cached builds) and of the input batch. */
  seed: number;
  /** Images per batch; 2 so a per-sample mix-up (wrong axis, batch-dependent op) shows. */
  batch: number;
  /** Keep constant weight tensors as built instead of randomising them (see the file comment). */
  asBuilt: boolean;
  json?: string;
}

const USAGE =
  'torchvision-parity [--models a,b] [--python PATH] [--json OUT] [--tolerance 1e-4] [--seed 0] [--batch 2] [--as-built]';

/** Reads the flags; throws E_USAGE (exit 2) for anything it cannot use. */
export function parseParityArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParityOptions {
  const { values } = parseScriptArgs(
    {
      args: [...argv],
      options: {
        models: { type: 'string' },
        python: { type: 'string' },
        json: { type: 'string' },
        tolerance: { type: 'string' },
        seed: { type: 'string' },
        batch: { type: 'string' },
        'as-built': { type: 'boolean' },
      },
      allowPositionals: false,
    },
    USAGE,
  );
  const models = values.models
    ? values.models
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean)
    : [...TORCHVISION_MODELS];
  if (models.length === 0) throw new BenchError('E_USAGE', '--models: no model named', { hint: USAGE });
  for (const m of models) {
    getZooEntry(m); // unknown names: E_UNKNOWN_MODEL with close suggestions
    if (!TORCHVISION_MODELS.includes(m)) {
      throw new BenchError('E_USAGE', `--models: ${m} is not a torchvision architecture`, {
        hint: `choose from ${TORCHVISION_MODELS.join(', ')}`,
      });
    }
  }
  const number = (flag: string, text: string | undefined, fallback: number, ok: (v: number) => boolean) => {
    if (text === undefined) return fallback;
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || !ok(v)) {
      throw new BenchError('E_USAGE', `--${flag} ${text}: not a valid value`, { hint: USAGE });
    }
    return v;
  };
  const options: ParityOptions = {
    models,
    python: values.python ?? (env.H100E_TORCH_PYTHON || 'python3'),
    tolerance: number('tolerance', values.tolerance, DEFAULT_TOLERANCE, (v) => v > 0),
    seed: number('seed', values.seed, 0, (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff),
    batch: number('batch', values.batch, 2, (v) => Number.isInteger(v) && v >= 1 && v <= 64),
    asBuilt: values['as-built'] ?? false,
  };
  if (values.json !== undefined) options.json = values.json;
  return options;
}

/** One float initializer as written for the Python side. */
export interface WeightEntry {
  name: string;
  dims: number[];
  /** Offset in float32 elements into the weights file. */
  offset: number;
  /** "in_out": used as a MatMul's B (x @ W), so nn.Linear's weight is its transpose. */
  layout: 'torch' | 'in_out';
  /** The zoo's initializer marker: parameters have none, BN statistics "buffer", graph constants "constant". */
  kind: 'param' | 'buffer' | 'constant';
}

/** Names of initializers consumed as x @ W (MatMul input B, or Gemm B without transB): stored [in, out]. */
export function inOutWeights(graph: OnnxGraph): Set<string> {
  const names = new Set<string>();
  for (const node of graph.node ?? []) {
    const b = node.input?.[1];
    if (!b) continue;
    if (node.opType === 'MatMul' || (node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 0))
      names.add(b);
  }
  return names;
}

/** A float32 view (or copy, when the bytes are unaligned) of an FLOAT initializer's values. */
function floatValues(t: OnnxTensor): Float32Array {
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return copyFloat32(raw);
  }
  return Float32Array.from(t.floatData ?? []);
}

/**
 * Copies little-endian float32 bytes into a fresh array. Not `bytes.slice().buffer`: protobufjs and
 * readFileSync hand out Node Buffers, whose slice() is a view into a shared pool.
 */
function copyFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** True when every element equals the first: such a tensor hides part of the computation (file comment). */
function isConstant(values: Float32Array): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return values.length > 0;
}

/**
 * Replaces each constant-valued parameter or buffer with U(v - a, v + a), a = max(|v| / 2, 0.1),
 * seeded per tensor name (the zoo's own per-tensor streams), in place in `graph`; returns the names.
 * Graph constants (Clip bounds, GELU's sqrt 2) are operator details and stay.
 */
export function perturbConstantTensors(graph: OnnxGraph, seed: number): string[] {
  const changed: string[] = [];
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== ElemType.FLOAT || t.docString === 'constant') continue;
    const values = floatValues(t);
    if (!isConstant(values)) continue;
    const v = values[0]!;
    const a = Math.max(Math.abs(v) / 2, 0.1);
    const fresh = new Float32Array(values.length);
    fillTensor(fresh, { kind: 'uniform', low: v - a, high: v + a }, seed, `parity:${t.name ?? ''}`);
    t.rawData = new Uint8Array(fresh.buffer);
    t.floatData = [];
    changed.push(t.name ?? '');
  }
  return changed;
}

/** Writes every float initializer to `path` (float32 LE, back to back) and returns the index. */
export function writeWeights(graph: OnnxGraph, path: string): WeightEntry[] {
  const inOut = inOutWeights(graph);
  const entries: WeightEntry[] = [];
  const fd = openSync(path, 'w');
  try {
    let offset = 0;
    for (const t of graph.initializer ?? []) {
      if (t.dataType !== ElemType.FLOAT) continue; // int64 shape constants: no state_dict counterpart
      const values = floatValues(t);
      const name = t.name ?? '';
      const doc = t.docString;
      entries.push({
        name,
        dims: tensorDims(t),
        offset,
        layout: inOut.has(name) ? 'in_out' : 'torch',
        kind: doc === 'buffer' || doc === 'constant' ? doc : 'param',
      });
      writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      offset += values.length;
    }
  } finally {
    closeSync(fd);
  }
  return entries;
}

/** How two logit batches differ. */
export interface LogitComparison {
  maxAbsDiff: number;
  /** Largest |logit| on the torchvision side: the scale relErr is measured against. */
  maxAbsLogit: number;
  /** maxAbsDiff / maxAbsLogit. */
  relErr: number;
  /** Samples whose top class is the same on both sides. */
  argmaxAgree: number;
  batch: number;
  /** The torchvision logits of every sample are identical: the network ignores its input. */
  inputIndependent: boolean;
}

/** Compares [batch, classes] logits; `theirs` (torchvision) sets the scale. */
export function compareLogits(ours: Float32Array, theirs: Float32Array, batch: number): LogitComparison {
  if (ours.length !== theirs.length || ours.length % batch !== 0) {
    throw new Error(`logit sizes differ: ours ${ours.length}, torchvision ${theirs.length} (batch ${batch})`);
  }
  const classes = ours.length / batch;
  let maxAbsDiff = 0;
  let maxAbsLogit = 0;
  let argmaxAgree = 0;
  let inputIndependent = batch > 1;
  // A NaN on either side must fail the model, so it is remembered instead of lost by the comparisons.
  let nonFinite = false;
  for (let s = 0; s < batch; s++) {
    let bestOurs = 0;
    let bestTheirs = 0;
    for (let c = 0; c < classes; c++) {
      const i = s * classes + c;
      const o = ours[i]!;
      const t = theirs[i]!;
      const d = Math.abs(o - t);
      if (Number.isNaN(d)) nonFinite = true;
      else if (d > maxAbsDiff) maxAbsDiff = d;
      maxAbsLogit = Math.max(maxAbsLogit, Math.abs(t));
      if (o > ours[s * classes + bestOurs]!) bestOurs = c;
      if (t > theirs[s * classes + bestTheirs]!) bestTheirs = c;
      if (s > 0 && t !== theirs[c]) inputIndependent = false;
    }
    if (bestOurs === bestTheirs) argmaxAgree++;
  }
  if (nonFinite) maxAbsDiff = NaN;
  return { maxAbsDiff, maxAbsLogit, relErr: maxAbsDiff / maxAbsLogit, argmaxAgree, batch, inputIndependent };
}

/** One model's verdict. */
export interface ModelParity {
  model: string;
  status: 'pass' | 'fail';
  /** Why it failed, one line; absent on pass. */
  reason?: string;
  comparison?: LogitComparison;
  /** Float initializers handed to torchvision. */
  tensors: number;
  /** Constant tensors randomised on both sides (empty with --as-built). */
  perturbed: string[];
  /** Layout rewrites the Python side applied: transposed MatMul weights, fused q/k/v projections. */
  adapted?: { transposed: number; fusedQkv: number };
  /** state_dict keys with no initializer, shapes that differ, initializers torchvision has no key for. */
  missing?: string[];
  shapeMismatch?: { key: string; torchvision: number[]; zoo: number[] }[];
  unused?: string[];
  seconds: number;
}

/** Runs a command without blocking the event loop; never rejects. */
function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        // ENOENT (no such interpreter) arrives as a string code with empty stderr: say so.
        const extra = err && typeof err.code === 'string' ? `${err.message}\n` : '';
        done({ code, stdout, stderr: stderr + extra });
      },
    );
  });
}

const lastLine = (text: string): string => text.trim().split('\n').at(-1) ?? '';

/** Versions of torch / torchvision / numpy behind `python`; E_USAGE (exit 2) when they are missing. */
export async function torchVersions(
  python: string,
): Promise<{ torch: string; torchvision: string; numpy: string }> {
  const r = await run(python, ['-B', PYTHON_SCRIPT, '--versions'], 120_000);
  if (r.code !== 0) {
    const why = lastLine(r.stderr).replace(/^error: /, '') || `exit code ${r.code}`;
    throw new BenchError('E_USAGE', `${python} cannot run the torchvision side: ${why}`, {
      hint: "pass --python PATH (or set H100E_TORCH_PYTHON) to a Python with torch and torchvision, e.g. Debian's /usr/bin/python3 with python3-torch python3-torchvision",
    });
  }
  return JSON.parse(r.stdout) as { torch: string; torchvision: string; numpy: string };
}

/** Builds (or reuses) the zoo model, runs both sides and compares. */
export async function checkModel(name: string, options: ParityOptions): Promise<ModelParity> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const path = zooModelPath(name, { precision: 'fp32', seed: options.seed });
  const loaded = loadOnnx(path);
  const dir = mkdtempSync(join(tmpdir(), `h100e-parity-${name}-`));
  try {
    const perturbed = options.asBuilt ? [] : perturbConstantTensors(loaded.graph, options.seed);
    const tensors = writeWeights(loaded.graph, join(dir, 'weights.bin'));
    let modelPath = path;
    if (perturbed.length > 0) {
      // The same values must reach ORT: re-encode the model with the randomised initializers.
      modelPath = join(dir, 'model.onnx');
      const model = {
        irVersion: loaded.irVersion,
        opsetImport: [{ domain: '', version: loaded.opset }],
        graph: loaded.graph,
      };
      writeFileSync(modelPath, onnx.ModelProto.encode(model).finish());
    }
    const [, c, h, w] = getZooEntry(name).inputShape;
    const shape = [options.batch, c, h, w];
    const inputs = generateInputs([{ name: 'input', dtype: 'float32', shape }], options.seed);
    const x = inputs.get('input')!.data as Float32Array;
    writeFileSync(join(dir, 'input.bin'), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const manifest = {
      model: name,
      weights: 'weights.bin',
      tensors,
      input: { file: 'input.bin', shape },
      output: 'logits.bin',
      result: 'result.json',
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));

    const py = await run(
      options.python,
      ['-B', PYTHON_SCRIPT, '--manifest', join(dir, 'manifest.json')],
      900_000,
    );
    const base = { model: name, tensors: tensors.length, perturbed };
    if (py.code !== 0 && py.code !== 1) {
      const why = lastLine(py.stderr) || `exit code ${py.code}`;
      return { ...base, status: 'fail', reason: `torchvision side failed: ${why}`, seconds: seconds() };
    }
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as {
      status: string;
      adapted: { transposed: number; fusedQkv: number };
      missing: string[];
      shapeMismatch: { key: string; torchvision: number[]; zoo: number[] }[];
      unused: string[];
    };
    const mapping = {
      adapted: result.adapted,
      missing: result.missing,
      shapeMismatch: result.shapeMismatch,
      unused: result.unused,
    };
    if (result.status !== 'ok') {
      return { ...base, ...mapping, status: 'fail', reason: describeMapping(mapping), seconds: seconds() };
    }
    const theirs = copyFloat32(readFileSync(join(dir, 'logits.bin')));

    const engine = new OrtEngine();
    const session = await engine.load({
      modelPath,
      device: 'cpu',
      precision: 'fp32',
      threads: 0,
      transfer: 'include',
    });
    let ours: Float32Array;
    try {
      await session.bind(inputs);
      const outputs = await session.runAndRead();
      ours = (outputs.get('logits') ?? [...outputs.values()][0]!).data;
    } finally {
      await session.dispose();
    }
    const comparison = compareLogits(ours, theirs, options.batch);
    const reason =
      comparison.maxAbsLogit === 0
        ? 'torchvision logits are all zero: the comparison proves nothing'
        : comparison.inputIndependent
          ? 'torchvision logits are the same for every sample: the network ignores its input'
          : !(comparison.relErr <= options.tolerance)
            ? `relErr exceeds the tolerance ${options.tolerance}`
            : undefined;
    return {
      ...base,
      ...mapping,
      status: reason ? 'fail' : 'pass',
      ...(reason ? { reason } : {}),
      comparison,
      seconds: seconds(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** "missing a, b (+3 more); ..." for weights that do not map onto torchvision's state_dict. */
function describeMapping(m: {
  missing: string[];
  shapeMismatch: { key: string; torchvision: number[]; zoo: number[] }[];
  unused: string[];
}): string {
  const list = (xs: string[]) =>
    xs.slice(0, 5).join(', ') + (xs.length > 5 ? ` (+${xs.length - 5} more)` : '');
  const parts: string[] = [];
  if (m.missing.length) parts.push(`state_dict keys with no zoo initializer: ${list(m.missing)}`);
  if (m.shapeMismatch.length) {
    const shapes = m.shapeMismatch.map(
      (s) => `${s.key} torchvision [${s.torchvision.join('x')}] zoo [${s.zoo.join('x')}]`,
    );
    parts.push(`shape mismatch: ${list(shapes)}`);
  }
  if (m.unused.length) parts.push(`zoo initializers torchvision has no key for: ${list(m.unused)}`);
  return `weights do not map onto torchvision's state_dict: ${parts.join('; ')}`;
}

const sci = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : String(v));

/**
 * One line per model, key=value so scripts and tests can read it:
 * `PASS resnet18 relErr=1.23e-7 maxAbsDiff=4.56e-7 maxAbsLogit=3.71 argmax=2/2 tensors=102 perturbed=21 time=3.1s`,
 * a failing model adds `: <reason>`.
 */
export function formatParityLine(r: ModelParity): string {
  const head = `${r.status === 'pass' ? 'PASS' : 'FAIL'} ${r.model}`;
  const tail = `tensors=${r.tensors} perturbed=${r.perturbed.length} time=${r.seconds.toFixed(1)}s`;
  const c = r.comparison;
  const figures = c
    ? `relErr=${sci(c.relErr)} maxAbsDiff=${sci(c.maxAbsDiff)} maxAbsLogit=${c.maxAbsLogit.toPrecision(3)} argmax=${c.argmaxAgree}/${c.batch} `
    : '';
  return `${head} ${figures}${tail}${r.reason ? `: ${r.reason}` : ''}`;
}

/** The whole command; resolves with the exit code. */
export async function parityCommand(argv: readonly string[], write: (line: string) => void): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    write(`usage: ${USAGE}`);
    return 0;
  }
  const options = parseParityArgs(argv);
  if (endianness() !== 'LE')
    throw new BenchError(
      'E_UNSUPPORTED',
      'the weights file is written little-endian; this host is big-endian',
    );
  const versions = await torchVersions(options.python);
  write(
    `torchvision parity: torch ${versions.torch}, torchvision ${versions.torchvision} (${options.python}) against onnxruntime-node ${ORT_VERSION} CPU; ` +
      `batch ${options.batch}, seed ${options.seed}, tolerance relErr <= ${options.tolerance}${options.asBuilt ? ', weights as built' : ''}`,
  );
  const results: ModelParity[] = [];
  for (const name of options.models) {
    let r: ModelParity;
    try {
      r = await checkModel(name, options);
    } catch (e) {
      // One model's breakage (ORT cannot load it, a write fails) must not hide the others' figures.
      r = {
        model: name,
        status: 'fail',
        reason: errorMessage(e).split('\n')[0] ?? '',
        tensors: 0,
        perturbed: [],
        seconds: 0,
      };
    }
    results.push(r);
    write(formatParityLine(r));
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  write(`${results.length} models: ${results.length - failed} passed, ${failed} failed`);
  if (options.json) {
    const doc = {
      format: 'h100e-torchvision-parity',
      formatVersion: 1,
      environment: { ...versions, python: options.python, onnxruntime: ORT_VERSION },
      settings: {
        batch: options.batch,
        seed: options.seed,
        tolerance: options.tolerance,
        asBuilt: options.asBuilt,
      },
      models: results,
    };
    try {
      writeFileSync(options.json, JSON.stringify(doc, null, 2) + '\n');
    } catch (e) {
      throw new BenchError('E_UNWRITABLE', `cannot write --json ${options.json}: ${errorMessage(e)}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runScript(() => parityCommand(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`)));
}

/**
 * `bench run` input checks through the API: models, shapes, durations and suites are all checked before
 * the engine loads or anything is measured.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import { resolveModel } from '../src/run/models.js';
import { defaultMaxDurationS, loadSuite, parseRunOptions, SUITES_DIR } from '../src/run/options.js';
import { runBenchmarks } from '../src/run/run.js';
import { buildModel } from './analyze-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-cli-input-run-'));

/** The BenchError `fn` throws (sync or async). */
async function thrown(fn: () => unknown): Promise<BenchError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).message).not.toContain('\n');
    return e as BenchError;
  }
  throw new Error('expected a BenchError');
}

const ORT = { engine: 'ort', precision: 'fp32', seed: 0 } as const;

describe('--model files', () => {
  it('decodes a file without the .onnx extension up front: junk is a usage error with a hint', async () => {
    const junk = join(dir, 'passwd');
    writeFileSync(junk, 'root:x:0:0:root:/root:/bin/bash\n');
    const e = await thrown(() => resolveModel(junk, ORT));
    expect(e.code).toBe('E_FILE_CORRUPT');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(new RegExp(`^--model ${junk} is not a readable ONNX model: corrupt protobuf`));
    expect(e.hint).toBe(
      'give a zoo name (bench models lists them), an .onnx file, or a model.json with --engine tfjs',
    );
  });

  it('takes an ONNX file under any name, and refuses non-model.json files for tfjs', async () => {
    const bin = join(dir, 'model.bin');
    writeFileSync(
      bin,
      buildModel({
        inputs: [{ name: 'x', shape: ['N', 4] }],
        outputs: [{ name: 'y' }],
        nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      }),
    );
    const m = resolveModel(bin, ORT);
    expect(m.onnxPath).toBe(bin);
    expect(m.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 4] }]);
    const e = await thrown(() => resolveModel(bin, { ...ORT, engine: 'tfjs' }));
    expect(e.message).toBe(`--model ${bin}: the tfjs engine loads a TensorFlow.js model.json`);
  });
});

describe('--shape is checked for every model and batch before measuring', () => {
  // A fixed-size model second in the list: the shape fits tiny_cnn (N x 3 x 32 x 32) but not it.
  const fixed = join(dir, 'fixed.onnx');
  writeFileSync(
    fixed,
    buildModel({
      inputs: [{ name: 'input', shape: ['N', 3, 64, 64] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Relu', inputs: ['input'], outputs: ['y'] }],
    }),
  );

  const cases: [string, Parameters<typeof runBenchmarks>[0], string][] = [
    [
      'a shape that fits the first model only',
      { models: ['tiny_cnn', fixed], shapes: ['input:1x3x32x32'] },
      `--model ${fixed}: --shape input: dimension 2 is fixed at 64 in the model, not 32`,
    ],
    [
      'an input the model does not have',
      { models: ['tiny_cnn'], shapes: ['nosuch:1x3x32x32'] },
      "--model tiny_cnn: --shape names input 'nosuch', but the model's inputs are: input",
    ],
    [
      'the wrong rank',
      { models: ['tiny_cnn'], shapes: ['input:1x3x32'] },
      "--model tiny_cnn: --shape input:1x3x32 has rank 3, but input 'input' has rank 4 ([N, 3, 32, 32])",
    ],
  ];
  it.each(cases)('%s', async (_name, input, message) => {
    const out = join(dir, `${_name.replace(/\W+/g, '-')}.json`);
    let started = false;
    const e = await thrown(() =>
      runBenchmarks(
        { ...input, device: 'cpu', out },
        {
          onConfigStart: () => {
            started = true;
          },
        },
      ),
    );
    expect(e.code).toBe('E_USAGE');
    expect(e.message).toBe(message);
    expect(started).toBe(false);
    expect(existsSync(out)).toBe(false);
  });
});

describe('--duration and --max-duration', () => {
  it('defaults --max-duration to the longer of 30 s and twice --duration', () => {
    expect(defaultMaxDurationS(3)).toBe(30);
    expect(defaultMaxDurationS(60)).toBe(120);
    expect(parseRunOptions({ models: ['tiny_cnn'] }).maxDurationS).toBe(30);
    expect(parseRunOptions({ models: ['tiny_cnn'], durationS: 60 }).maxDurationS).toBe(120);
    expect(parseRunOptions({ models: ['tiny_cnn'], durationS: 60, maxDurationS: 90 }).maxDurationS).toBe(90);
  });

  it('says once, with a hint, when a given --max-duration is shorter', async () => {
    const e = await thrown(() => parseRunOptions({ models: ['tiny_cnn'], durationS: 60, maxDurationS: 20 }));
    expect(e.message).toBe('--max-duration 20 is shorter than --duration 60');
    expect(e.hint).toBe(
      'give --max-duration at least 60, or leave it out (default: the longer of 30 s and 2 x --duration)',
    );
  });
});

describe('--suite files', () => {
  const suite = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const hint = `a suite needs name and models; optional: description, batches, durationS, maxDurationS, minIterations, warmup, relCiPct, scenario, precision (example: ${join(SUITES_DIR, 'smoke.yaml')})`;

  it('needs no description', () => {
    expect(loadSuite(suite('min.yaml', 'name: m\nmodels: [tiny_cnn]\n'))).toEqual({
      name: 'm',
      models: ['tiny_cnn'],
    });
  });

  it('finds model files named in a suite beside the suite, and leaves zoo names alone', () => {
    const path = suite('paths.yaml', `name: p\nmodels: [tiny_cnn, sub/a.onnx, b.onnx, /abs/c.onnx]\n`);
    expect(loadSuite(path).models).toEqual([
      'tiny_cnn',
      join(dir, 'sub', 'a.onnx'),
      join(dir, 'b.onnx'),
      '/abs/c.onnx',
    ]);
  });

  it('reports every problem at once, suggests close keys and points to an example', async () => {
    const path = suite('bad.yaml', 'duration: 2\nmax-duration: 4\ncolour: red\nbatches: [0]\n');
    const e = await thrown(() => loadSuite(path));
    expect(e.code).toBe('E_SCHEMA');
    expect(e.message).toBe(
      `--suite ${path}: missing "name"; missing "models"; field "batches.0" (0): expected a positive number; ` +
        'unknown key "duration" (did you mean "durationS"?); unknown key "max-duration" (did you mean "maxDurationS"?); unknown key "colour"',
    );
    expect(e.hint).toBe(hint);
  });

  it('words wrong values as the flags do', async () => {
    const path = suite('types.yaml', 'name: t\nmodels: tiny_cnn\nscenario: batch\nwarmup: 1.5\n');
    expect((await thrown(() => loadSuite(path))).message).toBe(
      `--suite ${path}: field "models" ("tiny_cnn"): expected array; field "warmup" (1.5): expected an integer; ` +
        'field "scenario" ("batch"): expected one of offline, single-stream, server',
    );
  });

  it('says when the file is empty', async () => {
    const path = suite('empty.yaml', '# nothing yet\n');
    const e = await thrown(() => loadSuite(path));
    expect(e.message).toBe(`--suite ${path}: the file is empty`);
    expect(e.hint).toBe(hint);
  });
});

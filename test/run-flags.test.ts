/**
 * `bench run` flag checks below the CLI: decimal-only numbers, de-duplicated lists, suggestions only for
 * plausible typos, the seed / threads / --out / single-stream limits, and the precision of model files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listZoo } from '../models/index.js';
import { loadOnnx } from '../src/analyze/load.js';
import { boundedNumber, choice, choiceList, intList, positiveNumber } from '../src/cli/parse.js';
import { onnxInputs, resolveModel } from '../src/run/models.js';
import { maxThreads, parseRunOptions, SEED_BOUNDS, threadsLimitMessage } from '../src/run/options.js';
import { nearestName, nearestNames, typoDistance } from '../src/core/suggest.js';
import { buildModel } from './analyze-fixtures.js';
import { thrownBenchError } from './bench-error.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-run-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = thrownBenchError;

describe('numbers are plain decimal', () => {
  const duration = positiveNumber('--duration');

  it('accepts decimals and exponents', () => {
    expect(duration('3')).toBe(3);
    expect(duration('0.5')).toBe(0.5);
    expect(duration('.5')).toBe(0.5);
    expect(duration('1e3')).toBe(1000);
    expect(duration('2.5E-1')).toBe(0.25);
  });

  it('refuses what only Number() reads (hex, binary, padding), saying why', () => {
    for (const bad of ['0x10', '0b1', ' 1', '1 ', '0o7']) {
      const e = thrown(() => duration(bad));
      expect(e.code).toBe('E_USAGE');
      expect(e.message).toBe(`--duration '${bad}': expected a positive number`);
      expect(e.hint).toBe('write --duration in plain decimal, e.g. 2.5 or 1e3');
    }
    // Not a number at all: no hint about notation.
    expect(thrown(() => duration('abc')).hint).toBeUndefined();
    expect(thrown(() => positiveNumber('--warmup', { integer: true })('0x5')).hint).toBe(
      'write --warmup in plain decimal, e.g. 4',
    );
  });

  it('intList takes digits only, leaving repeats to the run options', () => {
    const batch = intList('--batch');
    expect(batch('8,1,8,1')).toEqual([8, 1, 8, 1]);
    expect(parseRunOptions({ models: ['tiny_cnn'], batches: batch('8,1,8,1') }).batches).toEqual([8, 1]);
    expect(batch('1, 8')).toEqual([1, 8]);
    for (const bad of ['0x1', '1e1', '1,,8', '1.0']) {
      expect(thrown(() => batch(bad)).message).toBe(
        `--batch '${bad}': expected positive integers separated by commas, e.g. 1,8,32`,
      );
    }
  });
});

describe('--seed of run and of models export', () => {
  it('accepts exactly the integers 0..4294967295, in one wording', () => {
    const seed = boundedNumber('--seed', SEED_BOUNDS);
    expect(seed('0')).toBe(0);
    expect(seed('4294967295')).toBe(4294967295);
    for (const bad of ['4294967296', '5000000000', '1e20', '-1', '1.5']) {
      expect(thrown(() => seed(bad)).message).toBe(
        `--seed '${bad}': expected an integer from 0 to 4294967295`,
      );
    }
  });

  it('the run options refuse the same range through the API', () => {
    const e = thrown(() => parseRunOptions({ models: ['tiny_cnn'], seed: 5_000_000_000 }));
    expect(e.message).toBe('--seed: must be an integer from 0 to 4294967295');
  });
});

describe('suggestions', () => {
  it('only for plausible typos, counting swapped letters as one edit', () => {
    const zoo = listZoo().map((z) => z.name);
    expect(nearestName('nope', zoo)).toBeUndefined();
    expect(nearestName('resnt50', zoo)).toBe('resnet50');
    expect(nearestName('ab', ['cd', 'ef'])).toBeUndefined();
    expect(typoDistance('cdua', 'cuda')).toBe(1);
    expect(typoDistance('cdua', 'cpu')).toBe(2);
    expect(typoDistance('', 'abc')).toBe(3);
  });

  it('the list variant offers every plausible typo, closest first', () => {
    const zoo = listZoo().map((z) => z.name);
    expect(nearestNames('resnet', zoo)).toEqual(['resnet18', 'resnet50']);
    expect(nearestNames('resnt50', zoo)).toEqual(['resnet50']);
    expect(nearestNames('resnet5', zoo)).toEqual(['resnet50', 'resnet18']);
    expect(nearestNames('nope', zoo)).toEqual([]);
  });

  it('choice names the flag and the choices, and suggests a close one only', () => {
    const engine = choice('--engine', ['ort', 'tfjs'] as const);
    const far = thrown(() => engine('torch'));
    expect(far.message).toBe("--engine 'torch': expected one of ort, tfjs");
    expect(far.hint).toBeUndefined();
    expect(thrown(() => engine('tfj')).hint).toBe('did you mean --engine tfjs?');
    const device = choice('--device', ['auto', 'cpu', 'cuda', 'tensorrt', 'webgpu'] as const);
    expect(thrown(() => device('cdua')).hint).toBe('did you mean --device cuda?');
  });

  it('choiceList drops repeats', () => {
    expect(choiceList('--ignore-key', ['model', 'threads'] as const)('threads,model,threads')).toEqual([
      'threads',
      'model',
    ]);
  });
});

describe('run options', () => {
  it('single-stream refuses --concurrency other than 1, as it refuses --batch', () => {
    const e = thrown(() =>
      parseRunOptions({ models: ['tiny_cnn'], scenario: 'single-stream', concurrency: 4 }),
    );
    expect(e.message).toBe(
      '--concurrency: the single-stream scenario runs one request at a time; drop --concurrency or use --scenario offline',
    );
    expect(parseRunOptions({ models: ['tiny_cnn'], scenario: 'single-stream' }).concurrency).toBe(1);
  });

  it('--threads is bounded by 4 x the logical cores', () => {
    const cores = availableParallelism();
    expect(maxThreads(2)).toBe(8);
    expect(threadsLimitMessage('9', 2)).toBe(
      "--threads '9': expected an integer from 0 to 8 (4 x the 2 logical cores here)",
    );
    expect(parseRunOptions({ models: ['tiny_cnn'], threads: 4 * cores }).threads).toEqual([4 * cores]);
    expect(thrown(() => parseRunOptions({ models: ['tiny_cnn'], threads: 4 * cores + 1 })).message).toBe(
      threadsLimitMessage(4 * cores + 1),
    );
    // In a list, the first count over the limit is named.
    expect(
      thrown(() => parseRunOptions({ models: ['tiny_cnn'], threads: [1, 4 * cores + 2, 99] })).message,
    ).toBe(threadsLimitMessage(4 * cores + 2));
  });

  it('--engine tfjs takes one --threads count: tfjs fixes it once per process', () => {
    const e = thrown(() => parseRunOptions({ models: ['tiny_cnn'], engine: 'tfjs', threads: [1, 2] }));
    expect([e.code, e.message, e.hint]).toEqual([
      'E_USAGE',
      '--threads 1,2: TensorFlow.js fixes its thread count once per process, so --engine tfjs takes one count',
      'run one bench per thread count (--out for each) and join the files with `bench merge`',
    ]);
    expect(parseRunOptions({ models: ['tiny_cnn'], engine: 'tfjs', threads: 2 }).threads).toEqual([2]);
    expect(parseRunOptions({ models: ['tiny_cnn'], threads: [1, 2] }).threads).toEqual([1, 2]);
  });

  it('an empty or blank --out is refused up front', () => {
    for (const out of ['', '  ']) {
      expect(thrown(() => parseRunOptions({ models: ['tiny_cnn'], out })).message).toBe(
        '--out is empty: pass a file path',
      );
    }
    expect(parseRunOptions({ models: ['tiny_cnn'], out: 'r.json' }).out).toBe('r.json');
  });

  it('--seed words its range once, from MAX_SEED', () => {
    for (const seed of [-1, 1.5, 2 ** 32]) {
      expect(thrown(() => parseRunOptions({ models: ['tiny_cnn'], seed })).message).toBe(
        '--seed: must be an integer from 0 to 4294967295',
      );
    }
  });

  it('measures a repeated model or batch once, and leaves precision unset unless given', () => {
    const o = parseRunOptions({ models: ['tiny_cnn', 'resnet18', 'tiny_cnn'], batches: [1, 8, 1] });
    expect(o.models).toEqual(['tiny_cnn', 'resnet18']);
    expect(o.batches).toEqual([1, 8]);
    expect(o.precision).toBeUndefined();
  });

  it('splits comma lists of models itself, checking for none after splitting', () => {
    expect(parseRunOptions({ models: ['a.onnx, b.onnx', 'a.onnx'] }).models).toEqual(['a.onnx', 'b.onnx']);
    for (const models of [[], [''], [' , ']]) {
      expect(thrown(() => parseRunOptions({ models })).message).toBe('--model: give at least one --model');
    }
    // An API caller that leaves models out gets the same words, not zod's type error.
    expect(thrown(() => parseRunOptions({} as never)).message).toBe('--model: give at least one --model');
  });
});

describe('the precision of a model file', () => {
  const relu = (elemType: number, inits: { name: string; dims: number[]; elemType: number }[] = []) =>
    buildModel({
      inputs: [{ name: 'x', shape: ['N', 4], elemType }],
      outputs: [{ name: 'y', elemType }],
      inits,
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
    });
  const fp32 = join(dir, 'fp32.onnx');
  const fp16 = join(dir, 'fp16.onnx');
  // An fp16 export that keeps fp32 inputs: most float weights are float16.
  const castIn = join(dir, 'cast-in.onnx');
  writeFileSync(fp32, relu(1, [{ name: 'w', dims: [4, 4], elemType: 1 }]));
  writeFileSync(fp16, relu(10));
  writeFileSync(
    castIn,
    relu(1, [
      { name: 'w', dims: [64, 64], elemType: 10 },
      { name: 'scale', dims: [4], elemType: 1 },
    ]),
  );
  const ORT = { engine: 'ort', seed: 0 } as const;

  it('the inputs record the element type the graph declares', () => {
    expect(onnxInputs(loadOnnx(fp32))).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 4] }]);
    expect(onnxInputs(loadOnnx(fp16))).toEqual([{ name: 'x', dtype: 'float16', shape: ['N', 4] }]);
    const int64 = join(dir, 'int64.onnx');
    writeFileSync(int64, relu(7));
    expect(onnxInputs(loadOnnx(int64))[0]?.dtype).toBe('int64');
    expect(resolveModel(int64, { ...ORT, precision: undefined }).inputs?.[0]?.dtype).toBe('int64');
  });

  it('is the one the file has when --precision is not given', () => {
    expect(resolveModel(fp32, { ...ORT, precision: undefined }).precision).toBe('fp32');
    expect(resolveModel(fp16, { ...ORT, precision: undefined }).precision).toBe('fp16');
    expect(resolveModel(castIn, { ...ORT, precision: undefined }).precision).toBe('fp16');
    expect(resolveModel(fp16, { ...ORT, precision: 'fp16' }).precision).toBe('fp16');
    expect(resolveModel('tiny_cnn', { ...ORT, precision: undefined }).precision).toBe('fp32');
  });

  it('a --precision that differs from the file is a usage error naming both', () => {
    const up = thrown(() => resolveModel(fp32, { ...ORT, precision: 'fp16' }));
    expect(up.code).toBe('E_USAGE');
    expect(up.message).toBe(`--precision fp16: --model ${fp32} is an fp32 file, and a file runs as it is`);
    expect(up.hint).toBe(
      '--precision applies to zoo models; make an fp16 copy with bench models export NAME --precision fp16',
    );
    const down = thrown(() => resolveModel(fp16, { ...ORT, precision: 'fp32' }));
    expect(down.message).toBe(`--precision fp32: --model ${fp16} is an fp16 file, and a file runs as it is`);
    expect(down.hint).toBe(
      '--precision applies to zoo models; drop it to run this file as it is, or give the fp32 original',
    );
  });
});

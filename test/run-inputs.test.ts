import { describe, expect, it } from 'vitest';
import type { TensorSignature } from '../src/engines/engine.js';
import { BenchError } from '../src/core/errors.js';
import { parseShapeFlags } from '../src/analyze/shape-flag.js';
import { generateInputs, resolveInputShapes } from '../src/run/inputs.js';

const image: TensorSignature = { name: 'input', dtype: 'float32', shape: ['N', 3, 224, 224] };
const dynamic: TensorSignature = { name: 'pixels', dtype: 'float32', shape: ['batch', 3, 'height', 'width'] };

function usageError(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BenchError);
    expect((e as BenchError).exitCode).toBe(2);
    expect((e as BenchError).message).not.toContain('\n');
    return e as BenchError;
  }
  throw new Error('expected a usage error');
}

describe('input shapes', () => {
  it('puts the batch into a symbolic first dimension', () => {
    expect(resolveInputShapes([image], 8, {})).toEqual([
      { name: 'input', dtype: 'float32', shape: [8, 3, 224, 224] },
    ]);
  });
  it('asks for --shape for other symbolic dimensions, naming the input and showing the flag', () => {
    const e = usageError(() => resolveInputShapes([dynamic], 1, {}));
    expect(e.message).toBe(
      "input 'pixels' has symbolic dimension 'height' at position 2 ([batch, 3, height, width]); give its size with --shape pixels:1x3x224x224",
    );
  });
  it('uses --shape, with the batch flag overriding its first dimension', () => {
    const shapes = resolveInputShapes([dynamic], 4, parseShapeFlags(['pixels:1x3x160x128']));
    expect(shapes[0]?.shape).toEqual([4, 3, 160, 128]);
    expect(resolveInputShapes([dynamic], 2, parseShapeFlags(['1x3x96x96']))[0]?.shape).toEqual([
      2, 3, 96, 96,
    ]);
    expect(
      usageError(() => resolveInputShapes([image, dynamic], 1, parseShapeFlags(['1x3x96x96']))).message,
    ).toMatch(/needs a model with one input/);
  });
  it('rejects a --shape of the wrong rank, a conflicting fixed dimension and an unknown input', () => {
    expect(
      usageError(() => resolveInputShapes([image], 1, parseShapeFlags(['input:1x3x224']))).message,
    ).toMatch(/has rank 3, but input 'input' has rank 4/);
    expect(
      usageError(() => resolveInputShapes([image], 1, parseShapeFlags(['input:1x1x224x224']))).message,
    ).toMatch(/dimension 1 is fixed at 3/);
    expect(
      usageError(() => resolveInputShapes([image], 1, parseShapeFlags(['x:1x3x224x224']))).message,
    ).toMatch(/inputs are: input/);
  });
  it('refuses a batch sweep on a model with a fixed batch', () => {
    const fixed: TensorSignature = { name: 'x', dtype: 'float32', shape: [1, 3, 32, 32] };
    expect(resolveInputShapes([fixed], 1, {})[0]?.shape).toEqual([1, 3, 32, 32]);
    expect(usageError(() => resolveInputShapes([fixed], 8, {})).message).toMatch(
      /fixed batch of 1.*--batch 8/,
    );
  });
});

describe('input data', () => {
  const specs = [
    { name: 'f', dtype: 'float32' as const, shape: [2, 3] },
    { name: 'ids', dtype: 'int64' as const, shape: [64] },
    { name: 'mask', dtype: 'bool' as const, shape: [64] },
    { name: 'h', dtype: 'float16' as const, shape: [4] },
  ];
  it('is seeded, never all zeros, and of the right type and size', () => {
    const a = generateInputs(specs, 7);
    const b = generateInputs(specs, 7);
    const c = generateInputs(specs, 8);
    const f = a.get('f')?.data as Float32Array;
    expect(f).toBeInstanceOf(Float32Array);
    expect(f.length).toBe(6);
    expect([...f].every((v) => v !== 0 && Number.isFinite(v))).toBe(true);
    expect(b.get('f')?.data).toEqual(f);
    expect(c.get('f')?.data).not.toEqual(f);
    const ids = a.get('ids')?.data as BigInt64Array;
    expect(ids).toBeInstanceOf(BigInt64Array);
    expect([...ids].every((v) => v >= 0n && v < 8n)).toBe(true);
    expect(new Set([...ids]).size).toBeGreaterThan(1);
    const mask = a.get('mask')?.data as Uint8Array;
    expect([...mask].some((v) => v === 1) && [...mask].some((v) => v === 0)).toBe(true);
    expect(a.get('h')?.data).toBeInstanceOf(Uint16Array);
  });
});

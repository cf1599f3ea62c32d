/**
 * Concrete input shapes and seeded input data. Inputs are generated once per configuration and bound
 * to the session, so generation cost never enters the timed loop.
 */
import { UNNAMED_INPUT } from '../analyze/shape-flag.js';
import { BenchError } from '../core/errors.js';
import type { HostInputs, TensorSignature } from '../engines/engine.js';
import { float32ToFloat16Bits } from '../graph/fp16.js';
import { fillImageSizes } from './image-size.js';
import { mulberry32, normalSource } from '../core/random.js';
import type { TensorInfo } from '../results/schema.js';

/**
 * The shapes to feed at `batch`. A symbolic (or unknown) first dimension takes the batch; any other
 * symbolic dimension must come from --shape. A --shape's own first dimension is replaced by the batch
 * when the model's batch dimension is symbolic, so one --shape serves a whole --batch sweep. An unnamed
 * --shape (parseShapeFlags' UNNAMED_INPUT) applies to a model's only input.
 */
export function resolveInputShapes(
  inputs: TensorSignature[],
  batch: number,
  shapeFlags: Record<string, number[]>,
): TensorInfo[] {
  const overrides = new Map(Object.entries(shapeFlags));
  const unnamed = overrides.get(UNNAMED_INPUT);
  if (unnamed) {
    if (inputs.length !== 1) {
      throw new BenchError(
        'E_USAGE',
        `--shape without an input name needs a model with one input; this one has ${inputs.map((i) => i.name).join(', ')}`,
        {
          hint: 'write --shape NAME:DxDx...',
        },
      );
    }
    overrides.delete(UNNAMED_INPUT);
    overrides.set(inputs[0]!.name, unnamed);
  }
  for (const name of overrides.keys()) {
    if (!inputs.some((i) => i.name === name)) {
      throw new BenchError(
        'E_USAGE',
        `--shape names input '${name}', but the model's inputs are: ${inputs.map((i) => i.name).join(', ')}`,
      );
    }
  }
  return inputs.map((input) => {
    const given = overrides.get(input.name);
    const batchSymbolic = typeof input.shape[0] !== 'number';
    if (given) {
      if (given.length !== input.shape.length) {
        throw new BenchError(
          'E_USAGE',
          `--shape ${input.name}:${given.join('x')} has rank ${given.length}, but input '${input.name}' has rank ${input.shape.length} (${describe(input.shape)})`,
        );
      }
      given.forEach((d, i) => {
        const declared = input.shape[i];
        if (typeof declared === 'number' && declared !== d && !(i === 0 && batchSymbolic)) {
          throw new BenchError(
            'E_USAGE',
            `--shape ${input.name}: dimension ${i} is fixed at ${declared} in the model, not ${d}`,
          );
        }
      });
      return {
        name: input.name,
        dtype: input.dtype,
        shape: batchSymbolic ? [batch, ...given.slice(1)] : [...given],
      };
    }
    const shape = input.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return batch;
      throw new BenchError(
        'E_USAGE',
        `input '${input.name}' has symbolic dimension ${d === null ? '?' : `'${d}'`} at position ${i} (${describe(input.shape)}); give its size with --shape ${input.name}:${exampleShape(input.shape, batch)}`,
      );
    });
    if (shape.length > 0 && !batchSymbolic && shape[0] !== batch && input.shape.length > 1) {
      throw new BenchError(
        'E_USAGE',
        `input '${input.name}' has a fixed batch of ${shape[0]} (${describe(input.shape)}); --batch ${batch} cannot be used`,
        {
          hint: `use --batch ${shape[0]}, or export the model with a symbolic batch dimension`,
        },
      );
    }
    return { name: input.name, dtype: input.dtype, shape };
  });
}

function describe(shape: TensorSignature['shape']): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function exampleShape(shape: TensorSignature['shape'], batch: number): string {
  return shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : 224)).join('x');
}

/**
 * Seeded random data for every input, never all zeros: floats ~ N(0, 1) like normalised images;
 * integer inputs uniform in [0, 8) (small values stay valid as indices or class ids); bool 50/50; a
 * size input ([2] or [N, 2]) beside an image input holds the image's height and width (image-size.ts).
 */
export function generateInputs(specs: TensorInfo[], seed: number): HostInputs {
  const uniform = mulberry32(seed);
  const normal = normalSource(uniform);
  const inputs: HostInputs = new Map();
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    let data: ArrayBufferView;
    switch (spec.dtype) {
      case 'float32':
        data = Float32Array.from({ length: n }, normal);
        break;
      case 'float16':
        data = Uint16Array.from({ length: n }, () => float32ToFloat16Bits(normal()));
        break;
      case 'int64':
        data = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(uniform() * 8)));
        break;
      case 'int32':
        data = Int32Array.from({ length: n }, () => Math.floor(uniform() * 8));
        break;
      case 'int8':
        data = Int8Array.from({ length: n }, () => Math.floor(uniform() * 8));
        break;
      case 'uint8':
        data = Uint8Array.from({ length: n }, () => Math.floor(uniform() * 256));
        break;
      case 'bool':
        data = Uint8Array.from({ length: n }, () => (uniform() < 0.5 ? 1 : 0));
        break;
    }
    inputs.set(spec.name, { dtype: spec.dtype, shape: spec.shape, data });
  }
  fillImageSizes(specs, inputs);
  return inputs;
}

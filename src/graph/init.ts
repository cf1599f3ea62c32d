/**
 * Deterministic weight initialisation. Every tensor gets its own PRNG stream seeded from
 * (model seed, tensor name), so a tensor's values do not depend on build order and the same
 * name + seed always yields the same bits. Values are generated straight into one preallocated
 * Float32Array per tensor (no JS number arrays) to keep big models within memory targets.
 */
import { fnv1a32, FNV1A32_OFFSET, mulberry32U32 } from '../core/random.js';

/** How to fill a float tensor; `fanIn`/`fanOut` are computed by the caller from the weight's dims. */
export type InitSpec =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'fill'; value: number }
  | { kind: 'normal'; mean?: number; std: number }
  /** Normal resampled to lie within ±2 std (timm / torchvision `trunc_normal_` as used by ConvNeXt). */
  | { kind: 'truncNormal'; std: number }
  | { kind: 'uniform'; low: number; high: number };

/** The shared mulberry32 stream (src/random.ts) with the two draws weight initialisation needs. */
export class Mulberry32 {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32U32(seed);
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    return this.next();
  }

  /** Uniform in the open interval (0, 1): never 0, so log() in Box-Muller stays finite. */
  nextOpen01(): number {
    return (this.next() + 0.5) / 4294967296;
  }
}

/** 32-bit FNV-1a of a string, mixed with the model seed: the per-tensor stream seed. */
function tensorSeed(modelSeed: number, name: string): number {
  // The seed is spread by the golden-ratio constant first, so nearby seeds give unrelated streams.
  return fnv1a32(FNV1A32_OFFSET ^ Math.imul(modelSeed >>> 0, 0x9e3779b1), name);
}

/** Fills `out` according to `spec` from a stream seeded by (modelSeed, name). */
export function fillTensor(out: Float32Array, spec: InitSpec, modelSeed: number, name: string): void {
  switch (spec.kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'fill':
      out.fill(spec.value);
      return;
    case 'uniform': {
      const rng = new Mulberry32(tensorSeed(modelSeed, name));
      const span = spec.high - spec.low;
      for (let i = 0; i < out.length; i++) out[i] = spec.low + span * (rng.nextU32() / 4294967296);
      return;
    }
    case 'normal':
      fillNormal(out, new Mulberry32(tensorSeed(modelSeed, name)), spec.mean ?? 0, spec.std, Infinity);
      return;
    case 'truncNormal':
      fillNormal(out, new Mulberry32(tensorSeed(modelSeed, name)), 0, spec.std, 2);
      return;
  }
}

/** Box-Muller; samples beyond `clip` standard deviations are redrawn (truncated normal). */
function fillNormal(out: Float32Array, rng: Mulberry32, mean: number, std: number, clip: number): void {
  let i = 0;
  while (i < out.length) {
    const r = Math.sqrt(-2 * Math.log(rng.nextOpen01()));
    const theta = 2 * Math.PI * rng.nextOpen01();
    const z0 = r * Math.cos(theta);
    const z1 = r * Math.sin(theta);
    if (Math.abs(z0) <= clip) out[i++] = mean + std * z0;
    if (i < out.length && Math.abs(z1) <= clip) out[i++] = mean + std * z1;
  }
}

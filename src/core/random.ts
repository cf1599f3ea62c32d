/** Small, fast, seeded pseudo-random numbers: the same seed gives the same inputs on every machine. */

/**
 * mulberry32 (Tommy Ettinger's public-domain generator) as raw 32-bit unsigned integers: a 32-bit state
 * advanced by the Weyl constant 0x6D2B79F5 and scrambled; full period 2^32. Not cryptographic; chosen
 * because it is tiny, fast and gives the same sequence on every platform (pure 32-bit arithmetic).
 * The one implementation used for zoo weights, inputs, Poisson arrivals and the bootstrap.
 */
export function mulberry32U32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The FNV-1a 32-bit offset basis: the usual `init` of `fnv1a32`, before any seed is mixed in. */
export const FNV1A32_OFFSET = 0x811c9dc5;

/**
 * 32-bit FNV-1a over the UTF-16 code units of `text`, starting from `init` (the offset basis, or the
 * basis mixed with a seed so one string gives a different stream per seed). Unsigned result.
 */
export function fnv1a32(init: number, text: string): number {
  let h = init >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A 32-bit seed derived from `seed` and a string (FNV-1a, mixed with the seed): gives every key of a
 * comparison its own bootstrap stream, reproducibly.
 */
export function seedFor(seed: number, text: string): number {
  return fnv1a32(FNV1A32_OFFSET ^ seed, text);
}

/** mulberry32 as uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32U32(seed);
  return () => next() / 4294967296;
}

/** Standard normal deviates by Box-Muller over a uniform source. */
export function normalSource(uniform: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]: log is finite
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

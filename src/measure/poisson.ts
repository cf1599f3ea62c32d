/** Seeded random arrivals for the server scenario: the same seed gives the same schedule. */

/**
 * mulberry32: a small 32-bit PRNG with a full 2³² period, uniform on [0, 1). Not cryptographic; chosen
 * because it is tiny, fast and reproducible across platforms (pure 32-bit integer arithmetic).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exponential inter-arrival gaps in ms for a Poisson process of `qps` arrivals per second:
 * gap = -ln(1 - u) / qps · 1000 with u uniform on [0, 1), so 1 - u is in (0, 1] and the gap is finite.
 */
export function exponentialGapsMs(seed: number, qps: number): () => number {
  const next = mulberry32(seed);
  const meanMs = 1000 / qps;
  return () => -Math.log(1 - next()) * meanMs;
}

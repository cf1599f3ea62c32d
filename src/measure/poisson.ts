/** Seeded random arrivals for the server scenario: the same seed gives the same schedule. */
import { mulberry32 } from '../core/random.js';

/**
 * Exponential inter-arrival gaps in ms for a Poisson process of `qps` arrivals per second:
 * gap = -ln(1 - u) / qps · 1000 with u uniform on [0, 1), so 1 - u is in (0, 1] and the gap is finite.
 */
export function exponentialGapsMs(seed: number, qps: number): () => number {
  const next = mulberry32(seed);
  const meanMs = 1000 / qps;
  return () => -Math.log(1 - next()) * meanMs;
}

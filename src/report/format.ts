/**
 * Number formatting shared by the exporters, so every format prints the same figures. A number and
 * its unit or an interval's two ends are joined by no-break spaces (U+00A0): HTML and GitHub's
 * Markdown wrap narrow table cells at spaces, and "+160.7" over "%" reads as two values.
 */

/** No-break space: keeps a figure and its unit on one line in HTML and Markdown cells. */
export const NBSP = '\u00a0';

/** A ratio as `1.234×`; `–` when unknown. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${ratio.toFixed(3)}×`;
}

/** An interval as `[1.201, 1.270]` (no-break space after the comma); `–` when unknown. */
export function formatInterval(ci: readonly [number, number] | null): string {
  return ci === null ? '–' : `[${ci[0].toFixed(3)},${NBSP}${ci[1].toFixed(3)}]`;
}

/**
 * A signed percentage change as `+12.3 %` (no-break space before `%`); `–` when unknown. The sign is
 * that of the rounded figure, so -0.04 prints `±0.0 %`, not `−0.0 %`.
 */
export function formatChange(pct: number | null): string {
  if (pct === null) return '–';
  const rounded = Math.abs(pct).toFixed(1);
  const sign = Number(rounded) === 0 ? '±' : pct > 0 ? '+' : '−';
  return `${sign}${rounded}${NBSP}%`;
}

/**
 * The 95 % CI of a throughput as ± percent of the central figure (half the interval's width), as
 * `bench run` prints it: `±2.1 %`; `–` when unknown.
 */
export function formatRelativeCi(value: number | null, ci: readonly [number, number] | null): string {
  if (value === null || ci === null || !(value > 0)) return '–';
  return `±${((50 * (ci[1] - ci[0])) / value).toFixed(1)}${NBSP}%`;
}

/** A p-value with three decimals, or `<0.001`. */
export function formatP(p: number | null): string {
  if (p === null) return '–';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** A positive measurement with about four significant digits (12.35, 1235, 0.01235). */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

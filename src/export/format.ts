/** Number formatting shared by the exporters, so every format prints the same figures. */

/** A ratio as `1.234×`; `–` when unknown. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${ratio.toFixed(3)}×`;
}

/** An interval as `[1.201, 1.270]`; `–` when unknown. */
export function formatInterval(ci: readonly [number, number] | null): string {
  return ci === null ? '–' : `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
}

/** A signed percentage change as `+12.3 %`; `–` when unknown. */
export function formatChange(pct: number | null): string {
  if (pct === null) return '–';
  const sign = pct > 0 ? '+' : pct < 0 ? '−' : '±';
  return `${sign}${Math.abs(pct).toFixed(1)} %`;
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

/** Text rendering of a fleet report: lines, snapshots, totals and the claims with their marks. */
import { alignColumns } from './columns.js';
import type { ClaimResult, FleetReport, ItemResult, Range, Totals } from '../fleet/fleet.js';

/** A figure with three significant digits, and thousands grouping from 1000 up. */
function figure3(x: number): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x === 0) return '0';
  return String(Number(x.toPrecision(3)));
}

/** Watts in the largest unit that keeps the figure at or above 1. */
function power(w: number | null): string {
  if (w === null) return 'unknown';
  const units: [number, string][] = [
    [1e9, 'GW'],
    [1e6, 'MW'],
    [1e3, 'kW'],
  ];
  for (const [k, u] of units) if (Math.abs(w) >= k) return `${figure3(w / k)} ${u}`;
  return `${figure3(w)} W`;
}

/** US dollars, grouped. */
function usd(x: number | null): string {
  return x === null ? 'unknown' : `$${Math.round(x).toLocaleString('en-US')}`;
}

function rangeText(r: Range): string {
  return r.low === r.high
    ? figure3(r.central)
    : `${figure3(r.low)} / ${figure3(r.central)} / ${figure3(r.high)}`;
}

function itemRows(items: ItemResult[]): string[][] {
  return [
    ['line', 'device', 'count', 'H100e/device', 'util', 'H100e (low / central / high)', 'TDP power', 'cost'],
    ...items.map((i) => [
      i.measured ? `${i.label} (measured)` : i.label,
      i.device,
      figure3(i.count),
      rangeText(i.perDeviceH100e),
      `${figure3(100 * i.utilisation)} % (${figure3(i.availableHoursPerWeek)} h/wk)`,
      rangeText(i.h100e),
      power(i.powerW),
      usd(i.costUsd),
    ]),
  ];
}

function totalsLine(t: Totals): string {
  return `H100e ${rangeText(t.h100e)} | TDP power ${power(t.powerW)}${t.unknownPower ? ` (+${t.unknownPower} unknown)` : ''} | cost ${usd(t.costUsd)}${t.unknownCost ? ` (+${t.unknownCost} unknown)` : ''}`;
}

function mark(c: ClaimResult): string {
  return c.mark === 'consistent'
    ? 'OK consistent'
    : c.mark === 'inconsistent'
      ? 'XX inconsistent'
      : '-- info';
}

function claimed(c: ClaimResult): string {
  if (c.claimed === null) return '(no number stated)';
  const op = c.compare === 'atLeast' ? '>= ' : c.compare === 'atMost' ? '<= ' : '~';
  return `${op}${figure3(c.claimed)} ${c.unit}${c.compare === 'approx' ? ` (+-${c.tolerancePct} %)` : ''}`;
}

/** Renders the report for stdout. */
export function formatFleetReport(r: FleetReport): string {
  const out: string[] = [`${r.name}  (${r.file})`];
  if (r.description) out.push(r.description);
  out.push('');
  if (r.items.length > 0) {
    out.push('Lines', ...alignColumns(itemRows(r.items)).map((l) => `  ${l}`));
    for (const i of r.items)
      if (i.countBasis !== 'count') out.push(`  ${i.label}: count from ${i.countBasis}`);
    for (const i of r.items)
      if (i.measured) out.push(`  ${i.label}: measured H100e/device (${i.measured}), not the spec rules`);
    out.push('');
  }
  if (r.total) out.push(`Total: ${totalsLine(r.total)}`, '');
  if (r.snapshots.length > 0) {
    out.push('Snapshots');
    const rows = [
      ['date', 'snapshot', 'H100e (low / central / high)', 'TDP power', 'growth vs previous'],
      ...r.snapshots.map((s) => [
        s.date,
        s.label,
        rangeText(s.totals.h100e),
        power(s.totals.powerW),
        s.growthPct === null ? '-' : `${s.growthPct >= 0 ? '+' : ''}${figure3(s.growthPct)} %`,
      ]),
    ];
    out.push(...alignColumns(rows).map((l) => `  ${l}`));
    // A variant's growth is not over the row above it, so say what it is over.
    const label = new Map(r.snapshots.map((s) => [s.id, s.label]));
    for (const s of r.snapshots) {
      if (s.variant && s.growthFrom !== null)
        out.push(`  ${s.label}: an alternative figure, its growth is over ${label.get(s.growthFrom)}`);
    }
    out.push('');
  }
  if (r.claims.length > 0) {
    out.push('Claims');
    const rows = [
      ['mark', 'claim', 'derived', 'article says', 'source'],
      ...r.claims.map((c) => [
        mark(c),
        c.text,
        `${figure3(c.derived)} ${c.unit}`,
        claimed(c),
        `${c.source.outlet}, ${c.source.date}${c.source.verified ? '' : ' (unverified)'}`,
      ]),
    ];
    out.push(...alignColumns(rows).map((l) => `  ${l}`), '');
    out.push('Sources');
    const used = new Map(r.claims.map((c) => [c.source.id, c.source]));
    for (const s of used.values()) {
      out.push(
        `  [${s.id}] ${s.title}, ${s.outlet}, ${s.date}, ${s.url}${s.verified ? '' : ' (claim not verified in the article text)'}`,
      );
    }
    out.push('');
  }
  if (r.assumptions.length > 0) out.push('Assumptions', ...r.assumptions.map((a) => `  - ${a}`), '');
  out.push(`Method: ${r.method}`);
  return out.join('\n') + '\n';
}

/**
 * Text renderings of an estimate report: a compact table (one row per run, one column per method,
 * and the spread) by default, and with --explain every figure with its derivation.
 */
import type { EstimateReport, MethodFigure, RunEstimate } from '../estimate/estimate.js';
import { alignColumns } from './columns.js';
import { formatH100e, methodText, noteTexts } from './estimate-method.js';

/** A note at least this long that recurs across method lines is printed once, as a numbered note. */
const NOTE_MIN_CHARS = 60;

/**
 * The notes that recur in more than one figure: the CPU peak's derivation and the bandwidth
 * assumption repeat on every row of a file, and would bury the figures.
 */
function recurringNotes(figures: readonly MethodFigure[]): string[] {
  const count = new Map<string, number>();
  for (const f of figures) {
    for (const note of new Set(noteTexts(f))) count.set(note, (count.get(note) ?? 0) + 1);
  }
  return [...count].filter(([n, c]) => c > 1 && n.length >= NOTE_MIN_CHARS).map(([n]) => n);
}

/** The figure's method with each of its notes that recurs replaced by `see note [n]` (longest first). */
function withNotes(f: MethodFigure, notes: readonly string[]): string {
  const own = noteTexts(f)
    .filter((n) => notes.includes(n))
    .sort((a, b) => b.length - a.length);
  return own.reduce((method, n) => method.replaceAll(n, `see note [${notes.indexOf(n) + 1}]`), methodText(f));
}

/** The figures of one run with their labels, in print order. */
function labelledFigures(e: RunEstimate): [string, MethodFigure][] {
  return [
    ...(e.capacity ? [['capacity', e.capacity] as [string, MethodFigure]] : []),
    ['measured', e.measured],
    ...(e.pytorch ? [['PyTorch', e.pytorch] as [string, MethodFigure]] : []),
    ...(e.anchor ? [['anchor', e.anchor] as [string, MethodFigure]] : []),
    ['spec 16-bit', e.spec16],
    ['spec 8-bit', e.spec8],
    ['roofline', e.roofline],
  ];
}

/** The spread in words: `x12.3`, or n/a with fewer than two figures. */
const spreadText = (spread: number | null): string => (spread === null ? 'n/a' : `x${spread.toPrecision(3)}`);

/** The lines every rendering ends with: skipped runs and the spec divisors. */
function footer(r: EstimateReport): string[] {
  return [
    ...r.skipped.map((s) => `skipped ${s.key}: ${s.reason}`),
    `spec divisors: ${r.rules.dense16Tflops} TFLOP/s (16-bit), ${r.rules.dense8Tops} TOPS (8-bit); ${r.rules.source}`,
  ];
}

/** `bench estimate --explain`: one block per run, every figure with its derivation, recurring notes once. */
export function formatEstimateExplain(r: EstimateReport): string {
  const notes = recurringNotes(r.runs.flatMap((e) => labelledFigures(e).map(([, f]) => f)));
  const out: string[] = [`H100-equivalents for ${r.file}`, `  (the file's command: ${r.command})`, ''];
  for (const e of r.runs) {
    out.push(
      `${e.model} | ${e.engine}/${e.provider} | ${e.precision} | batch ${e.batch} | ran on ${e.ranOn}` +
        `${e.estimatedAs !== e.ranOn && e.estimatedAs !== 'unknown' ? ` | estimated as ${e.estimatedAs}` : ''} | ${formatH100e(e.samplesPerS)} img/s`,
    );
    for (const [label, f] of labelledFigures(e)) {
      out.push(`  ${label.padEnd(12)} ${formatH100e(f.h100e).padStart(10)}  ${withNotes(f, notes)}`);
    }
    out.push(
      `  ${'spread'.padEnd(12)} ${spreadText(e.spread).padStart(10)}  max / min of capacity, measured, PyTorch, spec and roofline (anchor excluded)`,
    );
    out.push('');
  }
  if (notes.length > 0) {
    out.push('notes:');
    notes.forEach((n, i) => out.push(`  [${i + 1}] ${n}`));
    out.push('');
  }
  out.push(...footer(r));
  return out.join('\n') + '\n';
}

/** Where a run's divided figures got their divisor: the reference GPUs, once per report. */
function divisorDevices(r: EstimateReport): string[] {
  const devices = new Set<string>();
  for (const e of r.runs) {
    for (const f of [e.capacity, e.measured, e.pytorch]) {
      const d = f?.derivation;
      if (d && 'divisor' in d) devices.add(d.divisor.device);
    }
  }
  return [...devices];
}

/**
 * `bench estimate` by default: a table with one row per run and one column per method (the anchor,
 * never like-for-like, only in --explain), what the runs ran on, and where the divisors come from.
 */
export function formatEstimateTable(r: EstimateReport): string {
  const showPytorch = r.runs.some((e) => e.pytorch !== null);
  const showCapacity = r.runs.some((e) => e.capacity !== null);
  const header = [
    'model',
    'engine',
    'precision',
    'batch',
    'img/s',
    ...(showCapacity ? ['capacity'] : []),
    'measured',
    ...(showPytorch ? ['PyTorch'] : []),
    'spec16',
    'spec8',
    'roofline',
    'spread',
  ];
  const rows = r.runs.map((e) => [
    e.model,
    `${e.engine}/${e.provider}`,
    e.precision,
    String(e.batch),
    formatH100e(e.samplesPerS),
    ...(showCapacity ? [formatH100e(e.capacity?.h100e ?? null)] : []),
    formatH100e(e.measured.h100e),
    ...(showPytorch ? [formatH100e(e.pytorch?.h100e ?? null)] : []),
    formatH100e(e.spec16.h100e),
    formatH100e(e.spec8.h100e),
    formatH100e(e.roofline.h100e),
    spreadText(e.spread),
  ]);
  const numeric = new Set(header.map((_, i) => i).filter((i) => i >= 3));
  const ranOn = [...new Set(r.runs.map((e) => e.ranOn))];
  const estimatedAs = [...new Set(r.runs.map((e) => e.estimatedAs))].filter(
    (a) => a !== 'unknown' && !ranOn.includes(a),
  );
  const divisors = divisorDevices(r);
  const out = [
    `H100-equivalents for ${r.file}`,
    '',
    ...alignColumns([header, ...rows], { rightAligned: numeric, rule: true }),
    '',
    `ran on: ${ranOn.join('; ')}${estimatedAs.length > 0 ? ` (estimated as ${estimatedAs.join(', ')})` : ''}`,
    divisors.length > 0
      ? `measured divisors: runs on the ${divisors.join(' and ')} in results/reference/ (--explain names each file and command)`
      : 'measured divisors: none of results/reference/ matched these runs (--explain says what was looked for)',
    'spread: max / min of the methods shown; --explain gives every derivation, --json all of it',
    ...footer(r),
  ];
  return out.join('\n') + '\n';
}

/** `bench estimate --json`: the report as it is, each figure with its method text added. */
export function formatEstimateJson(r: EstimateReport): string {
  const withText = (f: MethodFigure | null): (MethodFigure & { method: string }) | null =>
    f === null ? null : { ...f, method: methodText(f) };
  const runs = r.runs.map((e) => ({
    ...e,
    capacity: withText(e.capacity),
    measured: withText(e.measured),
    pytorch: withText(e.pytorch),
    anchor: withText(e.anchor),
    spec16: withText(e.spec16),
    spec8: withText(e.spec8),
    roofline: withText(e.roofline),
  }));
  return JSON.stringify({ ...r, runs }, null, 2) + '\n';
}

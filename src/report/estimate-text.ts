/** Text rendering of an estimate report: one block per configuration, every figure with its method. */
import { formatH100e, type EstimateReport, type MethodFigure } from '../estimate/estimate.js';

/** A note at least this long that recurs across method lines is printed once, as a numbered note. */
const NOTE_MIN_CHARS = 60;

/**
 * The notes (MethodFigure.notes) that recur in more than one figure: the CPU peak's derivation and the
 * bandwidth assumption repeat on every row of a file, and would bury the figures.
 */
function recurringNotes(figures: readonly MethodFigure[]): string[] {
  const count = new Map<string, number>();
  for (const f of figures) {
    for (const note of new Set(f.notes)) count.set(note, (count.get(note) ?? 0) + 1);
  }
  return [...count].filter(([n, c]) => c > 1 && n.length >= NOTE_MIN_CHARS).map(([n]) => n);
}

/** `f.method` with each of its notes that recurs replaced by `see note [n]` (longest first). */
function withNotes(f: MethodFigure, notes: readonly string[]): string {
  const own = f.notes.filter((n) => notes.includes(n)).sort((a, b) => b.length - a.length);
  return own.reduce((method, n) => method.replaceAll(n, `see note [${notes.indexOf(n) + 1}]`), f.method);
}

/** The figures of one run with their labels, in print order. */
function labelledFigures(e: EstimateReport['runs'][number]): [string, MethodFigure][] {
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

/** Renders the report for stdout. */
export function formatEstimateReport(r: EstimateReport): string {
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
      `  ${'spread'.padEnd(12)} ${(e.spread === null ? 'n/a' : `x${e.spread.toPrecision(3)}`).padStart(10)}  max / min of capacity, measured, PyTorch, spec and roofline (anchor excluded)`,
    );
    out.push('');
  }
  if (notes.length > 0) {
    out.push('notes:');
    notes.forEach((n, i) => out.push(`  [${i + 1}] ${n}`));
    out.push('');
  }
  for (const s of r.skipped) out.push(`skipped ${s.key}: ${s.reason}`);
  out.push(
    `spec divisors: ${r.rules.dense16Tflops} TFLOP/s (16-bit), ${r.rules.dense8Tops} TOPS (8-bit); ${r.rules.source}`,
  );
  return out.join('\n') + '\n';
}

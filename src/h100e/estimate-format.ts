/** Text rendering of an estimate report: one block per configuration, every figure with its method. */
import { formatH100e, type EstimateReport, type MethodFigure } from './estimate.js';

/** A clause at least this long that recurs across method lines is printed once, as a numbered note. */
const NOTE_MIN_CHARS = 60;

/**
 * Long clauses (`; `-separated) that recur in more than one method line: the CPU peak's derivation and
 * the bandwidth assumption repeat on every row of a file, and would bury the figures.
 */
function recurringClauses(methods: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const m of methods) {
    for (const clause of new Set(clausesOf(m))) count.set(clause, (count.get(clause) ?? 0) + 1);
  }
  return [...count].filter(([c, n]) => n > 1 && c.length >= NOTE_MIN_CHARS).map(([c]) => c);
}

/** `method` split at each `; ` outside parentheses. */
function splitClauses(method: string): string[] {
  const clauses: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < method.length; i++) {
    const c = method[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0 && method[i + 1] === ' ') {
      clauses.push(method.slice(start, i));
      start = i + 2;
    }
  }
  clauses.push(method.slice(start));
  return clauses;
}

/** The clauses of a method, each without any `label: ` prefix ("compute: …"). */
function clausesOf(method: string): string[] {
  return splitClauses(method).map((c) => c.replace(/^(compute|bandwidth): /, ''));
}

/** `method` with each recurring clause replaced by its note number. */
function withNotes(method: string, notes: readonly string[]): string {
  return splitClauses(method)
    .map((clause) => {
      const prefix = /^(compute|bandwidth): /.exec(clause)?.[0] ?? '';
      const i = notes.indexOf(clause.slice(prefix.length));
      return i < 0 ? clause : `${prefix}see note [${i + 1}]`;
    })
    .join('; ');
}

/** Renders the report for stdout. */
export function formatEstimateReport(r: EstimateReport): string {
  const figures = (e: EstimateReport['runs'][number]): MethodFigure[] => [
    e.measured,
    ...(e.anchor ? [e.anchor] : []),
    e.spec16,
    e.spec8,
    e.roofline,
  ];
  const notes = recurringClauses(r.runs.flatMap((e) => figures(e).map((f) => f.method)));
  const line = (label: string, f: MethodFigure): string =>
    `  ${label.padEnd(12)} ${formatH100e(f.h100e).padStart(10)}  ${withNotes(f.method, notes)}`;

  const out: string[] = [`H100-equivalents for ${r.file}`, `  (the file's command: ${r.command})`, ''];
  for (const e of r.runs) {
    out.push(
      `${e.model} | ${e.engine}/${e.provider} | ${e.precision} | batch ${e.batch} | ran on ${e.ranOn}` +
        `${e.estimatedAs !== e.ranOn && e.estimatedAs !== 'unknown' ? ` | estimated as ${e.estimatedAs}` : ''} | ${formatH100e(e.samplesPerS)} img/s`,
    );
    out.push(line('measured', e.measured));
    if (e.anchor) out.push(line('anchor', e.anchor));
    out.push(line('spec 16-bit', e.spec16));
    out.push(line('spec 8-bit', e.spec8));
    out.push(line('roofline', e.roofline));
    out.push(
      `  ${'spread'.padEnd(12)} ${(e.spread === null ? 'n/a' : `x${e.spread.toPrecision(3)}`).padStart(10)}  max / min of measured, spec and roofline (anchor excluded)`,
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

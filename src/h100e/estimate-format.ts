/** Text rendering of an estimate report: one block per configuration, every figure with its method. */
import { formatH100e, type EstimateReport, type MethodFigure } from './estimate.js';

function line(label: string, f: MethodFigure): string {
  return `  ${label.padEnd(12)} ${formatH100e(f.h100e).padStart(10)}  ${f.method}`;
}

/** Renders the report for stdout. */
export function formatEstimateReport(r: EstimateReport): string {
  const out: string[] = [`H100-equivalents for ${r.file}`, `  (made by: ${r.command})`, ''];
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
  for (const s of r.skipped) out.push(`skipped ${s.key}: ${s.reason}`);
  out.push(
    `spec divisors: ${r.rules.dense16Tflops} TFLOP/s (16-bit), ${r.rules.dense8Tops} TOPS (8-bit); ${r.rules.source}`,
  );
  return out.join('\n') + '\n';
}

/** Parses `--shape input:1x3x224x224` flags (several allowed) into a name -> dims record. */
import { BenchError } from '../core/errors.js';

/** Key used when a --shape value omits the input name (allowed for single-input models). */
export const UNNAMED_INPUT = '';

/** Parses each `NAME:D1xD2x...` value; a bare `D1xD2x...` applies to the model's only input. */
export function parseShapeFlags(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const value of values) {
    const colon = value.lastIndexOf(':');
    const name = colon >= 0 ? value.slice(0, colon) : UNNAMED_INPUT;
    const dimsText = colon >= 0 ? value.slice(colon + 1) : value;
    const parts = dimsText.split(/[x,]/);
    const dims = parts.map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
    if (dimsText.trim() === '' || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new BenchError(
        'E_USAGE',
        `--shape '${value}' is not NAME:D1xD2x... with positive integer dimensions`,
        {
          hint: 'e.g. --shape input:1x3x224x224',
        },
      );
    }
    if (name in out) {
      throw new BenchError('E_USAGE', `--shape given twice for input '${name || '(unnamed)'}'`, {
        hint: 'give one --shape per model input',
      });
    }
    out[name] = dims;
  }
  return out;
}

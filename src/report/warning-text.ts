/** A warning about inputs or a comparison ({code, message, advice}) as one line of text. */
import type { RunWarning } from '../results/schema.js';

/** The message, then the advice after a semicolon when there is one. */
export function warningText(w: RunWarning): string {
  return w.advice ? `${w.message}; ${w.advice}` : w.message;
}

/** Escapes for text read from user files before it goes into a one-line message or onto a terminal. */

/** One escape for characters a terminal would act on or that are invisible (JSON.stringify's, plus DEL, C1 and U+FFFD). */
export function escapeChar(ch: string): string {
  const escaped = JSON.stringify(ch).slice(1, -1);
  if (escaped !== ch) return escaped;
  return /[\u007f-\u009f\ufffd]/.test(ch) ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : ch;
}

/** `text` with control characters escaped (quotes and backslashes kept): one line, nothing a terminal acts on. */
export function escapeControls(text: string): string {
  return Array.from(text, (ch) => (ch === '"' || ch === '\\' ? ch : escapeChar(ch))).join('');
}

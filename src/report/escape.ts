/**
 * Escaping of strings that come from result files (model names, hostnames, commands): a model named
 * `<script>alert(1)</script>` must print as text in HTML and Markdown, never run.
 */

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe inside HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/**
 * Text safe inside a Markdown table cell (GitHub flavour): Markdown punctuation gets a backslash,
 * then `&`, `<` and `>` become entities (GitHub renders inline HTML), newlines a space. Backslashes
 * come first so no entity gets one (`&\#39;` would show literally); quotes need no entity outside
 * an HTML attribute, so an apostrophe stays one.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => HTML_ENTITIES[c] ?? c);
}

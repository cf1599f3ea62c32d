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
 * Text safe inside a Markdown table cell (GitHub flavour): HTML-significant characters become
 * entities (GitHub renders inline HTML), Markdown punctuation gets a backslash, newlines a space.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}

/** The shell every self-contained HTML page shares: no scripts or fetches (the CSP says so), its own CSS. */
import { escapeHtml } from './escape.js';

/** A complete page: `title` as the document title and heading, `css` inline, `body` after the heading. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** The census as a self-contained HTML page (placeholder until the chart lands). */
import { escapeHtml } from '../export/escape.js';
import type { Census } from './census.js';
import { formatCensusText } from './census-format.js';

/** The census HTML page. */
export async function censusHtml(census: Census): Promise<string> {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>census ${escapeHtml(census.censusId)}</title></head><body><pre>${escapeHtml(formatCensusText(census))}</pre></body></html>\n`;
}

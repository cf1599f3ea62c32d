/**
 * `bench estimate --csv`: one row per run with every method's H100e, unrounded, and the method texts,
 * so a capacity sheet can take the figures without losing where they came from.
 */
import { toCsv, type CsvCell } from './csv.js';
import { methodText } from './estimate-method.js';
import type { EstimateReport, MethodFigure, RunEstimate } from '../estimate/estimate.js';

/**
 * The methods; `anchor` is the published one, kept out of the spread. `pytorch` and `capacity` came
 * last, after the columns sheets already read by position.
 */
const METHODS = ['measured', 'spec16', 'spec8', 'roofline', 'anchor', 'pytorch', 'capacity'] as const;

const figure = (r: RunEstimate, m: (typeof METHODS)[number]): MethodFigure | null => r[m];

/** The columns: the run, each method's H100e, the spread, then each method's text (empty: none). */
export const ESTIMATE_CSV_HEADER: readonly string[] = [
  'key',
  'model',
  'engine',
  'provider',
  'precision',
  'batch',
  'ranOn',
  'estimatedAs',
  'samplesPerS',
  ...METHODS.map((m) => `${m}.h100e`),
  'roofline.efficiency',
  'spread',
  ...METHODS.map((m) => `${m}.method`),
];

/** The report as CSV text; failed and skipped runs (the report's `skipped`) have no row. */
export function formatEstimateCsv(report: EstimateReport): string {
  const rows = report.runs.map((r): CsvCell[] => [
    r.key,
    r.model,
    r.engine,
    r.provider,
    r.precision,
    r.batch,
    r.ranOn,
    r.estimatedAs,
    r.samplesPerS,
    ...METHODS.map((m) => figure(r, m)?.h100e),
    r.roofline.efficiency,
    r.spread,
    ...METHODS.map((m) => {
      const f = figure(r, m);
      return f ? methodText(f) : undefined;
    }),
  ]);
  return toCsv(ESTIMATE_CSV_HEADER, rows);
}

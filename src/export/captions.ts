/** The sentence printed above each comparison table, shared by the Markdown and HTML exporters. */
import type { Comparison } from '../compare/compare.js';
import type { ComparisonTable } from './rows.js';

/**
 * Captions by table kind. `base` is the first file's label already escaped for the medium; `lt` is
 * how the medium writes "<" ('&lt;' in HTML). The rest of the text needs no escaping.
 */
export function captions(
  base: string,
  comparison: Pick<Comparison, 'confidence' | 'alpha' | 'peakTolerancePct'>,
  lt = '<',
): Record<ComparisonTable['kind'], string> {
  const ci = `${Math.round(comparison.confidence * 100)} %`;
  return {
    throughput:
      `Throughput ratio = median images/s of each file over ${base}, with a ${ci} bootstrap CI; ` +
      `p = two-sided Mann-Whitney U on per-iteration samples; a verdict needs p ${lt} ${comparison.alpha} and a CI that excludes 1.`,
    server:
      `Server scenario (MLPerf LoadGen style): QPS = achieved queries/s, p99 against each run's latency bound. ` +
      `p99 ratio = p99 latency of each file over ${base}, with a ${ci} bootstrap CI; p = two-sided Mann-Whitney U on per-query latencies. ` +
      `A run that misses a bound ${base} met is slower (meeting one it missed, faster); otherwise two --find-peak runs are judged on ` +
      `the confirmed peak QPS (a change beyond ±${comparison.peakTolerancePct} %), and runs at the same --qps on p99 (p ${lt} ${comparison.alpha} and a CI that excludes 1).`,
  };
}

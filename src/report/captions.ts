/** The sentence printed above each comparison table, shared by the terminal, Markdown and HTML exporters. */
import type { Comparison } from '../compare/compare.js';
import { P99_CI_ALONE_MIN_SAMPLES } from '../compare/server.js';
import type { ComparisonTable } from './rows.js';

/**
 * Captions by table kind. `base` is the first file's label already escaped for the medium; `lt` is
 * how the medium writes "<" ('&lt;' in HTML). The rest of the text needs no escaping.
 */
export function captions(
  base: string,
  comparison: Pick<Comparison, 'confidence' | 'alpha' | 'peakTolerancePct' | 'ignore'>,
  lt = '<',
): Record<ComparisonTable['kind'], string> {
  const ci = `${Math.round(comparison.confidence * 100)} %`;
  // Without it a configuration such as "fp32/fp16" would look like a typo.
  const ignored = comparison.ignore.length
    ? ` Matched across ${comparison.ignore.join(', ')} (--ignore-key): where files differ in one, the configuration shows its values in file order (a/b).`
    : '';
  return {
    throughput:
      `Throughput ratio = median images/s of each file over ${base}, with a ${ci} bootstrap CI ` +
      `(marked p90, single-stream keys: ${base}'s p90 latency over each file's, so above 1 is faster too, and the CI alone decides); ` +
      `p50 Δ and p99 Δ = change of latency percentiles (negative: lower latency); ` +
      `p = two-sided Mann-Whitney U on per-iteration samples; a verdict needs p ${lt} ${comparison.alpha} and a CI that excludes 1.${ignored}`,
    server:
      `Server scenario (MLPerf LoadGen style): QPS = achieved queries/s, p99 against each run's latency bound. ` +
      `p99 ratio = p99 latency of each file over ${base}, with a ${ci} bootstrap CI; p = two-sided Mann-Whitney U on per-query latencies. ` +
      `A run that misses a bound ${base} met is slower (meeting one it missed, faster); otherwise two --find-peak runs are judged on ` +
      `the confirmed peak QPS (a change beyond ±${comparison.peakTolerancePct} %), and runs at the same --qps on p99 (a CI that excludes 1; ` +
      `with fewer than ${P99_CI_ALONE_MIN_SAMPLES} queries a side, also p ${lt} ${comparison.alpha}).${ignored}`,
  };
}

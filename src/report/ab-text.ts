/** Terminal text of a `bench ab` result: the sides, the paired verdict, and what a plain comparison said. */
import type { AbRound, AbSection } from '../results/ab-schema.js';
import type { PairedSummary } from '../stats/paired.js';
import { median } from '../stats/statistics.js';

const VERDICT: Record<string, string> = {
  faster: 'B is faster',
  slower: 'B is slower',
  'no-change': 'no significant change',
  'not-comparable': 'not comparable',
};

function pct(ratio: number): string {
  const d = (ratio - 1) * 100;
  return `${d >= 0 ? '+' : ''}${d.toFixed(2)} %`;
}

function sideLine(file: AbSection, side: 'a' | 'b'): string {
  const s = file.sides[side];
  const l = file.loaded[side];
  const parts = [
    l ? `${l.modelName} (${l.precision}, sha ${l.sha256.slice(0, 8)})` : s.model,
    `${s.engine}${l ? ` ${l.engineVersion}/${l.provider}` : ''}`,
    `threads ${s.threads === 0 ? 'default' : s.threads}`,
  ];
  if (s.epOptions.length > 0) parts.push(`ep-option ${s.epOptions.join(' ')}`);
  if (s.dir !== undefined) parts.push(`dir ${s.dir}${l ? ` (h100e ${l.toolVersion})` : ''}`);
  return `${side.toUpperCase()}: ${parts.join(', ')}`;
}

/** One progress line per round, for stderr. */
export function abRoundLine(round: AbRound, summary: PairedSummary): string {
  const ci = summary.relCiPct === null ? 'CI needs 6 rounds' : `CI ±${summary.relCiPct.toFixed(2)} %`;
  return `round ${round.index + 1} (${round.first === 'a' ? 'AB' : 'BA'}): A ${round.a.perS.toFixed(1)} img/s, B ${round.b.perS.toFixed(1)} img/s, ratio ${round.ratio.toFixed(4)}; median ${summary.medianRatio.toFixed(4)}, ${ci}`;
}

/** The report printed at the end, from the result file's `ab` section. */
export function abText(file: AbSection): string {
  const lines = [sideLine(file, 'a'), sideLine(file, 'b')];
  const { a, b } = file.loaded;
  // Two paths to one file's bytes (a CI job's base and change, when the change left the model alone).
  const sameBytes = file.differences.join() === 'model' && a !== null && b !== null && a.sha256 === b.sha256;
  lines.push(
    file.differences.length === 0
      ? 'differs in: nothing (an A/A run)'
      : `differs in: ${file.differences.join(', ')}${sameBytes ? ' (two paths to the same model bytes: an A/A run)' : ''}`,
  );
  const st = file.settings;
  lines.push(
    `${file.rounds.length} rounds of ${st.roundS} s per side (${st.order === 'abba' ? 'ABBA' : `random order, seed ${st.seed}`}), batch ${st.batch}, ${file.elapsedS.toFixed(1)} s in all; stopped: ${file.stopReason}`,
  );
  if (file.failure)
    lines.push(
      `side ${file.failure.side.toUpperCase()} failed during ${file.failure.phase}: ${file.failure.message}`,
    );
  const p = file.paired;
  if (p) {
    const medA = median(file.rounds.map((r) => r.a.perS));
    const medB = median(file.rounds.map((r) => r.b.perS));
    lines.push(`A ${medA.toFixed(1)} img/s, B ${medB.toFixed(1)} img/s (medians of the rounds)`);
    const ci = p.ci
      ? `CI${Math.round(st.confidence * 100)} [${p.ci[0].toFixed(4)}, ${p.ci[1].toFixed(4)}] (±${(p.relCiPct ?? 0).toFixed(2)} %, sign test, coverage ${((p.coverage ?? 0) * 100).toFixed(1)} %)`
      : 'no CI (fewer than 6 rounds)';
    lines.push(
      `paired:  B/A ${p.medianRatio.toFixed(4)} (${pct(p.medianRatio)}), ${ci}, p ${p.pValue.toPrecision(3)} (${p.below} rounds B slower, ${p.above} faster): ${VERDICT[p.verdict]}`,
    );
  } else {
    lines.push('paired:  no finished round');
  }
  const q = file.plain;
  if (q) {
    lines.push(
      q.ratio === null || q.ci === null
        ? `plain compare of the same samples: ${VERDICT[q.verdict]}${q.reason ? ` (${q.reason})` : ''}`
        : `plain compare of the same samples: B/A ${q.ratio.toFixed(4)} (${pct(q.ratio)}), CI95 [${q.ci[0].toFixed(4)}, ${q.ci[1].toFixed(4)}], Mann-Whitney p ${q.pValue?.toPrecision(3)}: ${VERDICT[q.verdict]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Words for the H100e figures that src/estimate/ computes as data: each method's derivation as one
 * sentence, the fixed caveats, the number format, and the H100e cell of run tables.
 */
import type { Caveat, Derivation, H100eCell, MethodFigure } from '../estimate/estimate.js';

/** Three significant digits, no exponent below 1e-6, thousands grouping above 1000. */
export function formatH100e(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-6) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** Each caveat in words. */
const CAVEAT_TEXT: Record<Caveat, string> = {
  'capacity-sides':
    'this run as measured, over the reference at its best batch, engine and mode for this model and precision',
  'pytorch-divisor':
    "PyTorch's input stays on the GPU (no host copies timed) and its models are torchvision's with random weights",
  'h200-divisor':
    'an H200 counts as 1 H100e (same dense compute), its faster memory makes this figure low for memory-bound models',
  'as-gpu-only': '--as applies to GPU runs only',
};

/** Where a divisor came from: its file and the command that wrote it. */
const source = (d: { file: string; command: string }): string => `${d.file} (made by: ${d.command})`;

/** The derivation alone, in words (what `method` says before its caveats and notes). */
function derivationText(d: Derivation, notes: readonly string[]): string {
  const f = formatH100e;
  switch (d.kind) {
    case 'capacity':
      return `capacity: ${f(d.samplesPerS)} / ${f(d.divisor.samplesPerS)} img/s, the ${d.divisor.device}'s best for ${d.model} ${d.precision} (${d.what}) ${source(d.divisor)}`;
    case 'measured': {
      const how =
        d.pairing === 'same-config'
          ? `the ${d.divisor.device} reference`
          : `the fastest ${d.divisor.device} reference of this workload (${d.reference.engine}/${d.reference.provider}, transfer ${d.reference.transfer}; none ran ${d.run.engine}/${d.run.provider} there)`;
      return `measured: ${f(d.samplesPerS)} / ${f(d.divisor.samplesPerS)} img/s of ${how} ${source(d.divisor)}`;
    }
    case 'pytorch':
      return `PyTorch: ${f(d.samplesPerS)} / ${f(d.divisor.samplesPerS)} img/s of PyTorch ${d.torch} ${d.mode === 'compile' ? 'torch.compile' : 'eager'} on the ${d.divisor.device} (its fastest mode for this model, precision and batch) ${source(d.divisor)}`;
    case 'anchor': {
      const a = d.anchor;
      return `published anchor, not like-for-like: ${a.benchmark}, ${a.system}, ${a.samplesPerS.toLocaleString('en-US')} samples/s (${a.engine}, ${a.precision}); ${a.caveat}; source: ${a.source.title} ${a.source.url}`;
    }
    case 'spec':
      return d.rule === 16
        ? `spec (Epoch 16-bit rule): ${d.value.toPrecision(4)} / ${d.h100Value} TFLOP/s dense; ${notes[0] ?? ''}`
        : `spec (Epoch 8-bit rule): ${d.value.toPrecision(4)} / ${d.h100Value} TOPS dense; ${notes[0] ?? ''}`;
    case 'no-spec-figure':
      return d.rule === 16
        ? `spec (Epoch 16-bit rule): ${d.device} has no dense 16-bit figure`
        : `spec (Epoch 8-bit rule): ${d.device} has no dense 8-bit figure (${notes[0] ?? ''})`;
    case 'roofline': {
      const eff =
        d.efficiency === null
          ? ''
          : `; achieved efficiency ${(100 * d.efficiency).toPrecision(3)} % of the local bound` +
            // Above 100 % the measurement beat the assumed peak: the peak (clock, units) is too low.
            (d.efficiency > 1
              ? ' (above 100 %: the assumed peak is too low, e.g. turbo clocks above the nominal GHz)'
              : '');
      return (
        `roofline: bound ${f(d.local.samplesPerS)} img/s on ${d.device} (${d.local.bound}-bound, ${d.local.peakLabel} ${Number(d.local.peakTflops.toPrecision(4))} TFLOP/s, ${d.bandwidthGBps} GB/s) / ` +
        `${f(d.h100.samplesPerS)} img/s on H100 SXM (${d.h100.bound}-bound)${eff}` +
        `; compute: ${notes[0] ?? ''}; bandwidth: ${notes[1] ?? ''}` +
        (d.bytesPartlyUnknown ? '; bytes partly unknown, missing terms counted as 0' : '')
      );
    }
    case 'no-reference-throughput':
      return `no throughput in the reference for ${d.key}`;
    case 'no-reference':
      return d.lookedFor === undefined ? d.why : `${d.why}; looked for ${d.lookedFor}`;
    case 'unavailable':
      return `${d.method}: ${d.why}`;
  }
}

/**
 * A figure's method in one sentence: its derivation, then its caveats. Derivations that embed their
 * notes (spec, roofline, a missing figure) say them in place; the divided figures list the caveats.
 */
export function methodText(fig: MethodFigure): string {
  const text = derivationText(fig.derivation, fig.notes);
  const asIgnored = fig.caveats.includes('as-gpu-only');
  const caveats = fig.caveats.filter((c) => c !== 'as-gpu-only').map((c) => CAVEAT_TEXT[c]);
  return [text, ...caveats, ...(asIgnored ? [CAVEAT_TEXT['as-gpu-only']] : [])].join('; ');
}

/**
 * Every text `methodText` embeds that can recur across rows: the source notes and the caveats of the
 * divided figures, which the text report hoists into numbered notes.
 */
export function noteTexts(fig: MethodFigure): string[] {
  const caveats = fig.caveats.filter((c) => c !== 'as-gpu-only').map((c) => CAVEAT_TEXT[c]);
  return [...caveats, ...fig.notes];
}

/** The H100e cell of `bench run`'s and `bench report`'s tables: the figure and its method in brackets. */
export function h100eCellText(cell: H100eCell | undefined): string {
  if (cell === undefined) return '-';
  if (cell.h100e !== null) return `${formatH100e(cell.h100e)} (${cell.method})`;
  return cell.why === 'reference-error' ? 'n/a (reference error)' : 'n/a (bench estimate says why)';
}

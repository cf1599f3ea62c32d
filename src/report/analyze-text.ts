/** Plain-text rendering of analyses and the zoo listing for the CLI (stdout). */
import { alignColumns } from './columns.js';
import type { ModelAnalysis } from '../analyze/types.js';
import type { ZooRow } from '../analyze/zoo-table.js';

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  return alignColumns([header, ...rows], { rightAligned }).join('\n');
}

/** 11689512 -> "11.69M". */
function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Giga-units with enough digits for small models (0.057 GMACs keeps three significant digits). */
function formatGiga(n: number): string {
  const g = n / 1e9;
  if (g === 0) return '0';
  return g >= 10 ? g.toFixed(2) : g >= 0.1 ? g.toFixed(3) : g.toPrecision(3);
}

const shapeText = (s: readonly (number | string | null)[]) => `[${s.map((d) => d ?? '?').join(',')}]`;

/** The line the CLI prints when some costs are missing; undefined when all are known. */
export function unknownCostLine(a: ModelAnalysis): string | undefined {
  const missing = [...a.unknownOps, ...(a.unresolvedOps ?? []).map((op) => `${op} (shape unknown)`)];
  return missing.length > 0
    ? `cost unknown for: ${missing.join(', ')} (not counted in the totals)`
    : undefined;
}

/** `bench models inspect` text report. */
export function formatAnalysis(file: string, a: ModelAnalysis): string {
  const total = a.flops || 1;
  const lines = [
    `model        ${file} (opset ${a.opset})`,
    ...a.inputs.map((i) => `input        ${i.name} ${i.dtype} ${shapeText(i.shape)}`),
    ...a.outputs.map((o) => `output       ${o.name} ${o.dtype} ${shapeText(o.shape)}`),
    `params       ${a.params.toLocaleString('en-US')} (${a.paramsRule})`,
    `GMACs        ${formatGiga(a.macs)} (batch ${a.batch}${a.inputs.length > 1 && a.batchRule ? `, ${a.batchRule}` : ''}; Conv, ConvTranspose, Gemm, MatMul${
      a.intMacs
        ? `; ${formatGiga(a.intMacs)} of them 8-bit integer: ConvInteger, MatMulInteger, QLinear*, and Conv/Gemm/MatMul between 8-bit DequantizeLinear inputs (QDQ)`
        : ''
    })`,
    `GFLOPs       ${formatGiga(a.flops)} (2 per MAC plus element-wise work)`,
    `weights      ${(a.weightBytes / 1e6).toFixed(2)} MB (${a.weightsRule ?? 'initializers at stored precision'}; MB = 10^6 bytes)`,
    ...(a.externalFiles?.length
      ? [
          `external     ${a.externalFiles.join(', ')} (side file beside the model: sizes checked, bytes not read)`,
        ]
      : []),
    `activations  ${(a.activationBytes / 1e6).toFixed(2)} MB (every node output counted once${a.intMacs ? '; float tensors inside fused 8-bit QDQ groups left out' : ''})`,
    '',
    table(
      ['op', 'nodes', 'GMACs', 'GFLOPs', '% FLOPs'],
      a.byOp.map((o) => {
        const unknown = a.unknownOps.includes(o.opType);
        return [
          o.opType,
          String(o.count),
          unknown ? '?' : formatGiga(o.macs),
          unknown ? '?' : formatGiga(o.flops),
          unknown ? '?' : `${((100 * o.flops) / total).toFixed(1)}`,
        ];
      }),
      new Set([1, 2, 3, 4]),
    ),
  ];
  const missing = unknownCostLine(a);
  if (missing) lines.push('', missing);
  return `${lines.join('\n')}\n`;
}

/** `bench models` text listing. */
export function formatZooTable(rows: ZooRow[]): string {
  const body = table(
    ['name', 'params', 'GMACs', 'input', 'description', 'paper'],
    rows.map((r) => [
      r.name,
      formatCount(r.params),
      formatGiga(r.macs),
      shapeText(r.inputShape),
      r.description,
      r.paper,
    ]),
    new Set([1, 2]),
  );
  return `${body}\n\nparams and GMACs: counted by the h100e analyzer on each built fp32 file at batch 1 (bench models --json for exact figures)\n`;
}

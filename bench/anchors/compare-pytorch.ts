/**
 * Our measured throughput next to PyTorch's on the same architectures: reads `bench run` result files
 * and the JSON of bench/anchors/pytorch_anchor.py, matches by model / precision / batch, and prints a
 * Markdown table: ours (the best provider among the files), PyTorch eager, PyTorch compile, and
 * ours / best PyTorch. `--pytorch` may be repeated: a campaign whose device time ran out before
 * torch.compile finished measures the rest in a second file, and both must come from one GPU and one
 * PyTorch build (the best figure per model / precision / batch / mode is kept).
 *
 *   npx tsc -p . && node dist/bench/anchors/compare-pytorch.js --pytorch pytorch.json ort-webgpu-fp32.json ...
 *
 * Only successful offline runs count on our side (single-stream and server figures are latency-bound,
 * not throughput), and only `ok` PyTorch runs on theirs. A row whose device differs (our CPU run
 * against PyTorch on CUDA) is flagged, never silently compared.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError } from '../../src/core/errors.js';
import { parseScriptArgs, runScript } from '../perf/script.js';
import { readResultFile, readTextFile } from '../../src/results/io.js';
import { parsePytorchAnchor, type PytorchAnchor } from '../../src/estimate/pytorch-reference.js';
import type { ResultFile } from '../../src/results/schema.js';

// The file format lives with bench estimate, which divides by the same files.
export { parsePytorchAnchor, type PytorchAnchor };

/** Precisions a row can have: ours are fp32/fp16, PyTorch adds bf16. */
export type AnchorPrecision = 'fp32' | 'fp16' | 'bf16';

/** One matched (model, precision, batch). Absent figures are undefined, never zero. */
export interface ComparisonRow {
  model: string;
  precision: AnchorPrecision;
  batch: number;
  /** Our best offline throughput among the files, with what produced it. */
  ours?: { samplesPerS: number; provider: string; device: string; transfer: 'include' | 'exclude' };
  eager?: number;
  compiled?: number;
  /** ours / max(eager, compiled), when both sides have a figure. */
  ratio?: number;
  /** Our best run was not on the device PyTorch ran on (e.g. CPU against CUDA). */
  deviceMismatch: boolean;
}

/** Reads a PyTorch anchor file. */
export function readPytorchAnchor(path: string): PytorchAnchor {
  const text = readTextFile(path, {
    label: `--pytorch ${path}`,
    hint: 'run bench/anchors/pytorch_anchor.py --out FILE first',
  });
  return parsePytorchAnchor(text, path);
}

const keyOf = (model: string, precision: string, batch: number): string => `${model}|${precision}|${batch}`;

/** Where a PyTorch anchor ran: its GPU (or the CPU), torch and CUDA; two files may be pooled only if equal. */
function placeOf(anchor: PytorchAnchor): string {
  const env = anchor.environment;
  // A CPU anchor has no GPU and no CUDA: name the CPU instead of printing "(CUDA ?)".
  const where = env?.gpu
    ? `${env.gpu} (CUDA ${env.cuda ?? '?'})`
    : anchor.settings?.device === 'cpu'
      ? `the CPU${env?.cpu ? ` (${env.cpu})` : ''}`
      : `${anchor.settings?.device ?? '?'} (CUDA ${env?.cuda ?? '?'})`;
  return `PyTorch ${env?.torch ?? '?'} on ${where}`;
}

/**
 * Checks that PyTorch anchor files can be pooled (same GPU or CPU, torch and CUDA) and returns that
 * place; throws E_USAGE naming both places otherwise.
 */
export function pooledPlace(anchors: readonly PytorchAnchor[], paths?: readonly string[]): string {
  const [first, ...rest] = anchors;
  if (!first) throw new BenchError('E_USAGE', '--pytorch: the PyTorch anchor JSON is required');
  const place = placeOf(first);
  rest.forEach((a, i) => {
    if (placeOf(a) !== place) {
      const name = paths?.[i + 1] ?? `file ${i + 2}`;
      throw new BenchError('E_USAGE', `--pytorch ${name}: ${placeOf(a)}, but the first file is ${place}`, {
        hint: 'pool only PyTorch files measured on one GPU with one PyTorch build',
      });
    }
  });
  return place;
}

/** Matches our runs to PyTorch's by model / precision / batch; rows sorted by model, precision, batch. */
export function comparePytorch(
  results: readonly ResultFile[],
  anchors: readonly PytorchAnchor[],
): ComparisonRow[] {
  const rows = new Map<string, ComparisonRow>();
  const row = (model: string, precision: AnchorPrecision, batch: number): ComparisonRow => {
    const k = keyOf(model, precision, batch);
    let r = rows.get(k);
    if (!r) {
      r = { model, precision, batch, deviceMismatch: false };
      rows.set(k, r);
    }
    return r;
  };
  for (const file of results) {
    for (const run of file.runs) {
      if (run.status !== 'ok' || !run.throughput || run.config.scenario !== 'offline') continue;
      // The PyTorch anchors are float only.
      if (run.model.precision === 'int8') continue;
      const r = row(run.model.name, run.model.precision, run.config.batch);
      const value = run.throughput.samplesPerS;
      if (!r.ours || value > r.ours.samplesPerS) {
        r.ours = {
          samplesPerS: value,
          provider: `${run.engine.name}/${run.engine.provider}`,
          device: run.device.actual,
          transfer: run.config.transfer,
        };
      }
    }
  }
  for (const p of anchors.flatMap((a) => a.runs)) {
    if (p.status !== 'ok' || p.imagesPerS === undefined) continue;
    const r = row(p.model, p.precision, p.batch);
    if (p.mode === 'eager') r.eager = Math.max(r.eager ?? 0, p.imagesPerS);
    else r.compiled = Math.max(r.compiled ?? 0, p.imagesPerS);
  }
  pooledPlace(anchors);
  const theirDevice = anchors[0]?.settings?.device ?? 'cuda';
  for (const r of rows.values()) {
    const best = Math.max(r.eager ?? 0, r.compiled ?? 0);
    if (r.ours && best > 0) r.ratio = r.ours.samplesPerS / best;
    if (r.ours) r.deviceMismatch = (r.ours.device === 'cpu') !== (theirDevice === 'cpu');
  }
  const precisionOrder: AnchorPrecision[] = ['fp32', 'fp16', 'bf16'];
  return [...rows.values()].sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      precisionOrder.indexOf(a.precision) - precisionOrder.indexOf(b.precision) ||
      a.batch - b.batch,
  );
}

const num = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(1));

/** The Markdown table, with a header naming both sides' hardware and software. */
export function formatComparisonMarkdown(
  rows: readonly ComparisonRow[],
  context: { ourGpus: string[]; pytorch: readonly PytorchAnchor[] },
): string {
  const lines = [
    `Ours: ${context.ourGpus.length ? context.ourGpus.join(', ') : 'no GPU in the result files'}; ` +
      `${pooledPlace(context.pytorch)}.`,
    'Images/s from the median per-iteration time, one batch at a time on both sides; ours is the best provider per row.',
    // Not like-for-like, and the reader must know: PyTorch's input is made on the GPU once, while a
    // `--transfer include` run copies every batch in and every output back.
    'PyTorch times the model on an input already on the GPU; "+ copies" marks our runs that also time ' +
      'the copy of each input batch to the GPU and of the outputs back (--transfer include).',
    '',
    '| model | precision | batch | ours img/s | ours provider | PyTorch eager img/s | PyTorch compile img/s | ours / best PyTorch |',
    '|---|---|--:|--:|---|--:|--:|--:|',
  ];
  for (const r of rows) {
    const copies = r.ours?.transfer === 'include' && r.ours.device !== 'cpu' ? ' + copies' : '';
    const provider = r.ours
      ? `${r.ours.provider}${copies}${r.deviceMismatch ? ' (device differs!)' : ''}`
      : '—';
    const ratio = r.ratio === undefined ? '—' : r.ratio.toFixed(3);
    lines.push(
      `| ${r.model} | ${r.precision} | ${r.batch} | ${num(r.ours?.samplesPerS)} | ${provider} | ${num(r.eager)} | ${num(r.compiled)} | ${ratio} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** How the script is called. */
const COMPARE_USAGE =
  'compare-pytorch --pytorch pytorch.json [--pytorch more.json ...] result.json [more.json ...]';

/** The command line: `--pytorch FILE [--pytorch FILE...] RESULT.json...`; returns the Markdown. */
export function compareCommand(argv: readonly string[]): string {
  const { values, positionals } = parseScriptArgs(
    { args: [...argv], options: { pytorch: { type: 'string', multiple: true } }, allowPositionals: true },
    COMPARE_USAGE,
  );
  if (!values.pytorch?.length) {
    throw new BenchError('E_USAGE', '--pytorch: the PyTorch anchor JSON is required', {
      hint: COMPARE_USAGE,
    });
  }
  if (positionals.length === 0) {
    throw new BenchError('E_USAGE', 'no result files given', {
      hint: 'pass one or more files written by bench run --out after --pytorch FILE',
    });
  }
  const results = positionals.map((p) => readResultFile(p));
  const anchors = values.pytorch.map((p) => readPytorchAnchor(p));
  pooledPlace(anchors, values.pytorch);
  const ourGpus = [...new Set(results.flatMap((f) => f.environment.gpus.map((g) => g.name)))];
  return formatComparisonMarkdown(comparePytorch(results, anchors), { ourGpus, pytorch: anchors });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runScript(() => {
    process.stdout.write(compareCommand(process.argv.slice(2)));
  });
}

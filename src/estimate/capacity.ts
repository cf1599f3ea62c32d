/**
 * The capacity divisor: the best throughput an H100 (or H200) reached on a run's model and precision,
 * at whatever batch, engine and mode did best there. Dividing by the same batch instead (the measured
 * method) compares two latency-bound figures at batch 1, where a GPU is far from its capacity
 * (docs/h100e.md and results/reference/README.md give the measured gap).
 */
import type { RunResult } from '../results/schema.js';
import { pytorchRunsOfModel, type PytorchReference } from './pytorch-reference.js';
import type { ReferenceRun } from './references.js';

/** The H100/H200's best figure for a run's model and precision, with where it came from. */
export interface CapacityReference {
  samplesPerS: number;
  /** Catalog name of the GPU ("H200 SXM"). */
  device: string;
  /** What reached it, e.g. "ort/webgpu at batch 32" or "PyTorch 2.11.0 torch.compile at batch 256". */
  what: string;
  file: string;
  command: string;
}

/**
 * The best reference for a run's model and precision at any batch: onnxruntime reference runs of the
 * same model bytes (sha256), offline or single-stream, and PyTorch runs of the same zoo network.
 * Undefined for server runs (their throughput is the offered load) and when nothing ran the model.
 */
export function findCapacityReference(
  run: RunResult,
  refs: readonly ReferenceRun[],
  pytorch: readonly PytorchReference[],
): CapacityReference | undefined {
  if (run.config.scenario === 'server') return undefined;
  const candidates: CapacityReference[] = [];
  for (const r of refs) {
    const t = r.run.throughput?.samplesPerS;
    if (
      t === undefined ||
      r.run.config.scenario === 'server' ||
      r.run.model.sha256 !== run.model.sha256 ||
      r.run.model.precision !== run.model.precision
    ) {
      continue;
    }
    candidates.push({
      samplesPerS: t,
      device: r.device,
      what: `${r.run.engine.name}/${r.run.engine.provider} at batch ${r.run.config.batch}`,
      file: r.file,
      command: r.command,
    });
  }
  for (const p of pytorchRunsOfModel(run, pytorch)) {
    candidates.push({
      samplesPerS: p.imagesPerS,
      device: p.device,
      what: `PyTorch ${p.torch} ${p.mode === 'compile' ? 'torch.compile' : 'eager'} at batch ${p.batch}`,
      file: p.file,
      command: p.command,
    });
  }
  return candidates.reduce<CapacityReference | undefined>(
    (a, c) => (a === undefined || c.samplesPerS > a.samplesPerS ? c : a),
    undefined,
  );
}

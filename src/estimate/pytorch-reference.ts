/**
 * PyTorch on an H100 or H200 as a second measured divisor: the files of bench/anchors/pytorch_anchor.py
 * in results/reference/pytorch/. They time torchvision's own architectures (eager and torch.compile)
 * on an input already on the GPU, so they show what the GPU gives with the framework most users run,
 * where our reference runs show what onnxruntime-node gives there (results/reference/README.md
 * compares the two).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { fieldIssue, parseJsonText, readTextFile } from '../results/io.js';
import type { RunResult } from '../results/schema.js';
import { matchGpuName } from '../catalog/catalog.js';
import { REFERENCE_DEVICE_IDS, REFERENCE_DIR } from './references.js';

/** Folder of PyTorch anchor files inside the reference folder. */
const PYTORCH_REFERENCE_SUBDIR = 'pytorch';

/** One configuration of a PyTorch anchor file (the fields read here). */
const PytorchRunSchema = z.object({
  model: z.string(),
  precision: z.enum(['fp32', 'fp16', 'bf16']),
  batch: z.number().int().positive(),
  mode: z.enum(['eager', 'compile']),
  status: z.enum(['ok', 'failed', 'skipped']),
  error: z.string().optional(),
  /** Images per second from the median per-iteration time. */
  imagesPerS: z.number().optional(),
  compileMode: z.string().optional(),
});

/** A PyTorch anchor file, format "h100e-pytorch-anchor" version 1 (documented in pytorch_anchor.py). */
const PytorchAnchorSchema = z.object({
  format: z.literal('h100e-pytorch-anchor'),
  formatVersion: z.literal(1),
  /** argv of the run that wrote the file. */
  command: z.array(z.string()).optional(),
  environment: z
    .object({
      gpu: z.string().nullable().optional(),
      torch: z.string().optional(),
      cuda: z.string().nullable().optional(),
      cpu: z.string().nullable().optional(),
    })
    .optional(),
  settings: z.object({ device: z.enum(['cuda', 'cpu']) }).optional(),
  runs: z.array(PytorchRunSchema),
});

/** A parsed PyTorch anchor file. */
export type PytorchAnchor = z.infer<typeof PytorchAnchorSchema>;

/** Parses and validates a PyTorch anchor file's text; `path` names the file in errors. */
export function parsePytorchAnchor(text: string, path: string): PytorchAnchor {
  const hint = 'pass the file written by bench/anchors/pytorch_anchor.py --out';
  const parsed = PytorchAnchorSchema.safeParse(parseJsonText(text, path, { hint }));
  if (!parsed.success) {
    throw new BenchError('E_SCHEMA', `${path}: not a PyTorch anchor file (${fieldIssue(parsed.error)})`, {
      hint,
    });
  }
  return parsed.data;
}

/** One successful PyTorch configuration on an H100 SXM or H200 SXM. */
export interface PytorchReference {
  file: string;
  /** The command that wrote the file (its argv joined), or '?' when the file does not say. */
  command: string;
  /** Catalog name of the GPU ("H200 SXM"). */
  device: string;
  torch: string;
  model: string;
  precision: 'fp32' | 'fp16' | 'bf16';
  batch: number;
  mode: 'eager' | 'compile';
  /** Images per second from the median per-iteration time. */
  imagesPerS: number;
}

/** The successful H100/H200 configurations of one parsed anchor file (none for a CPU or other GPU). */
function pytorchReferencesOf(anchor: PytorchAnchor, path: string): PytorchReference[] {
  const gpu = anchor.environment?.gpu;
  const device = gpu ? matchGpuName(gpu) : undefined;
  if (anchor.settings?.device === 'cpu' || !device || !REFERENCE_DEVICE_IDS.includes(device.id)) return [];
  const command = anchor.command?.join(' ') ?? '?';
  const torch = anchor.environment?.torch ?? '?';
  return anchor.runs.flatMap((r) =>
    r.status === 'ok' && r.imagesPerS !== undefined && r.imagesPerS > 0
      ? [{ file: path, command, device: device.name, torch, ...r, imagesPerS: r.imagesPerS }]
      : [],
  );
}

const dirCache = new Map<string, PytorchReference[]>();

/** Every H100/H200 configuration in `<reference folder>/pytorch/*.json`, read once per folder. */
export function loadPytorchReferences(referenceDir: string = REFERENCE_DIR): PytorchReference[] {
  const dir = join(referenceDir, PYTORCH_REFERENCE_SUBDIR);
  const hit = dirCache.get(dir);
  if (hit) return hit;
  const refs: PytorchReference[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.json')) continue;
      const path = join(dir, f);
      refs.push(...pytorchReferencesOf(parsePytorchAnchor(readTextFile(path), path), path));
    }
  }
  dirCache.set(dir, refs);
  return refs;
}

/**
 * The PyTorch configurations of a run's network at its precision, any batch: only for zoo models, built
 * to torchvision's structure so the name names the same network (a user's file of that name need not).
 */
export function pytorchRunsOfModel(run: RunResult, refs: readonly PytorchReference[]): PytorchReference[] {
  if (run.model.source !== 'zoo') return [];
  return refs.filter((r) => r.model === run.model.name && r.precision === run.model.precision);
}

/**
 * PyTorch's fastest configuration (eager or compiled) of a run's workload: its network and precision
 * ({@link pytorchRunsOfModel}) at the same batch, and only for runs that time one batch after another
 * as PyTorch did (offline, or single-stream, with concurrency 1).
 */
export function findPytorchReference(
  run: RunResult,
  refs: readonly PytorchReference[],
): PytorchReference | undefined {
  if (run.config.scenario === 'server' || run.config.concurrency !== 1) return undefined;
  return pytorchRunsOfModel(run, refs)
    .filter((r) => r.batch === run.config.batch)
    .reduce<PytorchReference | undefined>(
      (a, r) => (a === undefined || r.imagesPerS > a.imagesPerS ? r : a),
      undefined,
    );
}

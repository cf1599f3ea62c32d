/**
 * The `bench models` listing: every zoo model with params and GMACs measured by the analyzer on
 * the built fp32 file at batch 1. The analysis is cached as JSON next to the cached model, so
 * only the first listing pays for building.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listZoo, type ZooEntry } from '../../models/index.js';
import { writeFileAtomic } from '../results/io.js';
import type { Precision } from '../results/schema.js';
import { defaultCacheDir, zooCacheFileName, zooModelPath } from '../../models/cache.js';
import { analyzeModel } from './index.js';
import type { ModelAnalysis } from './types.js';

/** Bump when the analyzer's numbers for the same file change, so cached analyses are redone. */
const ANALYZER_VERSION = 4; // 4: peakActivationBytes

/** One row of the listing. */
export interface ZooRow {
  name: string;
  family: string;
  /** Parameters counted by the analyzer on the built file (torchvision's rule, see paramsRule). */
  params: number;
  /** Multiply-accumulates per image (batch 1) counted by the analyzer. */
  macs: number;
  gmacs: number;
  gflops: number;
  inputShape: ZooEntry['inputShape'];
  description: string;
  paper: string;
  /** torchvision's published figures for the real model, for comparison (absent for test models). */
  expected?: { params: number; gmacs: number };
  /** Where the figures come from. */
  source: string;
}

/** Options of {@link zooTable}. */
export interface ZooTableOptions {
  cacheDir?: string;
  /** Called before a model is built (the slow part of a first listing). */
  onBuild?: (name: string) => void;
}

interface CachedAnalysis {
  analyzerVersion: number;
  analysis: ModelAnalysis;
}

/**
 * Analysis of one zoo model's build at batch 1 (fp32, seed 0 unless given), from the cache beside the
 * built file when present: `bench models` and `bench run` share it instead of decoding large files again.
 */
export function zooAnalysis(
  name: string,
  opts: ZooTableOptions & { precision?: Precision; seed?: number } = {},
): ModelAnalysis {
  const dir = opts.cacheDir ?? defaultCacheDir();
  const precision = opts.precision ?? 'fp32';
  const seed = opts.seed ?? 0;
  const modelFile = join(dir, zooCacheFileName(name, precision, seed));
  const analysisFile = `${modelFile}.analysis.json`;
  if (existsSync(analysisFile)) {
    try {
      const cached = JSON.parse(readFileSync(analysisFile, 'utf8')) as CachedAnalysis;
      if (cached.analyzerVersion === ANALYZER_VERSION) return cached.analysis;
    } catch {
      // unreadable cache entry: redo the analysis below
    }
  }
  if (!existsSync(modelFile)) opts.onBuild?.(name);
  const path = zooModelPath(name, { precision, seed, cacheDir: dir });
  // The zoo's only symbolic dimension is the batch, which the analyzer sets to 1.
  const analysis = analyzeModel(path);
  const entry: CachedAnalysis = { analyzerVersion: ANALYZER_VERSION, analysis };
  writeFileAtomic(analysisFile, JSON.stringify(entry));
  return analysis;
}

/** Every zoo model with analyzer figures, in the zoo's order. */
export function zooTable(opts: ZooTableOptions = {}): ZooRow[] {
  return listZoo().map((entry) => {
    const a = zooAnalysis(entry.name, opts);
    return {
      name: entry.name,
      family: entry.family,
      params: a.params,
      macs: a.macs,
      gmacs: a.macs / 1e9,
      gflops: a.flops / 1e9,
      inputShape: entry.inputShape,
      description: entry.description,
      paper: entry.paper,
      ...(entry.expected ? { expected: entry.expected } : {}),
      source: 'h100e static analyzer on the built fp32 ONNX file, batch 1',
    };
  });
}

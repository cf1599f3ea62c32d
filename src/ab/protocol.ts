/** Messages between `bench ab` and its side workers (over the fork IPC channel). */
import type { AbSideSpec } from '../results/ab-schema.js';

/** Parent to worker. */
export type ToWorker =
  | { kind: 'load'; spec: AbSideSpec; batch: number; seed: number }
  | { kind: 'slice'; seconds: number; warmup: boolean }
  | { kind: 'exit' };

/** One timed slice: iterations over its wall time, and its latencies. */
export interface SliceResult {
  iterations: number;
  wallS: number;
  samplesMs: number[];
}

/** Worker to parent. */
export type FromWorker =
  | {
      kind: 'loaded';
      modelName: string;
      sha256: string;
      precision: 'fp32' | 'fp16' | 'int8';
      engineVersion: string;
      provider: string;
      toolVersion: string;
    }
  | ({ kind: 'slice' } & SliceResult)
  | { kind: 'error'; message: string };

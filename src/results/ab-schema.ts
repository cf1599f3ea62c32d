/**
 * The `ab` section of a result file `bench ab` writes (schema version 2): both sides' specs, what each
 * worker loaded, every finished round with each side's figures and the round's ratio, and the paired
 * and plain verdicts. Each side's latency samples, pooled over the rounds, are a normal run of the
 * file's `runs` (marked `abSide`), so compare, report and estimate read the file as any other.
 */
import { z } from 'zod';
import { EngineNameSchema, PrecisionSchema } from './enums.js';

/** What one side runs; the fields `bench ab` checks for differences. */
const AbSideSpecSchema = z.object({
  model: z.string(),
  engine: EngineNameSchema,
  precision: PrecisionSchema.optional(),
  threads: z.number().int().min(0),
  epOptions: z.array(z.string()),
  /** An h100e installation the side's worker runs from; absent: this one. */
  dir: z.string().optional(),
});
export type AbSideSpec = z.infer<typeof AbSideSpecSchema>;

/** What the side's worker really loaded. */
const AbLoadedSchema = z.object({
  modelName: z.string(),
  sha256: z.string(),
  precision: PrecisionSchema,
  engineVersion: z.string(),
  provider: z.string(),
  toolVersion: z.string(),
});

const AbSliceSchema = z.object({
  iterations: z.number().int(),
  wallS: z.number(),
  /** Images per second as bench run reports them: batch over the slice's median latency. */
  perS: z.number(),
  /** Completed images over the slice's wall time. */
  wallPerS: z.number(),
  medianMs: z.number(),
});

const AbRoundSchema = z.object({
  index: z.number().int(),
  /** Which side ran first in this round. */
  first: z.enum(['a', 'b']),
  a: AbSliceSchema,
  b: AbSliceSchema,
  /** B's images per second over A's (above 1: B faster). */
  ratio: z.number(),
});
export type AbRound = z.infer<typeof AbRoundSchema>;

const SummarySchema = z.object({
  rounds: z.number().int(),
  medianRatio: z.number(),
  ci: z.tuple([z.number(), z.number()]).nullable(),
  coverage: z.number().nullable(),
  ciRanks: z.tuple([z.number(), z.number()]).nullable(),
  pValue: z.number(),
  above: z.number().int(),
  below: z.number().int(),
  relCiPct: z.number().nullable(),
  verdict: z.enum(['faster', 'slower', 'no-change']),
});

/** What `bench compare` of two files holding the same pooled samples would have said. */
const PlainSchema = z.object({
  verdict: z.enum(['faster', 'slower', 'no-change', 'not-comparable']),
  ratio: z.number().nullable(),
  ci: z.tuple([z.number(), z.number()]).nullable(),
  pValue: z.number().nullable(),
  reason: z.string().optional(),
});

/** The `ab` section (see the file comment). */
export const AbSectionSchema = z.object({
  settings: z.object({
    batch: z.number().int().min(1),
    roundS: z.number(),
    warmupS: z.number(),
    order: z.enum(['abba', 'random']),
    seed: z.number().int(),
    relCiPct: z.number(),
    maxDurationS: z.number(),
    minRounds: z.number().int(),
    maxRounds: z.number().int(),
    confidence: z.number(),
    alpha: z.number(),
  }),
  sides: z.object({ a: AbSideSpecSchema, b: AbSideSpecSchema }),
  loaded: z.object({ a: AbLoadedSchema.nullable(), b: AbLoadedSchema.nullable() }),
  /** The spec fields in which A and B differ (several only with --allow-diff). */
  differences: z.array(z.string()),
  status: z.enum(['ok', 'failed', 'interrupted']),
  stopReason: z.enum(['rel-ci', 'max-duration', 'max-rounds', 'failed', 'interrupted']),
  /** Which side failed, in what phase, and its message. */
  failure: z
    .object({ side: z.enum(['a', 'b']), phase: z.enum(['load', 'warmup', 'round']), message: z.string() })
    .optional(),
  /** The CPUs each worker pair (A0 with B0, A1 with B1) was pinned to, or why there was no pinning. */
  pinning: z.object({
    pairs: z.tuple([z.array(z.number().int()), z.array(z.number().int())]).nullable(),
    reason: z.string().optional(),
  }),
  rounds: z.array(AbRoundSchema),
  paired: SummarySchema.nullable(),
  plain: PlainSchema.nullable(),
  elapsedS: z.number(),
});
export type AbSection = z.infer<typeof AbSectionSchema>;

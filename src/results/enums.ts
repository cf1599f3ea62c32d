/** The enums result files share with the `bench ab` section (apart, so ab-schema.ts and schema.ts need not import each other). */
import { z } from 'zod';

/** Engines the harness drives. */
export const EngineNameSchema = z.enum(['ort', 'tfjs']);
/** Numeric precision of a model's weights and activations. */
export const PrecisionSchema = z.enum(['fp32', 'fp16', 'int8']);

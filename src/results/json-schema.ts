/** The result file's JSON Schema, generated from the zod definition (committed as results/schema-v2.json; results/schema-v1.json is version 1's, kept for readers of older files). */
import { z } from 'zod';
import { ResultFileSchema } from './schema.js';

/** JSON Schema (draft 2020-12) of result files, for tools that don't use this package. */
export function resultJsonSchema(): Record<string, unknown> {
  return {
    title: 'h100e result file, schema version 2',
    ...(z.toJSONSchema(ResultFileSchema, { io: 'input' }) as Record<string, unknown>),
  };
}

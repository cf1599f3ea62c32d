import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultJsonSchema } from '../src/results/json-schema.js';

describe('results/schema-v2.json', () => {
  it('is exactly what the zod definition generates (regenerate it when the schema changes)', () => {
    const committed = JSON.parse(readFileSync(new URL('../results/schema-v2.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(resultJsonSchema());
    expect(committed.properties.schemaVersion.const).toBe(2);
    expect(committed.required).toEqual(expect.arrayContaining(['schemaVersion', 'environment', 'runs']));
  });
});

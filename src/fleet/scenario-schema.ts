/**
 * Fleet scenario files (YAML or JSON). Units are explicit: power is {value, unit: W|kW|MW|GW}, money
 * is in fields ending in Usd, time in hours. Every claim names one of the file's sources.
 */
import { z } from 'zod';
import { MeasuredRefSchema } from '../cluster/census-file.js';

/** Power with an explicit unit. */
const PowerSchema = z
  .object({ value: z.number().positive(), unit: z.enum(['W', 'kW', 'MW', 'GW']) })
  .strict();
/** A power quantity. */
export type PowerQuantity = z.infer<typeof PowerSchema>;

/** Watts of a power quantity. */
export function toWatts(p: PowerQuantity): number {
  return p.value * { W: 1, kW: 1e3, MW: 1e6, GW: 1e9 }[p.unit];
}

/** An article or document a scenario cites. */
const SourceSchema = z
  .object({
    id: z.string().min(1),
    title: z.string().min(1),
    outlet: z.string().min(1),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD'),
    url: z.string().url(),
    /** False when the claim could not be found in the article's text in this session. */
    verified: z.boolean(),
    note: z.string().optional(),
  })
  .strict();

/** One line of a fleet: a device and how many of it. */
const ItemSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'id: lower-case letters, digits and dashes'),
    label: z.string().optional(),
    /** Catalog device name or alias; optional on a measured line (its census names what was measured). */
    device: z.string().min(1).optional(),
    /** Per-device H100e measured by `bench cluster` instead of the spec rules (cluster/census-file.ts). */
    measured: MeasuredRefSchema.optional(),
    /** Whole devices: a fractional count is a typo or a share, and shares belong in utilisation. */
    count: z
      .number()
      .int('must be a whole number of devices (use utilisation for a share)')
      .nonnegative()
      .optional(),
    budgetUsd: z.number().nonnegative().optional(),
    priceUsd: z.number().positive().optional(),
    /** Take the price implied by another item (its budgetUsd / count). */
    priceFrom: z.string().optional(),
    powerBudget: PowerSchema.optional(),
    /** Power per device; default the catalog TDP. */
    powerPerDevice: PowerSchema.optional(),
    /** Share of time the devices do this work, 0..1. */
    utilisation: z.number().min(0).max(1).optional(),
    availableHoursPerWeek: z.number().min(0).max(168).optional(),
    /** Hours a day the device is busy with something else (e.g. driving); available = 168 - 7 x this. */
    busyHoursPerDay: z.number().min(0).max(24).optional(),
    /** Counted in the scenario total (false for what-if lines such as budgets). */
    inTotal: z.boolean().default(true),
    source: z.string().optional(),
    note: z.string().optional(),
  })
  .strict()
  .refine((item) => item.device !== undefined || item.measured !== undefined, {
    message: 'give device (spec rules) or measured (a census)',
    path: ['device'],
  });

/** A fleet line as written. */
export type ScenarioItem = z.infer<typeof ItemSchema>;

/** The fleet at one date. */
const SnapshotSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD'),
    label: z.string(),
    items: z.array(ItemSchema).min(1),
    source: z.string().optional(),
    /** An alternative figure for another snapshot's date: compared with the snapshot before that one, never used as a base. */
    variantOf: z.string().optional(),
  })
  .strict();

/** A derived figure a claim is checked against. */
const FigureRefSchema = z.discriminatedUnion('of', [
  z.object({ of: z.literal('growthPct'), from: z.string(), to: z.string() }).strict(),
  z.object({ of: z.literal('snapshotH100e'), snapshot: z.string() }).strict(),
  z
    .object({
      of: z.literal('item'),
      item: z.string(),
      field: z.enum([
        'count',
        'h100e',
        'installedH100e',
        'powerW',
        'costUsd',
        'impliedPriceUsd',
        'availableHoursPerWeek',
      ]),
    })
    .strict(),
]);

/** A figure from an article, compared with the derived one. */
const ClaimSchema = z
  .object({
    id: z.string(),
    text: z.string(),
    figure: FigureRefSchema,
    /** The article's number; absent for figures the article implies but does not state (shown as info). */
    claimed: z.number().optional(),
    unit: z.string(),
    compare: z.enum(['approx', 'atLeast', 'atMost']).default('approx'),
    /** Allowed relative difference for approx, percent. */
    tolerancePct: z.number().nonnegative().default(5),
    source: z.string(),
  })
  .strict();

/** The scenario version this tool reads. */
const SCENARIO_VERSION = 1;

/** A whole scenario file, once it is known not to be some other kind of file. */
const ScenarioObjectSchema = z
  .object(
    {
      scenarioVersion: z.literal(SCENARIO_VERSION, {
        // A later version is a file for a newer tool, not a typo: say so, as result files do.
        error: (iss) =>
          typeof iss.input === 'number' && Number.isInteger(iss.input) && iss.input > SCENARIO_VERSION
            ? `scenario version ${iss.input} is newer than this tool understands (${SCENARIO_VERSION}); upgrade h100e to read it`
            : undefined,
      }),
      name: z.string(),
      description: z.string().optional(),
      sources: z.array(SourceSchema).default([]),
      assumptions: z.array(z.string()).default([]),
      // May be left out when snapshots carry the fleet; written out, it must list something.
      items: z.array(ItemSchema).min(1, 'the list is empty: give at least one fleet line').default([]),
      snapshots: z.array(SnapshotSchema).default([]),
      claims: z.array(ClaimSchema).default([]),
    },
    {
      // An empty YAML file parses to null: say so rather than "expected object, received null".
      error: (iss) =>
        iss.input === null || iss.input === undefined
          ? 'the file is empty (expected scenarioVersion, name and items)'
          : undefined,
    },
  )
  .strict()
  .superRefine((s, ctx) => {
    // Neither items nor snapshots: the report would be an empty table that looks like a result.
    if (s.items.length === 0 && s.snapshots.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['items'],
        message: 'the scenario lists no fleet: give items (or snapshots with items) with at least one line',
      });
    }
  });

/**
 * Bench run output handed to `bench fleet` by mistake would otherwise fail on "scenarioVersion:
 * expected 1", which reads like a broken scenario rather than the wrong kind of file.
 */
const NotAResultFile = z.unknown().superRefine((raw, ctx) => {
  if (typeof raw === 'object' && raw !== null && 'schemaVersion' in raw && 'runs' in raw) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: "this is a result file (bench run output), not a fleet scenario; see README 'Fleet scenarios'",
    });
  }
});

/** A whole scenario file; a result file is refused as such before the scenario fields are checked. */
export const ScenarioSchema = NotAResultFile.pipe(ScenarioObjectSchema);

/** A validated scenario. */
export type Scenario = z.infer<typeof ScenarioSchema>;
/** A claim. */
export type Claim = z.infer<typeof ClaimSchema>;
/** A scenario source. */
export type ScenarioSource = z.infer<typeof SourceSchema>;

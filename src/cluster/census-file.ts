/**
 * Reading a census written by `bench cluster collect --out` for a measured line of `bench fleet`:
 * the line's per-device H100e is the census's fleet figure for one configuration over its devices.
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { fieldIssue, parseJsonText, readTextFile } from '../results/io.js';
import { configurationLabel } from './census.js';

/** What a fleet line may say about its measurement. */
export const MeasuredRefSchema = z
  .object({
    /** A census JSON file (`bench cluster collect --out`), relative to the scenario file. */
    census: z.string().min(1),
    /** The configuration the line stands for: its label as collect prints it, or its key; optional when the census has one. */
    configuration: z.string().min(1).optional(),
    /** capacity (default) or the like-for-like measured method. */
    method: z.enum(['capacity', 'measured']).default('capacity'),
  })
  .strict();

/** A measured reference as written in a scenario. */
export type MeasuredRef = z.infer<typeof MeasuredRefSchema>;

const FigureSchema = z.object({ h100e: z.number().nullable(), devices: z.number().int().nonnegative() });
/** The fields of a census file a fleet line needs; the rest is not checked here. */
const CensusFileSchema = z.object({
  censusVersion: z.literal(1),
  kind: z.literal('h100e-cluster-census-summary'),
  censusId: z.string(),
  partial: z.boolean(),
  configurations: z.array(
    z.object({
      key: z.string(),
      model: z.string(),
      engine: z.string(),
      provider: z.string(),
      precision: z.string(),
      batch: z.number(),
      scenario: z.string(),
      devices: z.array(z.object({ device: z.string() })),
      capacity: FigureSchema,
      measured: FigureSchema,
    }),
  ),
});

/** The per-device H100e of a measured line, with what it stands for. */
export interface MeasuredPerDevice {
  perDeviceH100e: number;
  /** Devices with the method's figure in the census. */
  devices: number;
  /** The device models measured, e.g. "NVIDIA H100 80GB HBM3" (joined when several). */
  device: string;
  /** e.g. "capacity, squeezenet1_1 ort/cpu fp32 batch 1 offline, census ID (census.json)". */
  basis: string;
  partial: boolean;
}

/** Reads the census a fleet line names and takes its configuration's figure; errors name `where`. */
export function measuredPerDevice(ref: MeasuredRef, where: string, baseDir: string): MeasuredPerDevice {
  const path = isAbsolute(ref.census) ? ref.census : join(baseDir, ref.census);
  const hint = 'write one with bench cluster collect DIR --out census.json';
  const raw = parseJsonText(
    readTextFile(path, { label: `${where}.census ${ref.census}`, hint }),
    `${where}.census ${ref.census}`,
    { hint },
  );
  const parsed = CensusFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BenchError(
      'E_SCHEMA',
      `${where}.census ${ref.census}: not a census of bench cluster collect (${fieldIssue(parsed.error)})`,
      { hint },
    );
  }
  const census = parsed.data;
  const labels = census.configurations.map((c) => configurationLabel(c));
  let config = census.configurations[0];
  if (ref.configuration !== undefined) {
    config = census.configurations.find(
      (c, i) => c.key === ref.configuration || labels[i] === ref.configuration,
    );
  } else if (census.configurations.length > 1) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}.configuration: missing; ${ref.census} measured ${census.configurations.length} configurations`,
      {
        hint: `name one: ${labels.join('; ')}`,
      },
    );
  }
  if (!config) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}.configuration: "${ref.configuration ?? ''}" is not in ${ref.census}`,
      {
        hint: labels.length > 0 ? `it has: ${labels.join('; ')}` : 'the census measured no configuration',
      },
    );
  }
  const figure = config[ref.method];
  if (figure.h100e === null || figure.devices === 0) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}.method: the census has no ${ref.method} figure for ${configurationLabel(config)} (no H100 reference for it)`,
      {
        hint:
          ref.method === 'measured'
            ? 'use method: capacity'
            : 'use method: measured, or measure a configuration with a reference',
      },
    );
  }
  return {
    perDeviceH100e: figure.h100e / figure.devices,
    devices: figure.devices,
    device: [...new Set(config.devices.map((d) => d.device))].join(' + '),
    basis: `${ref.method}, ${configurationLabel(config)}, census ${census.censusId} (${ref.census})${census.partial ? ', partial census' : ''}`,
    partial: census.partial,
  };
}

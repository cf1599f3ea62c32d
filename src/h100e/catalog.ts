/**
 * The accelerator catalog: dense peak figures with a source per figure, loaded once and matched by
 * catalog name, alias or nvidia-smi name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { BenchError } from '../errors.js';
import { fieldIssue, parseJsonText } from '../results/io.js';
import { PACKAGE_ROOT } from '../version.js';

/** Numeric figures a catalog entry may carry; each non-null one must be named by a source. */
export const FIGURE_FIELDS = [
  'fp16TensorTflops',
  'bf16TensorTflops',
  'tf32TensorTflops',
  'fp32Tflops',
  'int8Tops',
  'memoryGB',
  'bandwidthGBps',
  'tdpW',
  'priceUsd',
] as const;

/** One of the figure fields above. */
export type FigureField = (typeof FIGURE_FIELDS)[number];

const figure = z.number().positive().nullable();

/** Where a figure comes from. */
export const CatalogSourceSchema = z.object({
  title: z.string().min(1),
  url: z.string().url(),
  fields: z.array(z.enum(FIGURE_FIELDS)).min(1),
  verifiedThisSession: z.boolean(),
});

/** One device of the catalog. */
export const CatalogDeviceSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(1),
    vendor: z.string(),
    kind: z.enum(['gpu', 'accelerator', 'vehicle-computer']),
    aliases: z.array(z.string()),
    fp16TensorTflops: figure,
    bf16TensorTflops: figure,
    tf32TensorTflops: figure,
    fp32Tflops: figure,
    int8Tops: figure,
    memoryGB: figure,
    bandwidthGBps: figure,
    tdpW: figure,
    priceUsd: figure,
    notes: z.string(),
    sources: z.array(CatalogSourceSchema).min(1),
  })
  .superRefine((d, ctx) => {
    const sourced = new Set(d.sources.flatMap((s) => s.fields));
    for (const f of FIGURE_FIELDS) {
      if (d[f] !== null && !sourced.has(f)) {
        ctx.addIssue({
          code: 'custom',
          path: [f],
          message: `${d.id}.${f} has a value but no source names it`,
        });
      }
    }
  });

/** The whole catalog file. */
export const CatalogSchema = z.object({
  catalogVersion: z.literal(1),
  note: z.string(),
  devices: z.array(CatalogDeviceSchema).min(1),
});

/** A device of the catalog. */
export type CatalogDevice = z.infer<typeof CatalogDeviceSchema>;
/** The catalog. */
export type Catalog = z.infer<typeof CatalogSchema>;

/** Path of the bundled catalog (read at run time so it works from src/ and dist/src/ alike). */
export const CATALOG_PATH = join(PACKAGE_ROOT, 'src', 'h100e', 'catalog.json');

let cached: Catalog | undefined;

/** Parses and validates catalog JSON text; `origin` names the file in errors. */
export function parseCatalog(text: string, origin: string): Catalog {
  const parsed = CatalogSchema.safeParse(parseJsonText(text, origin));
  if (!parsed.success) {
    throw new BenchError('E_SCHEMA', `${origin}: ${fieldIssue(parsed.error)}`);
  }
  return parsed.data;
}

/** The bundled catalog, validated once per process. */
export function loadCatalog(): Catalog {
  cached ??= parseCatalog(readFileSync(CATALOG_PATH, 'utf8'), CATALOG_PATH);
  return cached;
}

/** Lower-case, punctuation-free form so "NVIDIA A100-SXM4-80GB" and "a100 sxm4 80gb" compare equal. */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function namesOf(d: CatalogDevice): string[] {
  return [d.name, d.id, ...d.aliases];
}

/** The catalog device whose name, id or alias equals `name` (normalised), or undefined. */
export function lookupDevice(name: string, catalog: Catalog = loadCatalog()): CatalogDevice | undefined {
  const n = normalizeName(name);
  return catalog.devices.find((d) => namesOf(d).some((a) => normalizeName(a) === n));
}

/**
 * Matches an nvidia-smi GPU name to the catalog: exact alias first, then the longest alias contained
 * in the name (so "NVIDIA H100 80GB HBM3 MIG 1g.10gb" still finds H100 SXM). Undefined when unknown.
 */
export function matchGpuName(gpuName: string, catalog: Catalog = loadCatalog()): CatalogDevice | undefined {
  const exact = lookupDevice(gpuName, catalog);
  if (exact) return exact;
  const n = ` ${normalizeName(gpuName)} `;
  let best: { device: CatalogDevice; len: number } | undefined;
  for (const d of catalog.devices) {
    for (const a of d.aliases) {
      const na = normalizeName(a);
      // Short aliases ("a100", "4090") only count as whole words of the name.
      if (na.length >= 4 && n.includes(` ${na} `) && (!best || na.length > best.len))
        best = { device: d, len: na.length };
    }
  }
  return best?.device;
}

/** Catalog names closest to `name`, for "did you mean" hints. */
export function suggestDevices(name: string, catalog: Catalog = loadCatalog(), max = 3): string[] {
  const n = normalizeName(name);
  const scored = catalog.devices.map((d) => ({
    name: d.name,
    score: Math.min(...namesOf(d).map((a) => distance(n, normalizeName(a)))),
  }));
  scored.sort((a, b) => a.score - b.score);
  const cut = scored.filter((s) => s.score <= Math.max(3, Math.ceil(n.length / 2))).slice(0, max);
  if (cut.length > 0) return cut.map((s) => s.name);
  const c = closest(
    name,
    catalog.devices.map((d) => d.name),
  );
  return c ? [c] : [];
}

/** The catalog device called `name`; throws E_UNKNOWN_DEVICE with close names when there is none. */
export function requireDevice(name: string, what: string, catalog: Catalog = loadCatalog()): CatalogDevice {
  const d = lookupDevice(name, catalog);
  if (d) return d;
  const near = suggestDevices(name, catalog);
  throw new BenchError(
    'E_UNKNOWN_DEVICE',
    `${what}: unknown device "${name}"${near.length ? ` (did you mean ${near.map((s) => `"${s}"`).join(', ')}?)` : ''}`,
    {
      hint: `catalog names: ${catalog.devices.map((d) => d.name).join(', ')}`,
    },
  );
}

/** The best dense 16-bit tensor rate in TFLOP/s: fp16, else bf16 (the Epoch rule accepts either). */
export function dense16Tflops(d: CatalogDevice): number | null {
  return d.fp16TensorTflops ?? d.bf16TensorTflops;
}

/** The H100 SXM entry, which every H100e figure divides by. */
export function h100(catalog: Catalog = loadCatalog()): CatalogDevice {
  const d = catalog.devices.find((x) => x.id === 'h100-sxm');
  if (!d) throw new BenchError('E_SCHEMA', `${CATALOG_PATH}: the catalog has no "h100-sxm" entry`);
  return d;
}

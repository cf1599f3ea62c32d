/**
 * The accelerator catalog: dense peak figures with a source per figure, loaded once and matched by
 * catalog name, alias or nvidia-smi name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { fieldIssue, parseJsonText } from '../results/io.js';
import { typoDistance } from '../core/suggest.js';
import { PACKAGE_ROOT } from '../core/version.js';

/** Numeric figures a catalog entry may carry; each non-null one must be named by a source. */
const FIGURE_FIELDS = [
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

const figure = z.number().positive().nullable();

/** Where a figure comes from. */
const CatalogSourceSchema = z.object({
  title: z.string().min(1),
  url: z.string().url(),
  fields: z.array(z.enum(FIGURE_FIELDS)).min(1),
  verifiedThisSession: z.boolean(),
});

/** One device of the catalog. */
const CatalogDeviceSchema = z
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
const CatalogSchema = z.object({
  catalogVersion: z.literal(1),
  note: z.string(),
  devices: z.array(CatalogDeviceSchema).min(1),
});

/** A device of the catalog. */
export type CatalogDevice = z.infer<typeof CatalogDeviceSchema>;
/** The catalog. */
export type Catalog = z.infer<typeof CatalogSchema>;

/** Path of the bundled catalog (read at run time so it works from src/ and dist/src/ alike). */
export const CATALOG_PATH = join(PACKAGE_ROOT, 'src', 'catalog', 'catalog.json');

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

/** Words of a GPU name that say nothing about which variant it is (brand, memory technology). */
const NEUTRAL_WORDS = new Set(['nvidia', 'tesla', 'geforce', 'amd', 'instinct']);
const MEMORY_TYPE = /^(hbm\d*e?|gddr\d+x?)$/;
/** Form-factor words: sxm2..sxm6, pcie, nvl (and nvl72 ...). */
const FORM_FACTOR = /^(sxm|pcie|nvl)(\d*)$/;
const MEMORY_SIZE = /^(\d+)gb$/;

/** The words of a normalised name, less a MIG profile suffix ("... mig 1g 10gb"), which names a slice. */
function gpuWords(name: string): string[] {
  const words = normalizeName(name).split(' ').filter(Boolean);
  const mig = words.indexOf('mig');
  return mig > 0 ? words.slice(0, mig) : words;
}

/** The form-factor and memory-size words an entry is known by, from all its names and its memory figure. */
function variantWordsOf(d: CatalogDevice): { forms: Set<string>; memories: Set<number> } {
  const words = namesOf(d).flatMap((a) => normalizeName(a).split(' '));
  const memories = new Set(
    words
      .map((w) => MEMORY_SIZE.exec(w)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number),
  );
  if (d.memoryGB !== null) memories.add(d.memoryGB);
  return { forms: new Set(words.filter((w) => FORM_FACTOR.test(w))), memories };
}

/**
 * Whether a word of a GPU name left over after an alias matched agrees with the entry. A form factor
 * must be one the entry is known by ("sxm" agrees with "sxm5"; "sxm3" does not agree with "sxm2"); a
 * memory size must be the entry's; any other word ("d", "laptop", "vf") may name another product, so
 * it disagrees.
 */
function agrees(word: string, v: { forms: Set<string>; memories: Set<number> }): boolean {
  if (NEUTRAL_WORDS.has(word) || MEMORY_TYPE.test(word)) return true;
  const mem = MEMORY_SIZE.exec(word);
  if (mem) return v.memories.has(Number(mem[1]));
  const form = FORM_FACTOR.exec(word);
  if (!form) return false;
  if (v.forms.has(word)) return true;
  const family = [...v.forms].filter((f) => FORM_FACTOR.exec(f)?.[1] === form[1]);
  // A bare "sxm" agrees with any SXM generation, and an entry known only as bare "sxm" with any.
  return family.length > 0 && (form[2] === '' || family.every((f) => f === form[1]));
}

/**
 * Matches an nvidia-smi GPU name to the catalog: an exact name or alias first (a MIG suffix dropped,
 * so "NVIDIA H100 80GB HBM3 MIG 1g.10gb" is the H100 SXM), then the longest alias found as whole
 * words in the name whose other words all agree with that entry. Variants the catalog does not hold
 * stay unknown instead of borrowing a sibling's figures: "NVIDIA H100 NVL", "NVIDIA A100-PCIE-40GB",
 * "Tesla V100-PCIE-16GB" and "NVIDIA GeForce RTX 4090 D" give undefined.
 */
export function matchGpuName(gpuName: string, catalog: Catalog = loadCatalog()): CatalogDevice | undefined {
  const words = gpuWords(gpuName);
  const exact = lookupDevice(words.join(' '), catalog);
  if (exact) return exact;
  let best: { device: CatalogDevice; len: number } | undefined;
  for (const d of catalog.devices) {
    const variant = variantWordsOf(d);
    for (const a of namesOf(d)) {
      const na = normalizeName(a);
      // Short aliases ("d1", "hw3") are too easily part of another product's name.
      if (na.length < 4 || (best && na.length <= best.len)) continue;
      const aw = na.split(' ');
      for (let i = 0; i + aw.length <= words.length; i++) {
        if (!aw.every((w, k) => words[i + k] === w)) continue;
        const rest = [...words.slice(0, i), ...words.slice(i + aw.length)];
        if (rest.every((w) => agrees(w, variant))) {
          best = { device: d, len: na.length };
          break;
        }
      }
    }
  }
  return best?.device;
}

/**
 * Catalog names closest to `name` (by any of their aliases), for "did you mean" hints; none when no
 * name is a plausible typo, so `--as nosuchgpu` lists the catalog instead of guessing an unrelated GPU.
 */
export function suggestDevices(name: string, catalog: Catalog = loadCatalog(), max = 3): string[] {
  const n = normalizeName(name);
  const scored = catalog.devices.map((d) => ({
    name: d.name,
    score: Math.min(...namesOf(d).map((a) => typoDistance(n, normalizeName(a)))),
  }));
  scored.sort((a, b) => a.score - b.score);
  return scored
    .filter((s) => s.score <= Math.max(3, Math.ceil(n.length / 2)) && s.score < n.length)
    .slice(0, max)
    .map((s) => s.name);
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

/**
 * Fleet capacity in H100-equivalents: counts, budgets and power budgets turned into H100e (low /
 * central / high from the two Epoch spec rules), power, cost, growth between dated snapshots, and
 * each article claim next to the derived figure with a consistent / inconsistent mark.
 */
import { dirname, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BenchError, errorMessage } from '../core/errors.js';
import { readTextFile } from '../results/io.js';
import { measuredPerDevice } from '../cluster/census-file.js';
import { requireDevice } from '../catalog/catalog.js';
import { peaksFromCatalog } from '../catalog/device-peaks.js';
import {
  ScenarioSchema,
  toWatts,
  type Claim,
  type Scenario,
  type ScenarioItem,
  type ScenarioSource,
} from './scenario-schema.js';
import { specH100e } from '../catalog/spec-rule.js';

/** A low / central / high triple. */
export interface Range {
  low: number;
  central: number;
  high: number;
}

/** One fleet line, evaluated. */
export interface ItemResult {
  id: string;
  label: string;
  device: string;
  count: number;
  /** How the count was obtained. */
  countBasis: string;
  perDeviceH100e: Range;
  /** H100e of every device, before utilisation. */
  installedH100e: Range;
  /** Installed x utilisation. */
  h100e: Range;
  utilisation: number;
  availableHoursPerWeek: number;
  /**
   * count x per-device power (the line's powerPerDevice, else the catalog TDP) at full load, whatever
   * the utilisation: a rating, not measured draw; null when unknown.
   */
  powerW: number | null;
  costUsd: number | null;
  impliedPriceUsd: number | null;
  inTotal: boolean;
  source: string | null;
  /** Present on a measured line: its per-device H100e came from this census figure, not the spec rules. */
  measured?: string;
}

/** Totals of a group of lines. */
export interface Totals {
  h100e: Range;
  /** Sum of the lines' TDP power (see ItemResult.powerW): a rating, not measured draw. */
  powerW: number;
  /** Cost of the lines with a known cost. */
  costUsd: number;
  /** Lines whose power or cost is unknown. */
  unknownPower: number;
  unknownCost: number;
}

/** A dated snapshot, evaluated. */
interface SnapshotResult {
  id: string;
  date: string;
  label: string;
  items: ItemResult[];
  totals: Totals;
  /**
   * Central H100e growth in percent over the previous non-variant snapshot (by date); for a variant,
   * over the snapshot before the one it is a variant of. Null when there is no such snapshot.
   */
  growthPct: number | null;
  /** Id of the snapshot growthPct is over; null with it. */
  growthFrom: string | null;
  /** An alternative figure (variantOf), never the base of another snapshot's growth. */
  variant: boolean;
}

/** A claim next to its derived figure. */
export interface ClaimResult {
  id: string;
  text: string;
  derived: number;
  claimed: number | null;
  unit: string;
  compare: Claim['compare'];
  tolerancePct: number;
  mark: 'consistent' | 'inconsistent' | 'info';
  source: ScenarioSource;
}

/** A whole evaluated scenario. */
export interface FleetReport {
  file: string;
  name: string;
  description: string | null;
  assumptions: string[];
  items: ItemResult[];
  total: Totals | null;
  snapshots: SnapshotResult[];
  claims: ClaimResult[];
  method: string;
}

/** How per-device H100e is obtained, printed with every report. */
const FLEET_METHOD =
  'per-device H100e = Epoch spec rules (dense 16-bit / 989.4 TFLOP/s and dense 8-bit / 1,979 TOPS): low = smaller, high = larger, central = their mean (the one available rule when a device has a single figure); H100e = count x per-device x utilisation; TDP power = count x the catalog TDP (or powerPerDevice where the line gives one), at full load whatever the utilisation: a rating, not measured draw';

/** Reads and validates a scenario file (YAML, or JSON by extension); errors name the field. */
export function loadScenario(path: string): Scenario {
  const text = readTextFile(path);
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text, { logLevel: 'error' }); // no YAMLWarning on stderr (an odd tag, an ambiguous anchor): the schema judges the values
  } catch (e) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${errorMessage(e).split('\n')[0]})`,
    );
  }
  return parseScenario(raw, path);
}

/** Validates an already-parsed scenario object. */
export function parseScenario(raw: unknown, path: string): Scenario {
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    const hint = /power|watt|kw/i.test(`${field} ${issue?.message ?? ''}`)
      ? 'power is written {value: N, unit: W|kW|MW|GW}, e.g. powerPerDevice: {value: 700, unit: W}'
      : 'see bench/scenarios/lab-example.yaml for the format';
    // An issue about the whole file (a result file given by mistake) names no field.
    const where = field ? `field "${field}": ` : '';
    throw new BenchError('E_SCHEMA', `${path}: ${where}${issue?.message ?? 'invalid'}`.replace(/\s+/g, ' '), {
      hint,
    });
  }
  return parsed.data;
}

function range(values: number[]): Range {
  return {
    low: Math.min(...values),
    central: values.reduce((a, b) => a + b, 0) / values.length,
    high: Math.max(...values),
  };
}

function scale(r: Range, k: number): Range {
  return { low: r.low * k, central: r.central * k, high: r.high * k };
}

function impliedPrices(all: { item: ScenarioItem }[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const { item } of all) {
    if (item.count !== undefined && item.count > 0 && item.budgetUsd !== undefined)
      m.set(item.id, item.budgetUsd / item.count);
  }
  return m;
}

function evaluateItem(item: ScenarioItem, where: string, implied: Map<string, number>, baseDir: string): ItemResult {
  // A measured line takes its per-device H100e from a census; its device, when given, still gives TDP and price.
  const measured = item.measured ? measuredPerDevice(item.measured, `${where}.measured`, baseDir) : undefined;
  const device = item.device !== undefined ? requireDevice(item.device, `${where}.device`) : undefined;
  const deviceName = device?.name ?? measured?.device ?? '?';

  let perDeviceW: number | null = device?.tdpW ?? null;
  if (item.powerPerDevice) {
    perDeviceW = toWatts(item.powerPerDevice);
    const p = item.powerPerDevice;
    if (perDeviceW > 20_000) {
      throw new BenchError(
        'E_BAD_INPUT',
        `${where}.powerPerDevice: ${p.value} ${p.unit} per device is implausible (over 20 kW); did you mean W?`,
      );
    }
    if (perDeviceW < 1) {
      throw new BenchError(
        'E_BAD_INPUT',
        `${where}.powerPerDevice: ${p.value} ${p.unit} per device is implausible (under 1 W); did you mean kW?`,
      );
    }
  }

  let price: number | null = item.priceUsd ?? null;
  if (price === null && item.priceFrom !== undefined) {
    const p = implied.get(item.priceFrom);
    if (p === undefined) {
      throw new BenchError(
        'E_BAD_INPUT',
        `${where}.priceFrom: no item "${item.priceFrom}" with both count and budgetUsd to imply a price`,
      );
    }
    price = p;
  }
  price ??= device?.priceUsd ?? null;

  let count: number;
  let countBasis: string;
  if (item.count !== undefined) {
    count = item.count;
    countBasis = 'count';
  } else if (item.budgetUsd !== undefined) {
    if (price === null) {
      throw new BenchError(
        'E_BAD_INPUT',
        `${where}.budgetUsd: needs priceUsd or priceFrom (the catalog has no price for ${deviceName})`,
      );
    }
    count = item.budgetUsd / price;
    countBasis = `budgetUsd ${item.budgetUsd.toLocaleString('en-US')} / price ${Math.round(price).toLocaleString('en-US')} USD`;
  } else if (item.powerBudget !== undefined) {
    if (perDeviceW === null) {
      throw new BenchError(
        'E_BAD_INPUT',
        `${where}.powerBudget: needs powerPerDevice (the catalog has no power figure for ${deviceName})`,
      );
    }
    count = toWatts(item.powerBudget) / perDeviceW;
    countBasis = `powerBudget ${item.powerBudget.value} ${item.powerBudget.unit} / ${perDeviceW} W per device`;
  } else if (measured) {
    count = measured.devices;
    countBasis = 'devices measured in the census';
  } else {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}.count: missing; give count, budgetUsd with a price, or powerBudget`,
    );
  }

  const timeFields = [item.utilisation, item.availableHoursPerWeek, item.busyHoursPerDay].filter(
    (x) => x !== undefined,
  );
  if (timeFields.length > 1) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}: give only one of utilisation, availableHoursPerWeek, busyHoursPerDay`,
    );
  }
  const utilisation =
    item.utilisation ??
    (item.availableHoursPerWeek !== undefined
      ? item.availableHoursPerWeek / 168
      : item.busyHoursPerDay !== undefined
        ? (168 - 7 * item.busyHoursPerDay) / 168
        : 1);

  const spec = device ? specH100e(peaksFromCatalog(device)) : { rule16: null, rule8: null };
  const rules = measured ? [measured.perDeviceH100e] : [spec.rule16, spec.rule8].filter((x): x is number => x !== null);
  if (rules.length === 0) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${where}.device: ${deviceName} has neither a 16-bit nor an 8-bit figure in the catalog`,
    );
  }
  const perDeviceH100e = range(rules);
  const installedH100e = scale(perDeviceH100e, count);
  return {
    id: item.id,
    label: item.label ?? item.id,
    device: deviceName,
    ...(measured ? { measured: measured.basis } : {}),
    count,
    countBasis,
    perDeviceH100e,
    installedH100e,
    h100e: scale(installedH100e, utilisation),
    utilisation,
    availableHoursPerWeek: utilisation * 168,
    powerW: perDeviceW === null ? null : count * perDeviceW,
    costUsd: item.budgetUsd ?? (price === null ? null : count * price),
    impliedPriceUsd:
      item.count !== undefined && item.count > 0 && item.budgetUsd !== undefined
        ? item.budgetUsd / item.count
        : price,
    inTotal: item.inTotal,
    source: item.source ?? null,
  };
}

function totalsOf(items: ItemResult[]): Totals {
  const sum = (f: (i: ItemResult) => number): number => items.reduce((a, i) => a + f(i), 0);
  return {
    h100e: {
      low: sum((i) => i.h100e.low),
      central: sum((i) => i.h100e.central),
      high: sum((i) => i.h100e.high),
    },
    powerW: sum((i) => i.powerW ?? 0),
    costUsd: sum((i) => i.costUsd ?? 0),
    unknownPower: items.filter((i) => i.powerW === null).length,
    unknownCost: items.filter((i) => i.costUsd === null).length,
  };
}

/** Percent change from a to b. */
function growthPct(a: number, b: number): number {
  return (b / a - 1) * 100;
}

/** Marks a derived figure against a claim. */
function markClaim(
  derived: number,
  claimed: number | undefined,
  compare: Claim['compare'],
  tolerancePct: number,
): ClaimResult['mark'] {
  if (claimed === undefined) return 'info';
  if (compare === 'atLeast') return derived >= claimed ? 'consistent' : 'inconsistent';
  if (compare === 'atMost') return derived <= claimed ? 'consistent' : 'inconsistent';
  return Math.abs(derived - claimed) <= (Math.abs(claimed) * tolerancePct) / 100
    ? 'consistent'
    : 'inconsistent';
}

/** Evaluates a validated scenario; `file` names it in errors and output. */
export function evaluateScenario(s: Scenario, file: string): FleetReport {
  const all = [
    ...s.items.map((item, i) => ({ item, where: `${file}: items[${i}]` })),
    ...s.snapshots.flatMap((snap, j) =>
      snap.items.map((item, i) => ({ item, where: `${file}: snapshots[${j}].items[${i}]` })),
    ),
  ];
  const seen = new Set<string>();
  for (const { item, where } of all) {
    if (seen.has(item.id)) throw new BenchError('E_BAD_INPUT', `${where}.id: duplicate id "${item.id}"`);
    seen.add(item.id);
  }
  const sourceIds = new Set(s.sources.map((x) => x.id));
  for (const [i, c] of s.claims.entries()) {
    if (!sourceIds.has(c.source))
      throw new BenchError('E_BAD_INPUT', `${file}: claims[${i}].source: no source with id "${c.source}"`);
  }
  for (const { item, where } of all) {
    if (item.source !== undefined && !sourceIds.has(item.source)) {
      throw new BenchError('E_BAD_INPUT', `${where}.source: no source with id "${item.source}"`);
    }
  }

  const implied = impliedPrices(all);
  const evaluated = new Map<string, ItemResult>();
  const items = s.items.map((item, i) => {
    const r = evaluateItem(item, `${file}: items[${i}]`, implied, dirname(file));
    evaluated.set(r.id, r);
    return r;
  });
  const byDate = [...s.snapshots.entries()].sort((a, b) => a[1].date.localeCompare(b[1].date));
  const snapshots: SnapshotResult[] = byDate.map(([j, snap]) => {
    const its = snap.items.map((item, i) => {
      const r = evaluateItem(item, `${file}: snapshots[${j}].items[${i}]`, implied, dirname(file));
      evaluated.set(r.id, r);
      return r;
    });
    return {
      id: snap.id,
      date: snap.date,
      label: snap.label,
      items: its,
      totals: totalsOf(its),
      growthPct: null,
      growthFrom: null,
      variant: snap.variantOf !== undefined,
    };
  });
  const snapshotById = new Map(snapshots.map((x) => [x.id, x]));
  // The non-variant snapshot dated before `x` (variants are alternatives, never a base).
  const before = (x: SnapshotResult): SnapshotResult | undefined =>
    snapshots
      .slice(0, snapshots.indexOf(x))
      .filter((y) => !y.variant)
      .at(-1);
  for (const [k, [j, raw]] of byDate.entries()) {
    const x = snapshots[k]!;
    let anchor = x;
    if (raw.variantOf !== undefined) {
      const base = snapshotById.get(raw.variantOf);
      if (!base || base.variant) {
        throw new BenchError(
          'E_BAD_INPUT',
          `${file}: snapshots[${j}].variantOf: ${base ? `"${raw.variantOf}" is itself a variant` : `no snapshot with id "${raw.variantOf}"`}; name the snapshot this one is an alternative figure for`,
        );
      }
      // A variant is an alternative figure for its base's date, so it grows from where the base does,
      // not from the base itself (which is the same date's other figure).
      anchor = base;
    }
    const prev = before(anchor);
    x.growthPct = prev ? growthPct(prev.totals.h100e.central, x.totals.h100e.central) : null;
    x.growthFrom = prev?.id ?? null;
  }
  const snap = (id: string, where: string): SnapshotResult => {
    const x = snapshotById.get(id);
    if (!x) throw new BenchError('E_BAD_INPUT', `${where}: no snapshot with id "${id}"`);
    return x;
  };

  const claims = s.claims.map((c, i): ClaimResult => {
    const where = `${file}: claims[${i}].figure`;
    let derived: number;
    const f = c.figure;
    if (f.of === 'growthPct') {
      derived = growthPct(
        snap(f.from, `${where}.from`).totals.h100e.central,
        snap(f.to, `${where}.to`).totals.h100e.central,
      );
    } else if (f.of === 'snapshotH100e') {
      derived = snap(f.snapshot, `${where}.snapshot`).totals.h100e.central;
    } else {
      const it = evaluated.get(f.item);
      if (!it) throw new BenchError('E_BAD_INPUT', `${where}.item: no item with id "${f.item}"`);
      const v =
        f.field === 'h100e'
          ? it.h100e.central
          : f.field === 'installedH100e'
            ? it.installedH100e.central
            : it[f.field];
      if (v === null)
        throw new BenchError('E_BAD_INPUT', `${where}.field: ${f.field} of item "${f.item}" is unknown`);
      // A power claim in kW/MW/GW is compared in its own unit.
      const perUnit: Record<string, number> = { W: 1, kW: 1e3, MW: 1e6, GW: 1e9 };
      if (f.field === 'powerW' && perUnit[c.unit] === undefined) {
        throw new BenchError(
          'E_BAD_INPUT',
          `${file}: claims[${i}].unit: a power claim needs W, kW, MW or GW, got "${c.unit}"`,
        );
      }
      derived = f.field === 'powerW' ? v / (perUnit[c.unit] ?? 1) : v;
    }
    const source = s.sources.find((x) => x.id === c.source) as ScenarioSource;
    return {
      id: c.id,
      text: c.text,
      derived,
      claimed: c.claimed ?? null,
      unit: c.unit,
      compare: c.compare,
      tolerancePct: c.tolerancePct,
      mark: markClaim(derived, c.claimed, c.compare, c.tolerancePct),
      source,
    };
  });

  const counted = items.filter((i) => i.inTotal);
  return {
    file,
    name: s.name,
    description: s.description ?? null,
    assumptions: s.assumptions,
    items,
    total: counted.length > 0 ? totalsOf(counted) : null,
    snapshots,
    claims,
    method: [...items, ...snapshots.flatMap((x) => x.items)].some((i) => i.measured)
      ? `${FLEET_METHOD}; a line marked (measured) takes its per-device H100e from a bench cluster census (its figure over its devices) instead of the spec rules`
      : FLEET_METHOD,
  };
}

/** Loads and evaluates a scenario file. */
export function runFleet(path: string): FleetReport {
  return evaluateScenario(loadScenario(path), path);
}

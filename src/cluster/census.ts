/**
 * The census: per configuration, every node's and GPU's throughput, groups by device model with their
 * median and spread, outliers, and the fleet's H100e by the capacity and measured methods of
 * src/estimate beside the spec rule for the same inventory. Pure computation over {@link CensusInputs};
 * the formatters in census-format.ts write the sentences.
 */
import { estimateRun, type Derivation, type MethodFigure, type RunEstimate } from '../estimate/estimate.js';
import { ranOnCpu } from '../estimate/references.js';
import { errorMessage } from '../core/errors.js';
import type { Environment, RunResult } from '../results/schema.js';
import { mad, median } from '../stats/statistics.js';
import { NODES_DIR } from './manifest.js';
import { censusActive, nodeStates, type CensusInputs, type LeanResultFile, type NodeState } from './state.js';

/** Default outlier threshold: a device this many percent below its group's median is named. */
export const DEFAULT_OUTLIER_PCT = 10;

/** One device's (a GPU's, or a CPU node's) throughput on one configuration. */
export interface DeviceMeasurement {
  node: string;
  host: string;
  /** GPU index on its node; null for a CPU run. */
  gpuIndex: number | null;
  /** GPU name (nvidia-smi) or CPU model: what the device is grouped by. */
  device: string;
  kind: 'gpu' | 'cpu';
  samplesPerS: number;
  /** As the run recorded them: power while measuring, the GPU's max clocks and power limit. */
  powerAvgW?: number;
  powerMaxW?: number;
  smClockMaxMHz?: number;
  memClockMaxMHz?: number;
  powerLimitW?: number;
  /** This device's H100e by the capacity and measured methods; null where the method has no reference. */
  capacityH100e: number | null;
  measuredH100e: number | null;
}

/** The devices of one model on one configuration. */
interface DeviceGroup {
  device: string;
  kind: 'gpu' | 'cpu';
  count: number;
  medianSamplesPerS: number;
  minSamplesPerS: number;
  maxSamplesPerS: number;
  /** (max - min) / median, in percent. */
  spreadPct: number;
  /** Median absolute deviation over the median, in percent. */
  madPct: number;
}

/** A device more than the threshold below its group's median. */
interface Outlier extends DeviceMeasurement {
  groupMedianSamplesPerS: number;
  belowPct: number;
}

/** One method's fleet figure on one configuration. */
interface FleetFigure {
  /** Sum over the devices that have a figure; null when none has. */
  h100e: number | null;
  /** Devices counted, and those the method has no reference for. */
  devices: number;
  without: number;
  /** The H100/H200 throughput divided by, per device group (img/s), with its provenance. */
  divisors: { device: string; samplesPerS: number; figure: MethodFigure }[];
}

/** A configuration across the fleet. */
export interface ConfigurationCensus {
  /** The run key without the GPU suffix. */
  key: string;
  model: string;
  engine: string;
  provider: string;
  precision: string;
  batch: number;
  scenario: string;
  devices: DeviceMeasurement[];
  groups: DeviceGroup[];
  outliers: Outlier[];
  /** Devices whose configuration failed, with the error. */
  failed: { node: string; gpuIndex: number | null; error: string }[];
  /** Census nodes with a usable file that lack this configuration (interrupted before it). */
  nodesWithout: string[];
  totalSamplesPerS: number;
  capacity: FleetFigure;
  measured: FleetFigure;
}

/** One device model of the inventory, with its spec-rule H100e. */
interface InventoryLine {
  device: string;
  kind: 'gpu' | 'cpu';
  count: number;
  spec16PerDevice: number | null;
  spec8PerDevice: number | null;
  /** Why there is no spec figure, when there is none. */
  specWhy?: string;
}

/** A file in nodes/ the census did not use, and why. */
interface CensusProblem {
  file: string;
  kind: 'unreadable' | 'foreign' | 'duplicate' | 'command' | 'tool-version' | 'engine-version';
  message: string;
}

/** The nodes that gave no usable file, and what they would add by spec. */
interface MissingNodes {
  nodes: string[];
  /** The hardware assumed for them: that of the census's most common node. */
  assumedNode: string | undefined;
  assumedInventory: string | undefined;
  spec16PerNode: number | null;
  spec16Total: number | null;
}

/** The whole census. */
export interface Census {
  censusVersion: 1;
  kind: 'h100e-cluster-census-summary';
  censusId: string;
  createdAt: string;
  dir: string;
  command: string;
  runCommand: string;
  jobIds: string[];
  outlierPct: number;
  /** True while a job still runs, or when some node is not done: figures cover the finished part. */
  partial: boolean;
  active: boolean;
  nodes: NodeState[];
  configurations: ConfigurationCensus[];
  inventory: InventoryLine[];
  /** The spec rules' H100e for the inventory of the nodes measured. */
  spec16H100e: number | null;
  spec8H100e: number | null;
  missing: MissingNodes;
  problems: CensusProblem[];
}

/** Options of {@link buildCensus}. */
export interface CensusOptions {
  outlierPct?: number;
  now?: Date;
  /** Estimates one run (tests inject one; default: src/estimate's estimateRun with the reference folder). */
  estimate?: (run: RunResult, env: Environment) => RunEstimate;
}

/** The run key without the `|gpuN` suffix of a --gpus worker. */
function configurationKey(run: RunResult): string {
  return run.key.replace(/\|gpu\d+$/, '');
}

/** The flags of a node's recorded command that the census sets itself, dropped before comparing. */
function runOptionsOf(command: string): string {
  const words = command.split(' ');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (i < 2 && (w === 'bench' || w === 'run')) continue;
    if (w === '--out' || w === '--gpus') {
      i++;
      continue;
    }
    if (w === '--resume' || w === '--force' || w.startsWith('--out=') || w.startsWith('--gpus=')) continue;
    out.push(w);
  }
  return out.join(' ');
}

/** Files the census uses, one per node, with the rest named as problems. */
function acceptedFiles(inputs: CensusInputs): {
  files: Map<string, LeanResultFile>;
  problems: CensusProblem[];
} {
  const problems: CensusProblem[] = [];
  const files = new Map<string, LeanResultFile>();
  const owner = new Map<string, string>();
  const m = inputs.manifest;
  const expected = m.runArgs.join(' ');
  for (const entry of inputs.files) {
    const path = `${NODES_DIR}/${entry.name}`;
    if (!entry.file) {
      problems.push({
        file: path,
        kind: entry.node === undefined ? 'foreign' : 'unreadable',
        message: entry.problem ?? 'unreadable',
      });
      continue;
    }
    const f = entry.file;
    const node = f.environment.slurm?.nodeName ?? entry.node!;
    const options = runOptionsOf(f.command);
    if (options !== expected) {
      problems.push({
        file: path,
        kind: 'command',
        message: `measured \`${f.command}\`, not the census's \`bench run ${expected}\``,
      });
      continue;
    }
    if (f.environment.tool.version !== m.tool.version) {
      problems.push({
        file: path,
        kind: 'tool-version',
        message: `written by h100e ${f.environment.tool.version}, the census by ${m.tool.version}`,
      });
      continue;
    }
    const engine = Object.entries(m.packages).find(
      ([name, v]) => f.environment.packages[name] !== undefined && f.environment.packages[name] !== v,
    );
    if (engine) {
      problems.push({
        file: path,
        kind: 'engine-version',
        message: `${engine[0]} ${f.environment.packages[engine[0]]}, the census's ${engine[1]}`,
      });
      continue;
    }
    const first = owner.get(node);
    if (first !== undefined) {
      problems.push({
        file: path,
        kind: 'duplicate',
        message: `claims node ${node}, which ${first} already holds`,
      });
      continue;
    }
    if (node !== entry.node) {
      // A file copied under another node's name: its own record says where it was measured.
      problems.push({
        file: path,
        kind: 'duplicate',
        message: `named for node ${entry.node} but measured on node ${node}`,
      });
      continue;
    }
    owner.set(node, path);
    files.set(node, f);
  }
  return { files, problems };
}

/** The devices a node file describes: its GPUs (by index) or its CPU. */
function inventoryOf(f: LeanResultFile): { device: string; kind: 'gpu' | 'cpu'; count: number }[] {
  const gpuRuns = f.runs.filter((r) => !ranOnCpu(r));
  if (gpuRuns.length > 0 && f.environment.gpus.length > 0) {
    const used = new Set(gpuRuns.map((r) => r.device.gpuIndex ?? 0));
    const byName = new Map<string, number>();
    for (const g of f.environment.gpus)
      if (used.has(g.index)) byName.set(g.name, (byName.get(g.name) ?? 0) + 1);
    return [...byName].map(([device, count]) => ({ device, kind: 'gpu' as const, count }));
  }
  return [{ device: f.environment.cpu.model, kind: 'cpu', count: 1 }];
}

/** One device's run of a configuration, with the node whose file holds it. */
interface Row {
  node: string;
  file: LeanResultFile;
  run: RunResult;
}

/** The spec figures of a device model (per device), and why there is no 16-bit one. */
type SpecOfDevice = { spec16: number | null; spec8: number | null; why?: string };

/** What the per-configuration steps share: the estimates made so far and the devices' spec figures. */
interface CensusContext {
  estimateOf: (row: Row, device: string, key: string) => RunEstimate | undefined;
  specByDevice: Map<string, SpecOfDevice>;
  outlierPct: number;
  nodes: readonly string[];
}

/** Builds the census from what was read. */
export function buildCensus(inputs: CensusInputs, options: CensusOptions = {}): Census {
  const outlierPct = options.outlierPct ?? DEFAULT_OUTLIER_PCT;
  const states = nodeStates(inputs);
  const { files, problems } = acceptedFiles(inputs);
  const active = censusActive(inputs);
  const ctx: CensusContext = {
    estimateOf: estimator(options.estimate ?? ((run, env) => estimateRun(run, env))),
    specByDevice: new Map(),
    outlierPct,
    nodes: [...files.keys()],
  };
  const configurations = [...rowsByConfiguration(files)].map(([key, rows]) =>
    configurationCensus(key, rows, ctx),
  );
  const { inventory, nodeSignature } = inventoryOfNodes(files, ctx.specByDevice);
  const total = (field: 'spec16PerDevice' | 'spec8PerDevice'): number | null =>
    inventory.length > 0 && inventory.every((l) => l[field] !== null)
      ? inventory.reduce((a, l) => a + l[field]! * l.count, 0)
      : null;
  const missingNodes = states.filter((s) => !files.has(s.node)).map((s) => s.node);
  return {
    censusVersion: 1,
    kind: 'h100e-cluster-census-summary',
    censusId: inputs.manifest.censusId,
    createdAt: (options.now ?? new Date()).toISOString(),
    dir: inputs.dir,
    command: inputs.manifest.command,
    runCommand: inputs.manifest.runCommand,
    jobIds: inputs.manifest.jobs.map((j) => j.jobId),
    outlierPct,
    partial: active || states.some((s) => s.state !== 'done'),
    active,
    nodes: states,
    configurations,
    inventory,
    spec16H100e: total('spec16PerDevice'),
    spec8H100e: total('spec8PerDevice'),
    missing: missingBySpec(missingNodes, files, nodeSignature, inventory),
    problems,
  };
}

/** Per configuration key: each device's run (samples already dropped). */
function rowsByConfiguration(files: ReadonlyMap<string, LeanResultFile>): Map<string, Row[]> {
  const byKey = new Map<string, Row[]>();
  for (const [node, file] of files) {
    for (const run of file.runs) {
      const key = configurationKey(run);
      let rows = byKey.get(key);
      if (!rows) byKey.set(key, (rows = []));
      rows.push({ node, file, run });
    }
  }
  return byKey;
}

/**
 * One estimate per configuration and device model: the capacity and measured figures are the run's
 * throughput over a divisor that depends on the configuration only, and spec on the device only. A
 * failing estimate (a broken reference) leaves that device without H100e figures.
 */
function estimator(estimate: (run: RunResult, env: Environment) => RunEstimate): CensusContext['estimateOf'] {
  const estimates = new Map<string, RunEstimate | string>();
  return (row, device, key) => {
    const id = `${key}\u0000${device}`;
    if (!estimates.has(id)) {
      try {
        estimates.set(id, estimate(row.run, row.file.environment));
      } catch (e) {
        estimates.set(id, errorMessage(e));
      }
    }
    const e = estimates.get(id);
    return typeof e === 'string' ? undefined : e;
  };
}

/** A configuration across the fleet: every device's figures, the groups, outliers and fleet sums. */
function configurationCensus(key: string, rows: readonly Row[], ctx: CensusContext): ConfigurationCensus {
  const first = rows[0]!.run;
  const devices: DeviceMeasurement[] = [];
  const failed: ConfigurationCensus['failed'] = [];
  const divisors: Record<'capacity' | 'measured', FleetFigure['divisors']> = { capacity: [], measured: [] };
  for (const row of rows) {
    const { node, file, run } = row;
    const cpu = ranOnCpu(run);
    const gpuIndex = cpu ? null : (run.device.gpuIndex ?? 0);
    if (run.status !== 'ok' || !run.throughput) {
      failed.push({ node, gpuIndex, error: run.error ?? `status ${run.status}` });
      continue;
    }
    const gpu = gpuIndex === null ? undefined : file.environment.gpus.find((g) => g.index === gpuIndex);
    const device = cpu ? file.environment.cpu.model : (gpu?.name ?? run.device.name);
    const e = ctx.estimateOf(row, device, key);
    const sps = run.throughput.samplesPerS;
    const scaled = (fig: { h100e: number | null } | null | undefined, rep: number): number | null =>
      fig?.h100e == null || rep <= 0 ? null : (fig.h100e / rep) * sps;
    const repSps = e?.samplesPerS ?? 0;
    if (e) {
      for (const method of ['capacity', 'measured'] as const) {
        const fig = e[method];
        if (fig?.h100e != null && fig.h100e > 0 && !divisors[method].some((d) => d.device === device)) {
          divisors[method].push({ device, samplesPerS: repSps / fig.h100e, figure: fig });
        }
      }
      if (!ctx.specByDevice.has(device)) {
        ctx.specByDevice.set(device, {
          spec16: e.spec16.h100e,
          spec8: e.spec8.h100e,
          ...(e.spec16.h100e === null ? { why: whyNoSpec(e.spec16.derivation) } : {}),
        });
      }
    }
    devices.push({
      node,
      host: file.environment.hostname,
      gpuIndex,
      device,
      kind: cpu ? 'cpu' : 'gpu',
      samplesPerS: sps,
      ...(run.power ? { powerAvgW: run.power.avgW, powerMaxW: run.power.maxW } : {}),
      ...(gpu?.smClockMaxMHz !== undefined ? { smClockMaxMHz: gpu.smClockMaxMHz } : {}),
      ...(gpu?.memClockMaxMHz !== undefined ? { memClockMaxMHz: gpu.memClockMaxMHz } : {}),
      ...(gpu?.powerLimitW !== undefined ? { powerLimitW: gpu.powerLimitW } : {}),
      capacityH100e: e ? scaled(e.capacity, repSps) : null,
      measuredH100e: e ? scaled(e.measured, repSps) : null,
    });
  }
  const { groups, outliers } = groupsAndOutliers(devices, ctx.outlierPct);
  const fleet = (method: 'capacityH100e' | 'measuredH100e', divs: FleetFigure['divisors']): FleetFigure => {
    const withFigure = devices.filter((d) => d[method] !== null);
    return {
      h100e: withFigure.length > 0 ? withFigure.reduce((a, d) => a + d[method]!, 0) : null,
      devices: withFigure.length,
      without: devices.length - withFigure.length,
      divisors: divs,
    };
  };
  const nodesWith = new Set(rows.map((r) => r.node));
  return {
    key,
    model: first.model.name,
    engine: first.engine.name,
    provider: first.engine.provider,
    precision: first.model.precision,
    batch: first.config.batch,
    scenario: first.config.scenario,
    devices: devices.sort(
      (a, b) =>
        a.node.localeCompare(b.node, 'en', { numeric: true }) || (a.gpuIndex ?? 0) - (b.gpuIndex ?? 0),
    ),
    groups,
    outliers,
    failed,
    nodesWithout: ctx.nodes.filter((n) => !nodesWith.has(n)),
    totalSamplesPerS: devices.reduce((a, d) => a + d.samplesPerS, 0),
    capacity: fleet('capacityH100e', divisors.capacity),
    measured: fleet('measuredH100e', divisors.measured),
  };
}

/** Devices grouped by model with median and spread; the ones more than `outlierPct` below their group's median. */
function groupsAndOutliers(
  devices: readonly DeviceMeasurement[],
  outlierPct: number,
): { groups: DeviceGroup[]; outliers: Outlier[] } {
  const groups: DeviceGroup[] = [];
  const outliers: Outlier[] = [];
  const byDevice = new Map<string, DeviceMeasurement[]>();
  for (const d of devices) {
    const list = byDevice.get(d.device);
    if (list) list.push(d);
    else byDevice.set(d.device, [d]);
  }
  for (const [device, list] of byDevice) {
    const values = list.map((d) => d.samplesPerS);
    const med = median(values);
    const min = Math.min(...values);
    const max = Math.max(...values);
    groups.push({
      device,
      kind: list[0]!.kind,
      count: list.length,
      medianSamplesPerS: med,
      minSamplesPerS: min,
      maxSamplesPerS: max,
      spreadPct: med > 0 ? (100 * (max - min)) / med : 0,
      madPct: med > 0 ? (100 * mad(values)) / med : 0,
    });
    if (list.length < 2) continue; // one device has no siblings to fall behind
    for (const d of list) {
      const below = med > 0 ? (100 * (med - d.samplesPerS)) / med : 0;
      if (below > outlierPct) outliers.push({ ...d, groupMedianSamplesPerS: med, belowPct: below });
    }
  }
  outliers.sort((a, b) => b.belowPct - a.belowPct);
  return { groups, outliers };
}

/** The inventory of the measured nodes, each device once, with the spec figure per device; each node's hardware. */
function inventoryOfNodes(
  files: ReadonlyMap<string, LeanResultFile>,
  specByDevice: ReadonlyMap<string, SpecOfDevice>,
): { inventory: InventoryLine[]; nodeSignature: Map<string, string> } {
  const inv = new Map<string, InventoryLine>();
  const nodeSignature = new Map<string, string>();
  for (const [node, f] of files) {
    const parts = inventoryOf(f);
    nodeSignature.set(node, parts.map((p) => `${p.count} x ${p.device}`).join(' + '));
    for (const p of parts) {
      const line = inv.get(p.device);
      if (line) line.count += p.count;
      else {
        const spec = specByDevice.get(p.device);
        inv.set(p.device, {
          device: p.device,
          kind: p.kind,
          count: p.count,
          spec16PerDevice: spec?.spec16 ?? null,
          spec8PerDevice: spec?.spec8 ?? null,
          ...(spec?.why !== undefined
            ? { specWhy: spec.why }
            : spec
              ? {}
              : { specWhy: 'no successful run to describe it' }),
        });
      }
    }
  }
  return { inventory: [...inv.values()], nodeSignature };
}

/** Nodes with no usable file: what they would add by spec, assuming the most common node's hardware. */
function missingBySpec(
  missingNodes: string[],
  files: ReadonlyMap<string, LeanResultFile>,
  nodeSignature: ReadonlyMap<string, string>,
  inventory: readonly InventoryLine[],
): Census['missing'] {
  const tally = new Map<string, number>();
  for (const s of nodeSignature.values()) tally.set(s, (tally.get(s) ?? 0) + 1);
  const common = [...tally].reduce<[string, number] | undefined>(
    (a, c) => (a === undefined || c[1] > a[1] ? c : a),
    undefined,
  )?.[0];
  const commonNode = [...nodeSignature].find(([, s]) => s === common)?.[0];
  const perNode = commonNode
    ? inventoryOf(files.get(commonNode)!).reduce<number | null>((a, p) => {
        const s = inventory.find((l) => l.device === p.device)?.spec16PerDevice;
        return a === null || s == null ? null : a + s * p.count;
      }, 0)
    : null;
  return {
    nodes: missingNodes,
    assumedNode: missingNodes.length > 0 ? commonNode : undefined,
    assumedInventory: missingNodes.length > 0 ? common : undefined,
    spec16PerNode: missingNodes.length > 0 ? perNode : null,
    spec16Total: missingNodes.length > 0 && perNode !== null ? perNode * missingNodes.length : null,
  };
}

/** Why a device has no 16-bit spec figure: the reason the estimate gave (an unknown device, no figure). */
function whyNoSpec(d: Derivation): string {
  if (d.kind === 'unavailable') return d.why;
  if (d.kind === 'no-spec-figure') return `${d.device} has no dense 16-bit figure`;
  return d.kind;
}

/** A configuration in one line: model, engine/provider, precision, batch, scenario. */
export function configurationLabel(
  c: Pick<ConfigurationCensus, 'model' | 'engine' | 'provider' | 'precision' | 'batch' | 'scenario'>,
): string {
  return `${c.model} ${c.engine}/${c.provider} ${c.precision} batch ${c.batch} ${c.scenario}`;
}

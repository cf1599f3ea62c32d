/**
 * The census and node states in words: tables (plain text and Markdown share the same rows) and the
 * sentences around them. Reads nothing from the disk.
 */
import { formatH100e, methodText } from './estimate-method.js';
import { escapeMarkdown } from './escape.js';
import { renderMarkdownTable } from './markdown.js';
import { renderTextTable } from './table.js';
import type { TextTable } from './rows.js';
import {
  configurationLabel,
  type Census,
  type ConfigurationCensus,
  type DeviceMeasurement,
} from '../cluster/census.js';
import type { NodeState } from '../cluster/state.js';

/** img/s with three significant digits (thousands grouped). */
function ips(x: number): string {
  return formatH100e(x);
}

/** Where a device is: `node1` for a CPU run, `node1 GPU 3` for a GPU. */
export function deviceWhere(d: Pick<DeviceMeasurement, 'node' | 'host' | 'gpuIndex'>): string {
  const host = d.host !== d.node ? ` (host ${d.host})` : '';
  return d.gpuIndex === null ? `${d.node}${host}` : `${d.node}${host} GPU ${d.gpuIndex}`;
}

/** The state column of a node: its state with what Slurm and the file say. */
function stateText(s: NodeState): string {
  const parts: string[] = [s.state];
  if (s.signal) parts.push(`(${s.signal})`);
  if (s.stepExit !== undefined && s.stepExit !== 0 && !s.signal) parts.push(`(step exit ${s.stepExit})`);
  return parts.join(' ');
}

/** The node table of `status` and `collect`. */
function nodeTable(states: readonly NodeState[]): TextTable {
  return {
    header: ['node', 'state', 'configurations', 'Slurm job', 'Slurm state (reason)', 'step', 'file'],
    rows: states.map((s) => [
      s.node,
      stateText(s),
      `${s.finished}${s.planned !== null && s.planned !== s.finished ? ` of ${s.planned}` : ''}${s.failedRuns > 0 ? `, ${s.failedRuns} failed` : ''}`,
      s.jobId ?? '-',
      s.slurmState
        ? `${s.slurmState}${s.slurmReason && s.slurmReason !== 'None' ? ` (${s.slurmReason})` : ''}`
        : 'not known to Slurm now',
      s.stepId ?? '-',
      s.file ?? '-',
    ]),
  };
}

/** One line of node counts, e.g. `2 nodes: 1 running, 1 done`. */
export function stateSummary(states: readonly NodeState[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const order = ['pending', 'starting', 'running', 'done', 'interrupted', 'failed', 'missing'];
  const parts = order.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`);
  return `${states.length} node${states.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none known yet'}`;
}

/** Per configuration: each device's img/s and H100e. */
function deviceTable(c: ConfigurationCensus): TextTable {
  const outliers = new Set(c.outliers.map((o) => `${o.node}\u0000${o.gpuIndex}`));
  return {
    header: [
      'node',
      'GPU',
      'device',
      'img/s',
      'H100e (capacity)',
      'H100e (measured)',
      'power avg W',
      'outlier',
    ],
    rows: c.devices.map((d) => [
      d.node,
      d.gpuIndex === null ? '-' : String(d.gpuIndex),
      d.device,
      ips(d.samplesPerS),
      formatH100e(d.capacityH100e),
      formatH100e(d.measuredH100e),
      d.powerAvgW === undefined ? '-' : d.powerAvgW.toFixed(0),
      outliers.has(`${d.node}\u0000${d.gpuIndex}`) ? 'yes' : '',
    ]),
  };
}

/** Per configuration: each device group's median and spread. */
function groupTable(c: ConfigurationCensus): TextTable {
  return {
    header: ['device', 'count', 'median img/s', 'min', 'max', 'spread (max-min)/median', 'MAD/median'],
    rows: c.groups.map((g) => [
      g.device,
      String(g.count),
      ips(g.medianSamplesPerS),
      ips(g.minSamplesPerS),
      ips(g.maxSamplesPerS),
      `${g.spreadPct.toFixed(1)} %`,
      `${g.madPct.toFixed(1)} %`,
    ]),
  };
}

/** The fleet line per configuration: the measured H100e beside the spec figure. */
function fleetTable(census: Census): TextTable {
  const spec = formatH100e(census.spec16H100e);
  return {
    header: [
      'configuration',
      'devices',
      'fleet img/s',
      'H100e capacity',
      'H100e measured',
      'H100e spec (16-bit rule)',
    ],
    rows: census.configurations.map((c) => [
      configurationLabel(c),
      String(c.devices.length),
      ips(c.totalSamplesPerS),
      formatH100e(c.capacity.h100e) +
        (c.capacity.without > 0 && c.capacity.h100e !== null
          ? ` (${c.capacity.without} devices without a reference)`
          : ''),
      formatH100e(c.measured.h100e) +
        (c.measured.without > 0 && c.measured.h100e !== null
          ? ` (${c.measured.without} devices without a reference)`
          : ''),
      spec,
    ]),
  };
}

/** A method text without its reference file and command (the census JSON keeps them). */
function withoutProvenance(method: string): string {
  return method.replace(/\s\/\S+\.json \(made by: .*$/, '');
}

/** Sentences about outliers, one per outlier. */
function outlierLines(c: ConfigurationCensus): string[] {
  return c.outliers.map((o) => {
    const recorded = [
      o.powerAvgW !== undefined
        ? `power ${o.powerAvgW.toFixed(0)} W avg, ${o.powerMaxW?.toFixed(0) ?? '?'} W max`
        : 'no power recorded',
      o.smClockMaxMHz !== undefined ? `SM clock max ${o.smClockMaxMHz} MHz` : undefined,
      o.memClockMaxMHz !== undefined ? `memory clock max ${o.memClockMaxMHz} MHz` : undefined,
      o.powerLimitW !== undefined ? `power limit ${o.powerLimitW} W` : undefined,
      'temperature not recorded by bench run',
    ].filter((s) => s !== undefined);
    return `${deviceWhere(o)}: ${ips(o.samplesPerS)} img/s, ${o.belowPct.toFixed(1)} % below the ${o.device} median of ${ips(o.groupMedianSamplesPerS)} (${recorded.join('; ')})`;
  });
}

/** One section of the census report: a title, an optional table and lines of text under it. */
export interface CensusBlock {
  /** What the section is: the HTML report puts its charts after the `fleet` block. */
  kind: 'summary' | 'nodes' | 'fleet' | 'missing' | 'devices' | 'groups' | 'problems';
  title: string;
  table?: TextTable;
  lines?: string[];
}

/** The census report's sections in order; the text, Markdown and HTML formats all render these. */
export function censusBlocks(census: Census): CensusBlock[] {
  const out: CensusBlock[] = [];
  const state = census.active
    ? `PARTIAL: job ${census.jobIds.at(-1)} is still running; the figures cover the configurations finished so far`
    : census.partial
      ? 'PARTIAL: not every node completed its sweep (see the nodes below)'
      : 'complete: every node finished its sweep';
  out.push({
    kind: 'summary',
    title: `Census ${census.censusId} (${census.dir})`,
    lines: [
      state,
      `each node ran: ${census.runCommand}`,
      `jobs: ${census.jobIds.join(', ') || 'none submitted'}; ${stateSummary(census.nodes)}`,
      // The line a reader of fleet articles wants: measured against the spec sheet, per configuration.
      ...census.configurations.map(
        (c) =>
          `${configurationLabel(c)}: this cluster = ${formatH100e(c.capacity.h100e)} H100e measured (capacity method; ${formatH100e(c.measured.h100e)} like-for-like), ${formatH100e(census.spec16H100e)} by spec (16-bit rule)`,
      ),
    ],
  });
  out.push({ kind: 'nodes', title: 'Nodes', table: nodeTable(census.nodes) });
  out.push({
    kind: 'fleet',
    title: 'Fleet H100e: measured (sum over devices) beside the spec rule for the same inventory',
    table: fleetTable(census),
    lines: [
      `inventory: ${census.inventory.map((l) => `${l.count} x ${l.device} (spec ${formatH100e(l.spec16PerDevice)} H100e each${l.specWhy ? `: ${l.specWhy}` : ''})`).join(', ') || 'none'}`,
      ...census.configurations.flatMap((c) =>
        c.capacity.divisors.map(
          (d) =>
            `capacity divisor for ${configurationLabel(c)} on ${d.device}: ${ips(d.samplesPerS)} img/s, ${withoutProvenance(methodText(d.figure)).replace(/^capacity: \S+ \/ \S+ img\/s, /, '')}`,
        ),
      ),
      ...census.configurations.flatMap((c) =>
        c.measured.divisors.map(
          (d) =>
            `measured divisor for ${configurationLabel(c)} on ${d.device}: ${ips(d.samplesPerS)} img/s, ${withoutProvenance(methodText(d.figure)).replace(/^measured: \S+ \/ \S+ img\/s of /, '')}`,
        ),
      ),
    ],
  });
  if (census.missing.nodes.length > 0) {
    out.push({
      kind: 'missing',
      title: 'Missing and failed nodes',
      lines: [
        `${census.missing.nodes.join(', ')}: no usable file; by spec they would add ${formatH100e(census.missing.spec16Total)} H100e (16-bit rule), ` +
          `assuming each has the hardware of ${census.missing.assumedNode ?? 'a measured node'} (${census.missing.assumedInventory ?? 'unknown'})`,
      ],
    });
  }
  for (const c of census.configurations) {
    const lines = [
      ...outlierLines(c),
      ...c.failed.map(
        (f) => `failed on ${f.node}${f.gpuIndex === null ? '' : ` GPU ${f.gpuIndex}`}: ${f.error}`,
      ),
      ...(c.nodesWithout.length > 0
        ? [`not measured on ${c.nodesWithout.join(', ')} (the sweep stopped before it)`]
        : []),
    ];
    out.push({ kind: 'devices', title: `${configurationLabel(c)}: per device`, table: deviceTable(c) });
    out.push({
      kind: 'groups',
      title: `${configurationLabel(c)}: groups (outliers: more than ${census.outlierPct} % below the group median)`,
      table: groupTable(c),
      lines: lines.length > 0 ? lines : ['no outliers'],
    });
  }
  if (census.problems.length > 0) {
    out.push({
      kind: 'problems',
      title: 'Files not used',
      lines: census.problems.map((p) => `${p.file}: ${p.message}`),
    });
  }
  return out;
}

/** The census as terminal text. */
export function formatCensusText(census: Census): string {
  return (
    censusBlocks(census)
      .map((b) =>
        [
          b.title,
          ...(b.table ? [renderTextTable(b.table).trimEnd()] : []),
          ...(b.lines ?? []).map((l) => `  ${l}`),
        ].join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

/** The census as GitHub-flavoured Markdown. */
export function formatCensusMarkdown(census: Census): string {
  const esc = escapeMarkdown;
  return (
    censusBlocks(census)
      .map((b) =>
        [
          `## ${esc(b.title)}`,
          ...(b.table ? ['', renderMarkdownTable(b.table).trimEnd()] : []),
          ...(b.lines?.length ? ['', ...b.lines.map((l) => `- ${esc(l)}`)] : []),
        ].join('\n'),
      )
      .join('\n\n') + '\n'
  );
}

/** `bench cluster status` output. */
export function formatStatus(
  dir: string,
  censusId: string,
  states: readonly NodeState[],
  active: boolean,
): string {
  return [
    `census ${censusId} (${dir}): ${stateSummary(states)}${active ? '; its job is still active' : ''}`,
    renderTextTable(nodeTable(states)).trimEnd(),
    '',
  ].join('\n');
}

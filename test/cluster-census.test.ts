/**
 * The census computed from node files written here (exact numbers, no Slurm, no engine), and the
 * rare states of `bench cluster` with fake Slurm commands on PATH.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCensus, type CensusOptions } from '../src/cluster/census.js';
import { formatCensusText } from '../src/report/census-text.js';
import { writeManifest, type Manifest } from '../src/cluster/manifest.js';
import { gatherCensus, type CensusInputs } from '../src/cluster/state.js';
import { slurmPlacement } from '../src/env/environment.js';
import { writeResultFile } from '../src/results/io.js';
import type { ResultFile, RunResult } from '../src/results/schema.js';
import { PACKAGE_ROOT, TOOL_VERSION } from '../src/core/version.js';
import { divided, env, file, run, unitSpec } from './estimate-fixtures.js';
import { runCommand } from './run-command.js';

const RUN_ARGS = ['--model', 'net', '--device', 'cuda'];
const H100 = 'NVIDIA H100 80GB HBM3';

function manifest(over: Partial<Manifest> = {}): Manifest {
  return {
    manifestVersion: 1,
    kind: 'h100e-cluster-census',
    censusId: 'census-1',
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'bench cluster slurm --model net --device cuda --out DIR --gpus-per-node 2',
    runArgs: RUN_ARGS,
    runCommand:
      'node cli.js run --model net --device cuda --gpus all --out "DIR/nodes/$SLURMD_NODENAME.json"',
    tool: { name: 'h100e', version: TOOL_VERSION },
    packages: { 'onnxruntime-node': '1.30.0' },
    request: { nodeState: 'idle', exclusive: true, sbatchArgs: [], gpusPerNode: 2 },
    jobs: [
      {
        jobId: '7',
        submittedAt: '2026-01-01T00:00:00.000Z',
        nodes: [],
        nodeCount: 3,
        script: 'census.sbatch',
        resume: false,
      },
    ],
    ...over,
  };
}

/** A GPU run on GPU `gpu` with power recorded. */
function gpuRun(batch: number, gpu: number, samplesPerS: number): RunResult {
  const r = run({ device: 'cuda', batch, samplesPerS, flopsPerImage: 1e9 });
  return {
    ...r,
    key: `${r.key}|gpu${gpu}`,
    device: { ...r.device, gpuIndex: gpu, name: H100 },
    power: { avgW: 300 + gpu, maxW: 350, readings: 5, samplesPerJoule: 1 },
  };
}

/** A node file as `bench run --gpus all` on Slurm node `node` writes it. */
function nodeFile(
  node: string,
  perGpu: number[][],
  over: { command?: string; tool?: string; ort?: string; claims?: string } = {},
): ResultFile {
  const e = env('Xeon', [H100, H100]);
  e.hostname = 'same-host';
  e.tool.version = over.tool ?? TOOL_VERSION;
  e.packages = { 'onnxruntime-node': over.ort ?? '1.30.0' };
  e.gpus = e.gpus.map((g) => ({ ...g, smClockMaxMHz: 1980, powerLimitW: 700 }));
  e.slurm = { nodeName: over.claims ?? node, jobId: '7', stepId: '0' };
  const runs = perGpu.flatMap((sps, batchIndex) => sps.map((s, gpu) => gpuRun(2 ** batchIndex, gpu, s)));
  return file(
    e,
    runs,
    over.command ?? `bench run ${RUN_ARGS.join(' ')} --gpus all --out DIR/nodes/${node}.json`,
  );
}

/** Exact H100e: capacity = img/s / 1000, measured = img/s / 500, spec 1 per H100. */
const estimate: CensusOptions['estimate'] = (r) =>
  ({
    samplesPerS: r.throughput!.samplesPerS,
    capacity: divided(r.throughput!.samplesPerS, 1000, 'capacity'),
    measured: divided(r.throughput!.samplesPerS, 500, 'measured'),
    spec16: unitSpec(16),
    spec8: unitSpec(8),
  }) as never;

function censusDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'h100e-census-'));
  mkdirSync(join(dir, 'nodes'));
  mkdirSync(join(dir, 'steps'));
  writeManifest(dir, manifest());
  return dir;
}

function inputsOf(
  dir: string,
  jobState?: string,
  steps: CensusInputs['jobs'][number]['steps'] = [],
): CensusInputs {
  const inputs = gatherCensus(dir, { slurm: false });
  if (jobState)
    inputs.jobs[0]!.job = {
      jobId: '7',
      state: jobState,
      reason: 'None',
      nodeList: 'n[1-3]',
      exitCode: '0:0',
    };
  inputs.jobs[0]!.steps = steps;
  return inputs;
}

describe('the census of node files', () => {
  it('sums each device H100e, groups by GPU model and names the GPU below its group median', () => {
    const dir = censusDir();
    writeFileSync(join(dir, 'steps', 'job-7.nodes'), 'n1\nn2\nn3\n');
    writeResultFile(join(dir, 'nodes', 'n1.json'), nodeFile('n1', [[1000, 1000]]));
    writeResultFile(join(dir, 'nodes', 'n2.json'), nodeFile('n2', [[1000, 800]]));
    const census = buildCensus(inputsOf(dir, 'COMPLETED'), { estimate });
    expect(census.configurations).toHaveLength(1);
    const c = census.configurations[0]!;
    expect(c.devices).toHaveLength(4);
    expect(c.totalSamplesPerS).toBe(3800);
    expect(c.capacity.h100e).toBeCloseTo(3.8, 12);
    expect(c.measured.h100e).toBeCloseTo(7.6, 12);
    expect(c.groups).toEqual([
      expect.objectContaining({
        device: H100,
        count: 4,
        medianSamplesPerS: 1000,
        minSamplesPerS: 800,
        maxSamplesPerS: 1000,
        spreadPct: 20,
      }),
    ]);
    expect(c.outliers).toHaveLength(1);
    expect(c.outliers[0]).toMatchObject({
      node: 'n2',
      gpuIndex: 1,
      belowPct: 20,
      powerAvgW: 301,
      smClockMaxMHz: 1980,
      powerLimitW: 700,
    });
    // Spec for the same inventory: 4 H100s at 1 H100e each.
    expect(census.inventory).toEqual([
      expect.objectContaining({ device: H100, count: 4, spec16PerDevice: 1 }),
    ]);
    expect(census.spec16H100e).toBe(4);
    // n3 was allocated and wrote nothing: missing, and worth one n1-like node (2 H100s) by spec.
    expect(census.missing).toMatchObject({ nodes: ['n3'], spec16PerNode: 2, spec16Total: 2 });
    expect(census.nodes.find((n) => n.node === 'n3')?.state).toBe('failed');
    expect(census.partial).toBe(true);
    const text = formatCensusText(census);
    expect(text).toMatch(
      /n2 \(host same-host\) GPU 1: 800 img\/s, 20\.0 % below the NVIDIA H100 80GB HBM3 median of 1,000 \(power 301 W avg, 350 W max; SM clock max 1980 MHz; power limit 700 W; temperature not recorded by bench run\)/,
    );
    expect(text).toMatch(/n3: no usable file; by spec they would add 2 H100e/);
    // --outlier-pct 25: 20 % below is within it.
    expect(
      buildCensus(inputsOf(dir, 'COMPLETED'), { estimate, outlierPct: 25 }).configurations[0]!.outliers,
    ).toEqual([]);
  });

  it('names files of another command, tool or engine version, duplicates, unreadable and foreign files, and summarises the rest', () => {
    const dir = censusDir();
    const nodes = join(dir, 'nodes');
    writeResultFile(join(nodes, 'n1.json'), nodeFile('n1', [[1000, 1000]]));
    writeResultFile(
      join(nodes, 'n2.json'),
      nodeFile('n2', [[900, 900]], { command: 'bench run --model other --device cuda --out x' }),
    );
    writeResultFile(join(nodes, 'n3.json'), nodeFile('n3', [[900, 900]], { tool: '0.0.9' }));
    writeResultFile(join(nodes, 'n4.json'), nodeFile('n4', [[900, 900]], { ort: '1.29.0' }));
    writeResultFile(join(nodes, 'n5.json'), nodeFile('n5', [[900, 900]], { claims: 'n1' }));
    writeFileSync(join(nodes, 'n6.json'), '{"truncated":');
    writeFileSync(join(nodes, 'notes.txt'), 'hello');
    const census = buildCensus(inputsOf(dir, 'COMPLETED'), { estimate });
    const problems = Object.fromEntries(census.problems.map((p) => [p.file, `${p.kind}: ${p.message}`]));
    expect(problems).toEqual({
      'nodes/n2.json': expect.stringMatching(/^command: measured `bench run --model other/),
      'nodes/n3.json': `tool-version: written by h100e 0.0.9, the census by ${TOOL_VERSION}`,
      'nodes/n4.json': "engine-version: onnxruntime-node 1.29.0, the census's 1.30.0",
      'nodes/n5.json': 'duplicate: claims node n1, which nodes/n1.json already holds',
      'nodes/n6.json': expect.stringMatching(/^unreadable: .*n6\.json: not valid JSON/),
      'nodes/notes.txt': 'foreign: not a node result file (expected NODE.json)',
    });
    // Only n1 is merged.
    expect(census.configurations[0]!.devices.map((d) => d.node)).toEqual(['n1', 'n1']);
    expect(formatCensusText(census)).toMatch(/Files not used\n {2}nodes\/n2\.json: measured/);
  });

  it('says a census whose job still runs is partial and summarises the finished configurations', () => {
    const dir = censusDir();
    writeFileSync(join(dir, 'steps', 'job-7.nodes'), 'n1\nn2\n');
    writeResultFile(
      join(dir, 'nodes', 'n1.json'),
      nodeFile('n1', [
        [1000, 1000],
        [1500, 1500],
      ]),
    );
    writeResultFile(join(dir, 'nodes', 'n2.json'), nodeFile('n2', [[1000, 1000]]));
    const census = buildCensus(inputsOf(dir, 'RUNNING', [{ stepId: '7.1', nodes: 'n2' }]), { estimate });
    expect(census.active).toBe(true);
    expect(census.partial).toBe(true);
    expect(census.nodes.map((n) => `${n.node}:${n.state}`)).toEqual(['n1:starting', 'n2:running']);
    expect(census.configurations.map((c) => c.devices.length)).toEqual([4, 2]);
    expect(census.configurations[1]!.nodesWithout).toEqual(['n2']);
    expect(formatCensusText(census)).toMatch(/PARTIAL: job 7 is still running/);
  });
});

describe('slurmPlacement', () => {
  it('reads the node, job and step from the variables slurmd sets, and nothing outside Slurm', () => {
    expect(slurmPlacement({ SLURMD_NODENAME: 'node2', SLURM_JOB_ID: '12', SLURM_STEP_ID: '1' })).toEqual({
      nodeName: 'node2',
      jobId: '12',
      stepId: '1',
    });
    expect(slurmPlacement({ SLURM_JOB_ID: '12' })).toBeUndefined();
  });
});

describe('bench cluster slurm with fake Slurm commands', () => {
  const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
  const RUN = ['--model', 'tiny_cnn', '--device', 'cpu'];

  /** A folder of fake Slurm commands: each prints `out` on stdout, `err` on stderr and exits with `code`. */
  function fakeBin(commands: Record<string, { out?: string; err?: string; code?: number }>): string {
    const bin = mkdtempSync(join(tmpdir(), 'h100e-fake-slurm-'));
    for (const [name, c] of Object.entries(commands)) {
      const path = join(bin, name);
      writeFileSync(
        path,
        `#!/bin/sh\nprintf '${c.out ?? ''}'\nprintf '${c.err ?? ''}' >&2\nexit ${c.code ?? 0}\n`,
      );
      chmodSync(path, 0o755);
    }
    return bin;
  }
  const bench = (args: string[], bin: string) =>
    runCommand(process.execPath, [CLI, ...args], {
      env: { ...process.env, PATH: `${bin}:/bin:/usr/bin`.replace(/:\/usr\/bin$/, '') },
    });

  it('without sbatch on PATH says it needs a Slurm login node (exit 2, one line and a hint)', async () => {
    const bin = fakeBin({});
    const r = await runCommand(process.execPath, [CLI, 'cluster', 'slurm', ...RUN, '--out', join(bin, 'c')], {
      env: { ...process.env, PATH: bin },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: sbatch not found on PATH: bench cluster needs a Slurm login node .*\n {2}hint: /,
    );
    expect(r.stderr.split('\n')).toHaveLength(3);
    expect(readdirSync(bin)).toEqual([]);
  });

  it("shows Slurm's message for a partition it rejects and leaves the folder reusable", async () => {
    const bin = fakeBin({
      sbatch: {
        err: 'sbatch: error: invalid partition specified: nope\\nsbatch: error: Batch job submission failed: Invalid partition name specified\\n',
        code: 1,
      },
    });
    const out = join(bin, 'census');
    const r = await bench(
      ['cluster', 'slurm', ...RUN, '--nodelist', 'n[1-2]', '--partition', 'nope', '--out', out],
      bin,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: Slurm refused the job: invalid partition specified: nope; Batch job submission failed: Invalid partition name specified\n/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it('refuses a folder holding another census, and picks the idle nodes of a partition', async () => {
    const bin = fakeBin({ sinfo: { out: 'n1 idle\\nn2 allocated\\nn3 idle\\n' }, sbatch: { out: '41\\n' } });
    const out = join(bin, 'census');
    mkdirSync(out);
    writeManifest(out, manifest({ censusId: 'other-census' }));
    const r = await bench(['cluster', 'slurm', ...RUN, '--out', out], bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --out .*census already holds census other-census/);
    const printed = await bench(
      ['cluster', 'slurm', ...RUN, '--partition', 'gpu', '--out', out, '--print'],
      bin,
    );
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^#SBATCH --nodelist=n1,n3$/m);
    expect(printed.stdout).toMatch(/^#SBATCH --partition=gpu$/m);
    expect(printed.stdout).toMatch(/--out "[^"]*\/nodes\/\$SLURMD_NODENAME\.json"/);
  });

  it('refuses run options the census sets itself and bad run options before submitting', async () => {
    const bin = fakeBin({ sbatch: { out: '41\\n' } });
    const a = await bench(
      ['cluster', 'slurm', ...RUN, '--gpus', 'all', '--nodes', '2', '--out', join(bin, 'c')],
      bin,
    );
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(
      /^error: --gpus cannot be passed to the nodes' bench run: bench cluster sets it\n {2}hint: use --gpus-per-node N/,
    );
    const b = await bench(
      ['cluster', 'slurm', ...RUN, '--batch', 'x', '--nodes', '2', '--out', join(bin, 'c')],
      bin,
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--batch 'x'/);
  });
});
